"""What every distributed job does with partitions: read one as customer data (errors name
the partition), find the analysis date, write per-partition files atomically."""

from __future__ import annotations

import collections
import contextlib
import glob
import io
import os
import uuid
from collections.abc import Sequence
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import Delayed, delayed

from .. import _flo_rfm
from .._dates import DateLike, days
from .._frames import argument_errors
from .._pandas import PANDAS_VERSION
from ..exceptions import ArgumentTypeError, InputError, InvalidArgumentError, MissingDependencyError
from ..io import from_pandas
from ..write import check_not_input, file_errors, neutralize_formulas, write_csv, write_ids
from ._files import customer_file_parts, expand, is_files


def pandas_text() -> contextlib.AbstractContextManager[object]:
    """Where the collections flo_rfm returns are built: on pandas 2 Dask's conversion of object
    text to ``string[pyarrow]`` is left off, so the frames equal one machine's (object text, as
    pandas 2's ``read_csv`` gives); pandas 3's text dtype needs no conversion."""
    if PANDAS_VERSION >= (3, 0):
        return contextlib.nullcontext()
    return dask.config.set({"dataframe.convert-string": False})


def check_frame(ddf: object, name: str = "ddf") -> None:
    """Raise :class:`ArgumentTypeError` unless ``ddf`` is a Dask DataFrame."""
    if not isinstance(ddf, dd.DataFrame):
        raise ArgumentTypeError(f"{name} must be a dask.dataframe.DataFrame, got {type(ddf).__name__}")


def check_format(fmt: object) -> None:
    """Raise :class:`InvalidArgumentError` unless ``fmt`` is ``"csv"`` or ``"parquet"``."""
    if fmt not in ("csv", "parquet"):
        raise InvalidArgumentError(f'format must be "csv" or "parquet", got {fmt!r}')


def customer_data(df: pd.DataFrame, number: int, on_bad_rows: str) -> Any:
    return from_pandas(df, on_bad_rows=on_bad_rows, source=f"partition {number}")  # type: ignore[arg-type]


def check_source(source: object) -> None:
    """Raise :class:`ArgumentTypeError` unless ``source`` is a Dask DataFrame or names files."""
    if not is_files(source):
        check_frame(source, "ddf")


def input_files(source: Any) -> list[str]:
    """The local files a job reads, so that no output is written over one."""
    if is_files(source):
        return sorted(os.path.realpath(p) for p in expand(source))
    return sources(source)


def read_customers(source: Any, on_bad_rows: str, blocksize: int | str | None) -> list[Any]:
    """Each partition parsed once into the core's customer table and kept where it was made (it
    pickles as the core's own bytes if it has to move): later steps read that, never the input
    again. Files are read by the core, a byte range per partition; a Dask DataFrame's partitions
    are converted into the core."""
    if is_files(source):
        parts = customer_file_parts(source, blocksize, on_bad_rows)
    else:
        parts = [delayed(customer_data)(p, i, on_bad_rows) for i, p in enumerate(source.to_delayed())]
    return list(dask.persist(*parts))


def _hashes(data: Any) -> np.ndarray:
    """One partition's id hashes (unsorted: the client sorts them all once; a hash repeated
    within a partition is only a collision, and the ids' own check clears it)."""
    return _flo_rfm.frame_id_hashes(data._frame)


def _ids_with(data: Any, hashes: np.ndarray) -> list[str]:
    """The ids of one partition whose hash is among ``hashes`` (few: the repeated ones)."""
    rows = np.flatnonzero(np.isin(_flo_rfm.frame_id_hashes(data._frame), hashes)).astype(np.uint64)
    return list(data._frame.ids_at(rows))


def check_unique_ids(datas: Sequence[Any], hashes: Sequence[np.ndarray]) -> None:
    """Raise :class:`InputError` for a ``master_id`` in more than one partition (within one the
    reader already raises). Each partition sent its ids' 64-bit hashes (8 bytes a customer,
    :func:`read_reports`); a hash seen in two partitions is then checked on the ids themselves,
    so a collision never raises."""
    every = np.sort(np.concatenate(hashes)) if len(hashes) else np.zeros(0, dtype=np.uint64)
    repeated = np.unique(every[1:][every[1:] == every[:-1]])
    if not len(repeated):
        return
    seen = collections.Counter(
        i for ids in dask.compute(*[delayed(_ids_with)(d, repeated) for d in datas]) for i in ids
    )
    twice = sorted(((n, i) for i, n in seen.items() if n > 1), key=lambda t: (-t[0], t[1]))[:5]
    if twice:
        listed = ", ".join(f"{i} ({n} rows)" for n, i in twice)
        raise InputError(f"master_id repeated across partitions: {listed}")


def _dates(data: Any, number: int, hashes: bool) -> dict[str, Any]:
    """What one partition read: its latest ``last_order_date``, rows read and rows skipped,
    and (if asked) its ids' hashes."""
    return {
        "max_last": data._frame.max_last_order_date(),
        "rows": len(data),
        "skipped": [(number, line, msg) for line, msg in data.report.skipped],
        "hashes": _hashes(data) if hashes else None,
    }


