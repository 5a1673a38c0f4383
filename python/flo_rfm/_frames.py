"""Polars and Arrow in, the same kind out: conversions at the edge of the public API (tables,
and the scalar arguments, whose bad values become :mod:`flo_rfm.exceptions` errors)."""

from __future__ import annotations

import operator
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import pandas as pd

from .exceptions import ArgumentTypeError, FloRfmError, InvalidArgumentError

Kind = Literal["pandas", "polars", "arrow"]


@contextmanager
def argument_errors() -> Iterator[None]:
    """Around a call into the core: an argument it cannot take (pyo3's ``TypeError`` for a value
    of the wrong type, ``OverflowError`` for a negative or too large count) raises
    :class:`ArgumentTypeError` or :class:`InvalidArgumentError`; the core's own errors pass."""
    try:
        yield
    except FloRfmError:
        raise
    except TypeError as e:
        raise ArgumentTypeError(str(e)) from e
    except OverflowError as e:
        raise InvalidArgumentError(str(e)) from e


def as_int(value: object, name: str, minimum: int | None = None, *, exact: bool = False) -> int:
    """``value`` as an int (``int(value)``; with ``exact``, only ints and numpy integers), at
    least ``minimum``; else :class:`ArgumentTypeError` (a ``TypeError``) for a value of the wrong
    type or :class:`InvalidArgumentError` (a ``ValueError``) for a wrong value.

    Examples
    --------
    >>> as_int(3.0, "t")
    3
    >>> as_int("x", "t")
    Traceback (most recent call last):
    ...
    flo_rfm.exceptions.InvalidArgumentError: t must be a whole number, got 'x'
    """
    try:
        number = operator.index(value) if exact else int(value)  # type: ignore[call-overload]
    except TypeError as e:
        raise ArgumentTypeError(f"{name} must be a whole number, got {value!r}") from e
    except (ValueError, OverflowError) as e:
        raise InvalidArgumentError(f"{name} must be a whole number, got {value!r}") from e
    if minimum is not None and number < minimum:
        raise InvalidArgumentError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return number


def as_float(value: object, name: str) -> float:
    """``float(value)``, or the :mod:`flo_rfm.exceptions` error saying ``name`` must be a number."""
    try:
        return float(value)  # type: ignore[arg-type]
    except TypeError as e:
        raise ArgumentTypeError(f"{name} must be a number, got {value!r}") from e
    except ValueError as e:
        raise InvalidArgumentError(f"{name} must be a number, got {value!r}") from e


def as_path(value: object, name: str = "path") -> str:
    """``os.fspath(value)``, or :class:`ArgumentTypeError` naming the argument."""
    try:
        return os.fspath(value)  # type: ignore[call-overload]
    except TypeError as e:
        raise ArgumentTypeError(
            f"{name} must be a path (str or os.PathLike), got {type(value).__name__}"
        ) from e


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
    raise ArgumentTypeError(f"expected a pandas, Polars or Arrow table, got {type(obj).__name__}")


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
