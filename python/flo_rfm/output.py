"""Writing result files: atomically (temporary file, then rename) and never over an input."""

from __future__ import annotations

import os
from collections.abc import Iterable

import pandas as pd

from . import _flo_rfm
from .exceptions import OutputIsInputError

__all__ = ["neutralize_formulas", "write_csv", "write_ids"]


def check_not_input(path: str, inputs: Iterable[str]) -> None:
    """Raise :class:`~flo_rfm.exceptions.OutputIsInputError` (a ``ValueError``) if ``path`` is
    one of the ``inputs`` files.

    Examples
    --------
    >>> check_not_input(__file__, [__file__])
    Traceback (most recent call last):
    ...
    flo_rfm.exceptions.OutputIsInputError: refusing to write ...: it is an input file
    """
    target = os.path.realpath(path)
    for src in inputs:
        if src and os.path.exists(src) and os.path.realpath(src) == target:
            err = OutputIsInputError(f"refusing to write {path}: it is an input file")
            err.path = path
            raise err


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula (starting with ``= + - @``, tab or
    carriage return) prefixed with ``'``, as OWASP advises for CSV exports. Numbers are left
    alone (a negative number is not a formula); so is everything else.

    Examples
    --------
    >>> import pandas as pd
    >>> neutralize_formulas(pd.DataFrame({"id": ["=HYPERLINK(1)", "a"], "v": [-1.0, 2.0]}))["id"].tolist()
    ["'=HYPERLINK(1)", 'a']
    """
    out = df.copy()

    def fix(values: pd.Series | pd.Index) -> pd.Series | pd.Index:
        if values.dtype.kind not in "OSU" and not pd.api.types.is_string_dtype(values):
            return values
        text = values.astype(object)
        mask = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START))
        if not bool(mask.any()):
            return values
        return text.where(~mask, "'" + text.astype(str))  # type: ignore[operator]

    for col in out.columns:
        out[col] = fix(out[col])
    if not isinstance(out.index, pd.MultiIndex):
        out.index = fix(out.index)  # type: ignore[assignment]
    return out


def write_csv(
    df: pd.DataFrame, path: str | os.PathLike[str], *, inputs: Iterable[str] = (), index: bool = False
) -> None:
    """Write ``df`` as CSV to ``path`` atomically; refuse to overwrite any of ``inputs``.

    Text cells that a spreadsheet would run as a formula are neutralised (see
    :func:`neutralize_formulas`).

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> write_csv(pd.DataFrame({"a": [1, 2]}), path)
    >>> open(path).read().splitlines()
    ['a', '1', '2']
    """
    path = os.fspath(path)
    check_not_input(path, inputs)
    text = neutralize_formulas(df).to_csv(index=index)
    _flo_rfm.write_file(path, text.encode("utf-8"), [os.fspath(i) for i in inputs if i])


def _atomic_text(path: str, text: str) -> None:
    """``text`` written to ``path`` by the core's atomic writer (umask mode, unique temporary)."""
    _flo_rfm.write_file(path, text.encode("utf-8"))


def write_ids(ids: pd.Series, path: str | os.PathLike[str], *, inputs: Iterable[str] = ()) -> None:
    """One id per line under a ``master_id`` header, as the seeds' ``ids.to_csv(index=False)``.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "ids.csv")
    >>> write_ids(pd.Series(["x", "y"]), path)
    >>> open(path).read().splitlines()
    ['master_id', 'x', 'y']
    """
    path = os.fspath(path)
    check_not_input(path, inputs)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if ids.isna().any():
        raise ValueError("an id list must not hold missing ids")
    _flo_rfm.write_id_list([str(v) for v in ids], path, str(ids.name or "master_id"))
