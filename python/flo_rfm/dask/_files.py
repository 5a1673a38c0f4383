"""Input files read by the Rust core inside the workers: a byte range of a plain CSV file per
partition (either schema), a whole file per partition where it cannot be split (compressed,
another encoding, Parquet). Nothing is parsed by pandas, and each range is parsed once.

A range holds the records that start in it (the core's rule, ``src/core/io/read/range.rs``):
to know whether its first byte lies inside quotes, and how many lines come before it, each
range first counts its quotes and line feeds (a scan far cheaper than a parse); the parse of
range ``k`` depends on the counts of ranges ``0..k``, in the same graph, so the two passes cost
no extra round trip. Errors name the file and the line in the whole file.
"""

from __future__ import annotations

import errno
import glob
import os
from collections.abc import Sequence
from typing import Any, Union

from dask.delayed import Delayed, delayed
from dask.utils import parse_bytes

from .. import _flo_rfm
from .._frames import argument_errors
from ..customer_data import CustomerData
from ..exceptions import ArgumentTypeError, FileMissingError, InvalidArgumentError

#: What the study functions read besides a Dask DataFrame: a path, a glob, or a list of them.
Files = Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]]

#: Bytes per partition when the caller names none (Dask's own ``read_csv`` default).
DEFAULT_BLOCKSIZE = "64MB"


def is_files(source: object) -> bool:
    """Whether ``source`` names files (rather than being a Dask DataFrame)."""
    if isinstance(source, (str, os.PathLike)):
        return True
    return isinstance(source, (list, tuple)) and all(isinstance(s, (str, os.PathLike)) for s in source)


def expand(source: Files) -> list[str]:
    """The files ``source`` names, in order (a glob's matches sorted, as Dask sorts them)."""
    names = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    out: list[str] = []
    for name in names:
        text = os.path.expanduser(os.fspath(name))
        matches = sorted(glob.glob(text)) if glob.has_magic(text) else [text]
        if not matches:
            raise FileMissingError(errno.ENOENT, "no file matches the pattern", text)
        out.extend(matches)
    if not out:
        raise InvalidArgumentError("no input files given")
    return out


def _block_bytes(blocksize: int | str | None) -> int:
    size = parse_bytes(DEFAULT_BLOCKSIZE if blocksize is None else blocksize)
    if not isinstance(size, int) or size <= 0:
        raise InvalidArgumentError(f"blocksize must be a positive number of bytes, got {blocksize!r}")
    return size


def _ranges(path: str, size: int) -> list[tuple[int, int]]:
    length = os.path.getsize(path)
    return [(a, min(a + size, length)) for a in range(0, max(length, 1), size)]


def _splittable(path: str) -> bool:
    with argument_errors():
        return bool(_flo_rfm.csv_splittable(path))


def file_parts(
    source: Files, blocksize: int | str | None, read_range: Any, read_whole: Any, *args: Any
) -> list[Delayed]:
    """One delayed partition per byte range (or per unsplittable file), in file order, made by
    ``read_range(path, start, end, before, k, *args)`` (what the ranges before range ``k``
    hold is ``before[k]``) and ``read_whole(path, *args)``."""
    if not is_files(source):
        raise ArgumentTypeError(f"expected a path, a glob or a list of paths, got {type(source).__name__}")
    size = _block_bytes(blocksize)
    parts: list[Delayed] = []
    for path in expand(source):
        if not _splittable(path):
            parts.append(delayed(read_whole)(path, *args))
            continue
        ranges = _ranges(path, size)
        counts = [delayed(_flo_rfm.count_csv_range)(path, a, b) for a, b in ranges[:-1]]
        # One task folds the counts, so each range depends on it alone (not on all before it).
        before = delayed(_running_totals)(counts)
        parts.extend(delayed(read_range)(path, a, b, before, k, *args) for k, (a, b) in enumerate(ranges))
    return parts


def _running_totals(counts: list[tuple[bool, int]]) -> list[list[tuple[bool, int]]]:
    """Per range, what all ranges before it hold, as one ``(odd quotes, line feeds)`` pair."""
    out: list[list[tuple[bool, int]]] = [[]]
    odd, newlines = False, 0
    for o, n in counts:
        odd, newlines = odd ^ bool(o), newlines + int(n)
        out.append([(odd, newlines)])
    return out


def _customers_range(
    path: str, start: int, end: int, before: list[list[tuple[bool, int]]], k: int, on_bad_rows: str
) -> CustomerData:
    return CustomerData(_flo_rfm.read_csv_range(path, start, end, before[k], on_bad_rows))


def _customers_file(path: str, on_bad_rows: str) -> CustomerData:
    return CustomerData(_flo_rfm.read_csv(path, on_bad_rows))


def customer_file_parts(source: Files, blocksize: int | str | None, on_bad_rows: str) -> list[Delayed]:
    """The customer file(s) as delayed :class:`CustomerData` partitions, read by the core."""
    return file_parts(source, blocksize, _customers_range, _customers_file, on_bad_rows)


def _log_range(
    path: str,
    start: int,
    end: int,
    before: list[list[tuple[bool, int]]],
    k: int,
    columns: tuple[Any, ...],
    on_bad_rows: str,
) -> Any:
    customer, datetime, amount = columns
    return _flo_rfm.read_log_range(path, start, end, before[k], customer, datetime, amount, on_bad_rows)


def _log_file(path: str, columns: tuple[Any, ...], on_bad_rows: str) -> Any:
    customer, datetime, amount = columns
    return _flo_rfm.read_log(path, customer, datetime, amount, on_bad_rows=on_bad_rows)


def log_file_parts(
    source: Files,
    blocksize: int | str | None,
    columns: tuple[str, str, str | None],
    on_bad_rows: str = "raise",
) -> list[Delayed]:
    """The order log file(s) as delayed core ``OrderLog`` partitions (customer, date-time and
    amount columns named by ``columns``), read by the core a byte range at a time."""
    return file_parts(source, blocksize, _log_range, _log_file, tuple(columns), on_bad_rows)
