"""The API reference is generated from the docstrings and kept current; every public callable
has a docstring with an Examples section (run as doctests)."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import flo_rfm

ROOT = Path(__file__).resolve().parent.parent


def _builder():
    spec = importlib.util.spec_from_file_location("build_api", ROOT / "docs" / "build_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_current():
    assert (ROOT / "docs" / "api.md").read_text(encoding="utf-8") == _builder().build(), (
        "docs/api.md is stale: run python docs/build_api.py"
    )


def test_public_callables_have_examples():
    missing = []
    for name in flo_rfm.__all__:
        obj = getattr(flo_rfm, name)
        if inspect.isfunction(obj) and "Examples" not in (obj.__doc__ or ""):
            missing.append(name)
        if inspect.isclass(obj) and not issubclass(obj, Exception):
            for mname, member in inspect.getmembers(obj, inspect.isfunction):
                if not mname.startswith("_") and "Examples" not in (member.__doc__ or ""):
                    missing.append(f"{name}.{mname}")
    assert not missing, f"no Examples section: {missing}"
