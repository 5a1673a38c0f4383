"""What every distributed job does with partitions: read one as customer data (errors name
the partition), find the analysis date, write per-partition files atomically."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
from dask.delayed import Delayed, delayed

from ..data import from_pandas
from ..output import write_csv, write_ids
from ..segmentation import DateLike, _days

EPOCH = pd.Timestamp("1970-01-01")


def customer_data(df: pd.DataFrame, number: int, on_bad_rows: str) -> Any:
    return from_pandas(df, on_bad_rows=on_bad_rows, source=f"partition {number}")  # type: ignore[arg-type]


def _dates(df: pd.DataFrame, number: int, on_bad_rows: str) -> dict[str, Any]:
    """One partition read: its latest ``last_order_date``, rows read and rows skipped."""
    data = customer_data(df, number, on_bad_rows)
    return {
        "max_last": data._frame.max_last_order_date(),
        "rows": len(data),
        "skipped": [(number, line, msg) for line, msg in data.report.skipped],
    }


def analysis_day(
    parts: Sequence[Any], on_bad_rows: str, analysis_date: DateLike | None
) -> tuple[list[dict[str, Any]], int]:
    """Every partition read once (a bad row raises here, naming its partition): what each read,
    and the analysis date — the given one, or the latest ``last_order_date`` + 2 days."""
    read = list(dask.compute(*[delayed(_dates)(p, i, on_bad_rows) for i, p in enumerate(parts)]))
    if analysis_date is not None:
        return read, _days(analysis_date)
    latest = [r["max_last"] for r in read if r["max_last"] is not None]
    if not latest:
        raise invalid("no last_order_date to derive the analysis date from; pass analysis_date")
    return read, max(latest) + 2


def _write_part(frame: pd.DataFrame | pd.Series, path: str, fmt: str, index: bool) -> str:
    """One partition's file, written atomically."""
    if fmt == "parquet":
        directory = os.path.dirname(path)
        tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp")
        out = frame.to_frame() if isinstance(frame, pd.Series) else frame
        out.to_parquet(tmp, index=index)
        os.replace(tmp, path)
    elif isinstance(frame, pd.Series):
        write_ids(frame, path)
    else:
        write_csv(frame, path, index=index)
    return path


def part_writes(parts: Sequence[Any], directory: str, fmt: str, index: bool) -> list[Delayed]:
    os.makedirs(directory, exist_ok=True)
    ext = "parquet" if fmt == "parquet" else "csv"
    return [
        delayed(_write_part)(p, os.path.join(directory, f"part-{i:05d}.{ext}"), fmt, index)
        for i, p in enumerate(parts)
    ]


def sources(ddf: dd.DataFrame) -> list[str]:
    """The files a ``dd.read_csv`` frame reads, where they can be told (never written over)."""
    try:
        expr = ddf.expr
        paths = getattr(expr, "operand", lambda _: None)("filename")  # not part of dask's API
    except Exception:
        paths = None
    return [p for p in (paths or []) if isinstance(p, str)]


def invalid(message: str) -> Exception:
    from ..exceptions import InvalidArgumentError

    return InvalidArgumentError(message)
