"""The notebooks: committed with the outputs notebooks/build.py makes from the built-in sample
(each is executed once here, and that run is the check), and they run on the real file."""

from __future__ import annotations

import base64
import copy
import importlib.util
import struct
from pathlib import Path

import nbformat
import pytest

HERE = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(HERE.glob("*.ipynb"))

_spec = importlib.util.spec_from_file_location("notebooks_build", HERE / "build.py")
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)


def test_every_notebook_is_made_by_build_py():
    assert [p.name for p in NOTEBOOKS] == sorted(build.NOTEBOOKS)


@pytest.mark.parametrize("name", sorted(build.NOTEBOOKS))
def test_committed_notebook_is_what_build_py_makes(name):
    """Executes the notebook on the built-in sample and compares it with the committed file:
    sources, text outputs, figures by size (what `python notebooks/build.py --check` does)."""
    built = build.build(name)
    problems = build.differences(name, nbformat.read(HERE / name, as_version=4), built)
    assert not problems, "stale; rebuild with `python notebooks/build.py`:\n" + "\n".join(problems)


def _png(width: int, height: int) -> str:
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", width, height)
    return base64.b64encode(header + bytes(5)).decode()


def test_check_names_each_stale_cell():
    name = "05_clv_models.ipynb"
    committed = nbformat.read(HERE / name, as_version=4)
    assert build.differences(name, committed, copy.deepcopy(committed)) == []
    images = [
        (i, out)
        for i, c in enumerate(committed.cells)
        for out in c.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert images, "the committed notebook shows its figures"
    i, out = images[0]
    w, h = build.png_size(out.data["image/png"])
    assert (w, h) > (100, 100)

    built = copy.deepcopy(committed)
    built.cells[1].source += "\n"
    built.cells[3].outputs[0].data["text/plain"] = "{}"
    built.cells[i].outputs[0].data["image/png"] = _png(w + 1, h)
    found = build.differences(name, committed, built)
    assert [p.split(":")[0] for p in found] == [f"{name} cell {k}" for k in (1, 3, i)]
    assert "source differs" in found[0] and "{}" in found[1] and f"{w + 1}x{h} pixels" in found[2]

    # Same size, other bytes: still current (figures are compared by presence and size).
    built = copy.deepcopy(committed)
    built.cells[i].outputs[0].data["image/png"] = _png(w, h)
    assert build.differences(name, committed, built) == []
    del built.cells[i].outputs[0].data["image/png"]
    assert build.differences(name, committed, built) != []
    assert build.differences(name, None, committed) == [f"{name}: missing"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_real_file(path, real_path):
    # The committed notebook, run on the real file; its outputs are checked and never written.
    nb = build.execute(nbformat.read(path, as_version=4), data=str(real_path))
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
