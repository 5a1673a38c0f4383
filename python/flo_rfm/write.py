"""Writing result files: atomically (temporary file, then rename) and never over an input."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pandas as pd

from . import _flo_rfm
from ._frames import as_path
from .exceptions import (
    ArgumentTypeError,
    FileAccessError,
    FileError,
    FileMissingError,
    InvalidArgumentError,
    IsAFolderError,
    OutputIsInputError,
)

__all__ = ["neutralize_formulas", "write_csv", "write_ids"]


def file_error(err: OSError) -> FileError:
    """``err`` (an ``OSError`` Python raised) as the matching :mod:`flo_rfm.exceptions` class,
    with the same ``errno``, ``strerror`` and ``filename``; a flo_rfm error is returned as is.

    Examples
    --------
    >>> e = file_error(FileNotFoundError(2, "No such file or directory", "x.csv"))
    >>> type(e).__name__, e.errno, e.filename, isinstance(e, FileNotFoundError)
    ('FileMissingError', 2, 'x.csv', True)
    """
    if isinstance(err, FileError):
        return err
    if isinstance(err, FileNotFoundError):
        cls: type[FileError] = FileMissingError
    elif isinstance(err, PermissionError):
        cls = FileAccessError
    elif isinstance(err, IsADirectoryError):
        cls = IsAFolderError
    else:
        cls = FileError
    if err.errno is None:
        return cls(*err.args)
    if err.filename2 is not None:
        return cls(err.errno, err.strerror, err.filename, None, err.filename2)
    if err.filename is not None:
        return cls(err.errno, err.strerror, err.filename)
    return cls(err.errno, err.strerror)


@contextmanager
def file_errors() -> Iterator[None]:
    """Turns an ``OSError`` raised by Python inside the block into :func:`file_error`'s class."""
    try:
        yield
    except FileError:
        raise
    except OSError as e:
        raise file_error(e) from e


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
        if not (src and os.path.exists(src)):
            continue
        # By file identity when both exist: a hard link is the same file under another name.
        same = os.path.samefile(src, path) if os.path.exists(path) else os.path.realpath(src) == target
        if same:
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
    if not isinstance(df, pd.DataFrame):
        raise ArgumentTypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    path = as_path(path)
    inputs = [as_path(i, "inputs") for i in inputs if i]
    check_not_input(path, inputs)
    text = neutralize_formulas(df).to_csv(index=index)
    _flo_rfm.write_file(path, text.encode("utf-8"), inputs)


def _atomic_text(path: str, text: str, inputs: Iterable[str] = ()) -> None:
    """``text`` written to ``path`` by the core's atomic writer (umask mode, unique temporary),
    refused if ``path`` is one of ``inputs``."""
    _flo_rfm.write_file(path, text.encode("utf-8"), [i for i in inputs if i])


def write_ids(ids: pd.Series, path: str | os.PathLike[str], *, inputs: Iterable[str] = ()) -> None:
    """One id per line under a ``master_id`` header, as pandas' ``ids.to_csv(index=False)``.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "ids.csv")
    >>> write_ids(pd.Series(["x", "y"]), path)
    >>> open(path).read().splitlines()
    ['master_id', 'x', 'y']
    """
    if not isinstance(ids, (pd.Series, pd.Index)):
        raise ArgumentTypeError(f"ids must be a pandas Series, got {type(ids).__name__}")
    path = as_path(path)
    check_not_input(path, [as_path(i, "inputs") for i in inputs if i])
    with file_errors():
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if ids.isna().any():
        raise InvalidArgumentError("an id list must not hold missing ids")
    _flo_rfm.write_id_list([str(v) for v in ids], path, str(ids.name or "master_id"))
