"""Order logs on a Dask DataFrame: shuffled by customer id, each customer summarised where its
lines meet, in input order."""

from __future__ import annotations

from typing import Any, Literal

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import delayed

from .._dates import EPOCH, timestamp
from .._frames import as_float
from ..orders import summarize_transactions as _summarize_one
from ._parts import check_frame, invalid


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


def summarize_transactions(
    ddf: dd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    observation_period_end: Any = None,
    freq: Literal["D", "W"] = "D",
    freq_multiplier: float = 1,
    include_first_transaction: bool = False,
    npartitions: int | None = None,
) -> dd.DataFrame:
    """:func:`flo_rfm.summarize_transactions` of an order log held as a Dask DataFrame: the
    lines are shuffled by customer id (Dask's shuffle) so each customer's lines meet in one
    partition, in input order; each partition is summarised by the Rust core. Every customer's
    ``frequency``, ``recency``, ``T`` and ``monetary_value`` equal the one-machine result;
    each output partition is sorted by id (the whole is not: ``.compute().sort_index()`` gives
    the one-machine order).

    ``observation_period_end`` defaults to the latest purchase of the whole log (found first).

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd, flo_rfm, flo_rfm.dask
    >>> log = pd.DataFrame({"id": ["a", "b", "a", "c", "a"], "date": ["2021-01-01", "2021-01-03",
    ...                     "2021-01-05", "2021-01-02", "2021-01-09"], "spend": [10.0, 7.0, 20.0, 3.0, 5.0]})
    >>> out = flo_rfm.dask.summarize_transactions(dd.from_pandas(log, npartitions=2), "id", "date", "spend")
    >>> out.compute().sort_index().equals(flo_rfm.summarize_transactions(log, "id", "date", "spend"))
    True
    """
    check_frame(ddf)
    if freq not in ("D", "W"):
        raise invalid(f'freq must be one of "D", "W", got {freq!r}')
    freq_multiplier = as_float(freq_multiplier, "freq_multiplier")
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
