"""Order logs on a Dask DataFrame: shuffled by customer id, each customer summarised where its
lines meet, in input order."""

from __future__ import annotations

from typing import Any, Literal

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import delayed

from .. import _flo_rfm
from .._dates import EPOCH, seconds, timestamp
from .._frames import argument_errors, as_float
from ..orders import _frame
from ..orders import summarize_transactions as _summarize_one
from ._files import Files, is_files, log_file_parts
from ._parts import check_frame, invalid, pandas_text


def _numbered(df: pd.DataFrame, partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    number = partition_info["number"] if partition_info else 0
    return df.assign(_flo_part=np.int64(number), _flo_row=np.arange(len(df), dtype=np.int64))


def _latest(df: pd.DataFrame, customer: str, when: str, amount: str | None) -> int | None:
    from ..orders import _log

    return _log(df, customer, when, amount).max_time()  # type: ignore[no-any-return]


def _summarize_part(
    df: pd.DataFrame,
    customer: str,
    when: str,
    amount: str | None,
    end: pd.Timestamp,
    freq: str,
    multiplier: float,
    include_first: bool,
) -> pd.DataFrame:
    # The shuffle moved whole customers here; their lines go back to input order.
    df = df.sort_values(["_flo_part", "_flo_row"], kind="stable").drop(columns=["_flo_part", "_flo_row"])
    if not len(df):
        cols = ["frequency", "recency", "T"] + (["monetary_value"] if amount else [])
        return pd.DataFrame(
            {c: pd.Series([], dtype="float64") for c in cols}, index=pd.Index([], name=customer)
        )
    return _summarize_one(df, customer, when, amount, end, freq, multiplier, include_first)  # type: ignore[arg-type]


def _max_time(log: Any) -> int | None:
    return log.max_time()  # type: ignore[no-any-return]


def _split(log: Any, buckets: int) -> list[Any]:
    return log.split_by_customer(buckets)  # type: ignore[no-any-return]


def _summarize_bucket(
    pieces: list[Any], customer: str, end: int, freq: str, multiplier: float, include_first: bool
) -> pd.DataFrame:
    """One bucket's customers, whose lines came from every partition (in partition order, so
    each customer's lines are in input order), summarised by the core."""
    log = _flo_rfm.concat_logs(pieces)
    with argument_errors():
        summary = log.btyd(freq, multiplier, end, include_first)
    return _frame(summary, customer)


def _summarize_files(
    source: Files,
    customer: str,
    when: str,
    amount: str | None,
    observation_period_end: Any,
    freq: str,
    multiplier: float,
    include_first: bool,
    npartitions: int | None,
    blocksize: int | str | None,
) -> dd.DataFrame:
    """The log's files read by the core (a byte range per partition, parsed once and kept on
    the workers), each partition split by customer id into ``npartitions`` buckets by the core,
    and each bucket's pieces put together and summarised where they meet."""
    given = (
        None if observation_period_end is None else seconds(observation_period_end, "observation_period_end")
    )
    parts = dask.persist(*log_file_parts(source, blocksize, (customer, when, amount)))
    buckets = npartitions or len(parts)
    # Submitted before the latest purchase is asked for: a partition is split as soon as it is
    # read, while others are still being read, not after every read has reported.
    pieces = dask.persist(*[delayed(_split)(p, buckets) for p in parts])
    if given is None:
        latest = [t for t in dask.compute(*[delayed(_max_time)(p) for p in parts]) if t is not None]
        if not latest:
            raise invalid("the order log has no purchases")
        end = max(latest)
    else:
        end = given
    args = (customer, end, freq, multiplier, include_first)
    frames = [delayed(_summarize_bucket)([piece[j] for piece in pieces], *args) for j in range(buckets)]
    cols = ["frequency", "recency", "T"] + (["monetary_value"] if amount else [])
    meta = pd.DataFrame(
        {c: pd.Series([], dtype="float64") for c in cols}, index=pd.Index([], name=customer, dtype=object)
    )
    with pandas_text():
        out = dd.from_delayed(frames, meta=meta, verify_meta=False)
    # Submitted before returning: the persisted partitions are held by this call only, and the
    # scheduler keeps them as long as the summaries need them.
    return out.persist()


def summarize_transactions(
    ddf: dd.DataFrame | Files,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    observation_period_end: Any = None,
    freq: Literal["D", "W"] = "D",
    freq_multiplier: float = 1,
    include_first_transaction: bool = False,
    npartitions: int | None = None,
    blocksize: int | str | None = None,
) -> dd.DataFrame:
    """:func:`flo_rfm.summarize_transactions` of an order log held as a Dask DataFrame: the
    lines are shuffled by customer id (Dask's shuffle) so each customer's lines meet in one
    partition, in input order; each partition is summarised by the Rust core. Every customer's
    ``frequency``, ``recency``, ``T`` and ``monetary_value`` equal the one-machine result;
    each output partition is sorted by id (the whole is not: ``.compute().sort_index()`` gives
    the one-machine order).

    ``observation_period_end`` defaults to the latest purchase of the whole log (found first).

    Given the log's file(s) instead (a path, a glob or a list; customer, date-time and amount
    columns), the Rust core reads them in the workers, a ``blocksize`` byte range per partition,
    parsed once; each partition is split by customer id by the core, and the pieces of each
    of ``npartitions`` buckets are put together and summarised where they meet: no pandas
    parsing and no Python object per line. The result is then already persisted (computing).

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd, flo_rfm, flo_rfm.dask
    >>> log = pd.DataFrame({"id": ["a", "b", "a", "c", "a"], "date": ["2021-01-01", "2021-01-03",
    ...                     "2021-01-05", "2021-01-02", "2021-01-09"], "spend": [10.0, 7.0, 20.0, 3.0, 5.0]})
    >>> out = flo_rfm.dask.summarize_transactions(dd.from_pandas(log, npartitions=2), "id", "date", "spend")
    >>> out.compute().sort_index().equals(flo_rfm.summarize_transactions(log, "id", "date", "spend"))
    True
    """
    if not is_files(ddf):
        check_frame(ddf)
    if freq not in ("D", "W"):
        raise invalid(f'freq must be one of "D", "W", got {freq!r}')
    freq_multiplier = as_float(freq_multiplier, "freq_multiplier")
    if is_files(ddf):
        return _summarize_files(
            ddf,  # type: ignore[arg-type]
            customer_id_col,
            datetime_col,
            monetary_value_col,
            observation_period_end,
            freq,
            freq_multiplier,
            include_first_transaction,
            npartitions,
            blocksize,
        )
    if observation_period_end is None:
        # Read once: the latest purchase and the shuffle use the same partitions in memory.
        ddf = ddf.persist()
        latest = [
            t
            for t in dask.compute(
                *[
                    delayed(_latest)(p, customer_id_col, datetime_col, monetary_value_col)
                    for p in ddf.to_delayed()
                ]
            )
            if t is not None
        ]
        if not latest:
            raise invalid("the order log has no purchases")
        end = EPOCH + pd.Timedelta(seconds=max(latest))
    else:
        end = timestamp(observation_period_end, "observation_period_end")
    numbered = ddf.map_partitions(_numbered, meta=_numbered(ddf._meta))
    shuffled = numbered.shuffle(on=customer_id_col, npartitions=npartitions or ddf.npartitions)
    args = (customer_id_col, datetime_col, monetary_value_col, end, freq, freq_multiplier)
    meta = _summarize_part(_numbered(ddf._meta), *args, False)
    return shuffled.map_partitions(
        _summarize_part,
        *args,
        include_first_transaction,
        meta=meta,
    )
