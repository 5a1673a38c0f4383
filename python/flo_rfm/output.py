"""Writing result files: atomically (temporary file, then rename) and never over an input."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable

import pandas as pd

from . import _flo_rfm

__all__ = ["write_csv", "write_ids"]


def check_not_input(path: str, inputs: Iterable[str]) -> None:
    """Raise ``ValueError`` if ``path`` is one of the ``inputs`` files.

    Examples
    --------
    >>> check_not_input(__file__, [__file__])
    Traceback (most recent call last):
    ...
    ValueError: refusing to write ...: it is an input file
    """
    target = os.path.realpath(path)
    for src in inputs:
        if src and os.path.exists(src) and os.path.realpath(src) == target:
            raise ValueError(f"refusing to write {path}: it is an input file")


def write_csv(
    df: pd.DataFrame, path: str | os.PathLike[str], *, inputs: Iterable[str] = (), index: bool = False
) -> None:
    """Write ``df`` as CSV to ``path`` atomically; refuse to overwrite any of ``inputs``.

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
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".flo_rfm-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            df.to_csv(fh, index=index)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _atomic_text(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".flo_rfm-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


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