def read_reports(datas: Sequence[Any], hashes: bool = False) -> list[Delayed]:
    """What each partition read, as delayed values (a bad row raises when they are computed,
    naming its partition; with ``hashes`` also its ids' hashes, for :func:`check_unique_ids`): a
    job computes them with its first selection round, in one round trip, and calls
    :func:`day_of`."""
    return [delayed(_dates)(d, i, hashes) for i, d in enumerate(datas)]


def day_of(read: Sequence[dict[str, Any]], analysis_date: DateLike | None) -> int:
    """The analysis date: the given one, or the core's default after the latest
    ``last_order_date`` of the partitions' :func:`read_reports`."""
    if analysis_date is not None:
        return days(analysis_date)
    latest = [r["max_last"] for r in read if r["max_last"] is not None]
    with argument_errors():  # the core's default, as one machine's
        return _flo_rfm.default_analysis_date(max(latest) if latest else None)  # type: ignore[no-any-return]


def _write_part(frame: pd.DataFrame | pd.Series, path: str, fmt: str, index: bool) -> str:
    """One partition's file, written atomically by the core's writer (a temporary file of its
    own, fsynced, renamed over ``path``; the umask mode)."""
    if fmt == "parquet":
        out = frame.to_frame() if isinstance(frame, pd.Series) else frame
        data = io.BytesIO()
        try:
            out.to_parquet(data, index=index)
        except ImportError as e:
            raise MissingDependencyError(f'format="parquet" needs pyarrow: pip install pyarrow ({e})') from e
        _flo_rfm.write_file(path, data.getvalue(), [])
    elif isinstance(frame, pd.Series):
        write_ids(frame, path)
    else:
        write_csv(frame, path, index=index)
    return path


def part_writes(parts: Sequence[Any], directory: str, fmt: str, index: bool) -> list[Delayed]:
    with file_errors():
        os.makedirs(directory, exist_ok=True)
    ext = "parquet" if fmt == "parquet" else "csv"
    return [
        delayed(_write_part)(p, os.path.join(directory, f"part-{i:05d}.{ext}"), fmt, index)
        for i, p in enumerate(parts)
    ]


def _named_files(node: Any) -> list[str]:
    """The local files a ``ReadCSV``-like node names in its ``filename`` operand (a path, a glob
    or a list of them), as Dask 2024.12 builds ``dd.read_csv``; later Dask holds fsspec files."""
    if "filename" not in getattr(node, "_parameters", ()):
        return []
    value = node.operand("filename")
    names = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else []
    out: list[str] = []
    for name in names:
        if not isinstance(name, str) or ("://" in name and not name.startswith("file://")):
            continue
        name = os.path.expanduser(name.removeprefix("file://"))
        out.extend(os.path.realpath(p) for p in (glob.glob(name) or [name]))
    return out


def sources(ddf: dd.DataFrame) -> list[str]:
    """The local files a frame reads (``dd.read_csv`` and the like), so that no output is written
    over one. Found by looking through the frame's expression for fsspec files; a frame built
    another way names none (``from_pandas`` reads no file)."""
    found: set[str] = set()

    def visit(obj: Any, depth: int) -> None:
        path = getattr(obj, "path", None)
        if isinstance(path, str) and getattr(obj, "fs", None) is not None:
            found.add(os.path.realpath(path))
            return
        if depth == 0:
            return
        if isinstance(obj, (list, tuple)):
            for item in obj:
                visit(item, depth - 1)
        for inner in (getattr(obj, "args", None), getattr(obj, "operands", None)):
            if isinstance(inner, (list, tuple)):
                visit(inner, depth - 1)

    try:
        for node in ddf.expr.walk():
            found.update(_named_files(node))
            visit(node.operands, 6)
    except Exception:  # an expression this walk does not know: no names rather than a crash
        pass
    return sorted(found)


def check_outputs(out: str, names: Sequence[str], inputs: Sequence[str]) -> None:
    """Refuse, before any work, to write any of ``names`` under ``out`` over an input."""
    for name in names:
        check_not_input(os.path.join(out, name), inputs)


def write_single_csv(frame: dd.DataFrame, path: str, inputs: Sequence[str], index: bool = True) -> str:
    """The whole frame as one CSV, as one machine writes it (formula cells neutralised), built
    partition after partition on the client (one partition in memory at a time) and renamed
    into place when complete."""
    check_not_input(path, inputs)
    directory = os.path.dirname(os.path.abspath(path))
    # Named as the core's atomic writer names its temporaries (so a killed run's file is
    # removed by the next write) and created with mode 0o666, so the umask decides the mode.
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}-0-{uuid.uuid4().hex}.tmp")
    with file_errors():
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
                for i, part in enumerate(frame.to_delayed()):
                    (df,) = dask.compute(part)
                    neutralize_formulas(df).to_csv(fh, index=index, header=i == 0)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return path


def invalid(message: str) -> InvalidArgumentError:
    """The error of a bad argument value (a ``ValueError``), for ``raise invalid(...)``."""
    return InvalidArgumentError(message)
