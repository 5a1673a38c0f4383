"""Polars and Arrow in, the same kind out: conversions at the edge of the public API."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

Kind = Literal["pandas", "polars", "arrow"]


def kind_of(obj: object) -> Kind | None:
    """The kind of table ``obj`` is, or None if it is not a table we take."""
    if isinstance(obj, pd.DataFrame):
        return "pandas"
    module = type(obj).__module__
    if module.startswith("polars") and hasattr(obj, "to_pandas"):
        return "polars"
    if module.startswith("pyarrow") and hasattr(obj, "to_pandas"):
        return "arrow"
    if hasattr(obj, "__arrow_c_stream__"):
        return "arrow"
    return None


def to_pandas(obj: Any) -> pd.DataFrame:
    """A pandas DataFrame of a pandas, Polars or Arrow table (Arrow PyCapsule objects too)."""
    kind = kind_of(obj)
    if kind == "pandas":
        return obj  # type: ignore[no-any-return]
    if kind == "polars" or (kind == "arrow" and hasattr(obj, "to_pandas")):
        return obj.to_pandas()  # type: ignore[no-any-return]
    if kind == "arrow":
        import pyarrow as pa

        return pa.table(obj).to_pandas()
    raise TypeError(f"expected a pandas, Polars or Arrow table, got {type(obj).__name__}")


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Index as a column and one level of column names: what Polars and Arrow tables hold."""
    out = df.copy()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = ["_".join(map(str, c)) for c in out.columns]
    if out.index.name is not None or not isinstance(out.index, pd.RangeIndex):
        out = out.reset_index(drop=out.index.name is None)
    return out


def to_kind(obj: pd.DataFrame | pd.Series, kind: Kind) -> Any:
    """``obj`` as a table (or column) of ``kind``. Named indexes become columns."""
    if kind == "pandas":
        return obj
    if isinstance(obj, pd.Series):
        if kind == "polars":
            import polars as pl

            return pl.from_pandas(obj.reset_index(drop=True))
        import pyarrow as pa

        return pa.Array.from_pandas(obj.reset_index(drop=True))
    flat = _flat(obj)
    if kind == "polars":
        import polars as pl

        return pl.from_pandas(flat)
    import pyarrow as pa

    return pa.Table.from_pandas(flat, preserve_index=False)
