"""Writes docs/api.md, the API reference, from the docstrings (python docs/build_api.py).

tests/test_docs.py fails when docs/api.md is out of date with the code."""

from __future__ import annotations

import inspect
from pathlib import Path

import flo_rfm
import flo_rfm.dask
import flo_rfm.datasets
import flo_rfm.exceptions
import flo_rfm.plot

OUT = Path(__file__).parent / "api.md"


def _doc(obj: object) -> str:
    return inspect.cleandoc(inspect.getdoc(obj) or "(no docstring)")


def _sig(name: str, obj: object) -> str:
    try:
        return f"{name}{inspect.signature(obj)}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return name


def _function(lines: list[str], qual: str, obj: object, level: str = "###") -> None:
    lines += [f"{level} `{_sig(qual, obj)}`", "", _doc(obj), ""]


def _class(lines: list[str], qual: str, cls: type) -> None:
    lines += [f"### class `{qual}`", "", _doc(cls), ""]
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or name in getattr(cls, "__dataclass_fields__", {}):
            continue
        if isinstance(member, property):
            lines += [f"#### `{qual}.{name}` (property)", "", _doc(member), ""]
        elif inspect.isfunction(member) or inspect.ismethod(member):
            _function(lines, f"{qual}.{name}", member, "####")


def build() -> str:
    lines = ["# flo_rfm API reference", "", "Generated from the docstrings by `docs/build_api.py`.", ""]
    sections = [
        (
            "flo_rfm",
            flo_rfm,
            [n for n in flo_rfm.__all__ if n not in ("datasets", "exceptions", "rules", "__version__")],
        ),
        ("flo_rfm.rules", flo_rfm.rules, flo_rfm.rules.__all__),
        ("flo_rfm.datasets", flo_rfm.datasets, flo_rfm.datasets.__all__),
        ("flo_rfm.plot", flo_rfm.plot, flo_rfm.plot.__all__),
        ("flo_rfm.exceptions", flo_rfm.exceptions, flo_rfm.exceptions.__all__),
        ("flo_rfm.dask", flo_rfm.dask, flo_rfm.dask.__all__),
    ]
    for title, module, names in sections:
        lines += [f"## `{title}`", "", _doc(module).split("\n\n")[0], ""]
        for name in sorted(names, key=lambda n: (not inspect.isclass(getattr(module, n)), n.lower())):
            obj = getattr(module, name)
            qual = f"{title}.{name}"
            if inspect.isclass(obj) and obj.__name__ != name and name.endswith("Fitter"):
                # lifetimes' name for a flo_rfm model (BetaGeoFitter = BetaGeo).
                lines += [
                    f"### class `{qual}`",
                    "",
                    f"lifetimes' name for :class:`{title}.{obj.__name__}` (the same class), so code "
                    "written for lifetimes runs by changing the import.",
                    "",
                ]
            elif inspect.isclass(obj) and obj.__name__ != name:
                # A class exported under a second, older name (TransactionLog = OrderLog).
                lines += [
                    f"### class `{qual}`",
                    "",
                    f"The former name of :class:`{title}.{obj.__name__}` (the same class), kept so code "
                    "written for earlier releases runs unchanged.",
                    "",
                ]
            elif inspect.isclass(obj):
                _class(lines, qual, obj)
            elif callable(obj):
                _function(lines, qual, obj)
            else:
                lines += [f"### `{qual}`", "", f"`{obj!r}`" if len(repr(obj)) < 300 else "", ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    OUT.write_text(build(), encoding="utf-8")
    print(f"wrote {OUT}")
