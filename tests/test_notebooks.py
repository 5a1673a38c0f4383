"""The notebooks run from top to bottom: on the sample, and on the real file."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def _execute(path: Path, data: str | None) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    old = os.environ.get("FLO_DATA")
    os.environ["FLO_DATA"] = data or ""
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    finally:
        if old is None:
            os.environ.pop("FLO_DATA", None)
        else:
            os.environ["FLO_DATA"] = old
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_sample(path):
    _execute(path, None)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_real_file(path, real_path):
    nb = _execute(path, str(real_path))
    text = "".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    if path.name.startswith("02"):
        assert "148" in text and "2497" in text and "2494" in text and "2771" in text
    if path.name.startswith("03"):
        assert "4.151" in text and "362.3" in text
    assert "Error" not in text


def test_notebooks_are_built_from_build_py():
    assert len(NOTEBOOKS) >= 2
