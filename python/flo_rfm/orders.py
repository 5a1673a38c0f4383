"""The order log: one line per purchase (:class:`OrderLog`), summarised per customer.

The public functions keep lifetimes' vocabulary ("transactions") so code written for lifetimes
ports line for line:

* :func:`summarize_transactions` — lifetimes' ``summary_data_from_transaction_data``, the same
  numbers (``frequency`` = repeat periods, ``recency``, ``T``, ``monetary_value`` = mean of the
  repeat periods' spend).
* :func:`calibration_holdout` — lifetimes' ``calibration_and_holdout_data``.
* :func:`customers_from_transactions` — the FLO customer-summary shape, so :func:`flo_rfm.run`
  and :func:`flo_rfm.cltv` run on a log.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from . import _arrow, _flo_rfm
from ._dates import seconds
from ._frames import argument_errors, as_float, as_path, kind_of, to_pandas
from ._pandas import text_values
from .customer_data import CustomerData
from .exceptions import ArgumentTypeError

__all__ = [
    "OrderLog",
    "TransactionLog",
    "calibration_holdout",
    "customers_from_transactions",
    "summarize_transactions",
]

Freq = Literal["D", "W"]
#: Channel names counted as online / offline by default (the FLO vocabulary).
ONLINE = ("Android App", "Ios App", "Desktop", "Mobile")
OFFLINE = ("Offline",)


def _log(
    source: Any,
    customer: str,
    datetime: str,
    amount: str | None,
    channel: str | None = None,
    order: str | None = None,
    online: Sequence[str] = ONLINE,
    offline: Sequence[str] = OFFLINE,
    on_bad_rows: str = "raise",
    encoding: str | None = None,
    delimiter: str | None = None,
) -> _flo_rfm.OrderLog:
    if kind_of(source) is not None:
        df = to_pandas(source)
        missing = [
            c for c in (customer, datetime, amount, channel, order) if c is not None and c not in df.columns
        ]
        if missing:
            from .exceptions import MissingColumnsError

            err = MissingColumnsError(f"<DataFrame>: missing required column(s): {', '.join(missing)}")
            err.columns = missing
            raise err

        def col(name: str | None) -> list[str | None] | None:
            if name is None:
                return None
            c = df[name]
            if pd.api.types.is_datetime64_any_dtype(c):
                c = c.dt.strftime("%Y-%m-%d %H:%M:%S")
            elif pd.api.types.is_float_dtype(c):
                return [None if np.isnan(v) else repr(float(v)) for v in c.to_numpy()]
            return text_values(c)

        with argument_errors():
            return _flo_rfm.log_from_columns(
                "<DataFrame>",
                col(customer) or [],
                col(datetime) or [],
                col(amount),
                col(channel),
                col(order),
                _names(online, "online"),
                _names(offline, "offline"),
                on_bad_rows,
                [customer, datetime, amount or ""],
            )
    if not isinstance(source, (str, os.PathLike)):
        raise ArgumentTypeError(
            f"expected a path or a pandas, Polars or Arrow table, got {type(source).__name__}"
        )
    for name, value in (("customer_id_col", customer), ("datetime_col", datetime)):
        if not isinstance(value, str):
            raise ArgumentTypeError(f"{name} must be a column name (text), got {value!r}")
    with argument_errors():
        return _flo_rfm.read_log(
            as_path(source, "transactions"),
            customer,
            datetime,
            amount,
            channel,
            order,
            _names(online, "online"),
            _names(offline, "offline"),
            on_bad_rows,
            delimiter,
            encoding,
        )


def _names(values: Sequence[str], name: str) -> list[str]:
    """The channel names of one side, as a list (one name alone is a list of one)."""
    if isinstance(values, str):
        return [values]
    try:
        return list(values)
    except TypeError as e:
        raise ArgumentTypeError(f"{name} must be a list of channel names, got {type(values).__name__}") from e


def _id_dtype(source: Any, column: str) -> Any:
    """The dtype of the id column when it is numeric (ids then sort as numbers, as in lifetimes)."""
    if kind_of(source) is None:
        return None
    col = to_pandas(source)[column]
    return col.dtype if pd.api.types.is_numeric_dtype(col) else None


def _frame(summary: _flo_rfm.Summary, name: str, id_dtype: Any = None) -> pd.DataFrame:
    """A summary from the core (an Arrow table: ``id`` then lifetimes' columns) as lifetimes'
    DataFrame, indexed by customer id."""
    table = _arrow.table(summary)
    ids = table.column("id").to_numpy(zero_copy_only=False)
    columns = {n: _arrow.numbers(table.column(n)) for n in summary.names()}
    out = pd.DataFrame(columns, index=pd.Index(ids, name=name, dtype=object))
    if id_dtype is not None:
        # The core sorts ids as text; numeric ids sort as numbers in lifetimes.
        out.index = pd.Index(pd.to_numeric(out.index), name=name).astype(id_dtype)
        out = out.sort_index(kind="stable")
    return out


def summarize_transactions(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    observation_period_end: Any = None,
    freq: Freq = "D",
    freq_multiplier: float = 1,
    include_first_transaction: bool = False,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> pd.DataFrame:
    """Per-customer ``frequency``, ``recency``, ``T`` (and ``monetary_value``) exactly as
    lifetimes' ``summary_data_from_transaction_data`` computes them, from a CSV path or a
    pandas/Polars/Arrow table. Customers come sorted by id, as in lifetimes.

    ``freq`` is ``"D"`` (days) or ``"W"`` (weeks starting on Monday, pandas' ``"W"``);
    ``freq_multiplier`` divides every duration (e.g. 7 with ``"D"`` for weeks of days).
    A file is read as :func:`flo_rfm.read_csv` reads one (compressed, ``encoding=``,
    ``delimiter=`` detected unless given).

    Examples
    --------
    >>> import pandas as pd, flo_rfm
    >>> log = pd.DataFrame({"id": ["a", "a", "a", "b"], "date": ["2021-01-01", "2021-01-01",
    ...                     "2021-01-05", "2021-01-03"], "spend": [10.0, 5.0, 20.0, 7.0]})
    >>> flo_rfm.summarize_transactions(log, "id", "date", "spend", observation_period_end="2021-01-10")
        frequency  recency     T  monetary_value
    id
    a         1.0      4.0   9.0            20.0
    b         0.0      0.0   7.0             0.0
    """
    end = (
        None if observation_period_end is None else seconds(observation_period_end, "observation_period_end")
    )
    multiplier = as_float(freq_multiplier, "freq_multiplier")
    log = _log(
        transactions,
        customer_id_col,
        datetime_col,
        monetary_value_col,
        encoding=encoding,
        delimiter=delimiter,
    )
    with argument_errors():
        summary = log.btyd(freq, multiplier, end, include_first_transaction)
    return _frame(summary, customer_id_col, _id_dtype(transactions, customer_id_col))


def calibration_holdout(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    calibration_period_end: Any,
    observation_period_end: Any = None,
    freq: Freq = "D",
    freq_multiplier: float = 1,
    monetary_value_col: str | None = None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> pd.DataFrame:
    """lifetimes' ``calibration_and_holdout_data``: the calibration summary (``*_cal``) and, for
    each calibration customer, the holdout ``frequency_holdout`` (periods with a purchase),
    ``monetary_value_holdout`` (mean purchase) and ``duration_holdout``. A file is read as
    :func:`summarize_transactions` reads one.

    Examples
    --------
    >>> import pandas as pd, flo_rfm
    >>> log = pd.DataFrame({"id": ["a", "a", "a", "b"], "date": ["2021-01-01", "2021-01-03",
    ...                     "2021-01-08", "2021-01-02"]})
    >>> flo_rfm.calibration_holdout(log, "id", "date", "2021-01-04", "2021-01-10")
        frequency_cal  recency_cal  T_cal  frequency_holdout  duration_holdout
    id
    a             1.0          2.0    3.0                1.0               6.0
    b             0.0          0.0    2.0                0.0               6.0
    """
    cal = seconds(calibration_period_end, "calibration_period_end")
    obs = (
        None if observation_period_end is None else seconds(observation_period_end, "observation_period_end")
    )
    multiplier = as_float(freq_multiplier, "freq_multiplier")
    log = _log(
        transactions,
        customer_id_col,
        datetime_col,
        monetary_value_col,
        encoding=encoding,
        delimiter=delimiter,
    )
    with argument_errors():
        summary = log.calibration_holdout(cal, obs, freq, multiplier)
    return _frame(summary, customer_id_col, _id_dtype(transactions, customer_id_col))


@dataclass(frozen=True)
class OrderLog:
    """An order log and its column names, accepted wherever a customer file is
    (:func:`flo_rfm.run`, :func:`flo_rfm.cltv`, :func:`flo_rfm.rfm`): it is summarised with
    :func:`customers_from_transactions` first.

    Examples
    --------
    >>> import flo_rfm
    >>> log = flo_rfm.datasets.sample_transactions(300, seed=2)
    >>> src = flo_rfm.OrderLog(log, customer="master_id", datetime="date", amount="amount",
    ...                              channel="channel")
    >>> len(flo_rfm.rfm(src).to_pandas())
    300
    """

    source: Any
    customer: str
    datetime: str
    amount: str
    channel: str
    order: str | None = None
    online: Sequence[str] = ONLINE
    offline: Sequence[str] = OFFLINE

    def customers(self, on_bad_rows: Literal["raise", "skip"] = "raise") -> CustomerData:
        """The FLO customer summary of the log.

        Examples
        --------
        >>> import flo_rfm
        >>> log = flo_rfm.datasets.sample_transactions(100, seed=3)
        >>> src = flo_rfm.OrderLog(log, "master_id", "date", "amount", "channel")
        >>> len(src.customers())
        100
        """
        return customers_from_transactions(
            self.source,
            self.customer,
            self.datetime,
            self.amount,
            self.channel,
            self.order,
            self.online,
            self.offline,
            on_bad_rows,
        )


#: :class:`OrderLog` under its former name, kept so code written for earlier releases runs.
TransactionLog = OrderLog


def customers_from_transactions(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str,
    channel_col: str,
    order_id_col: str | None = None,
    online: Sequence[str] = ONLINE,
    offline: Sequence[str] = OFFLINE,
    on_bad_rows: Literal["raise", "skip"] = "raise",
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> CustomerData:
    """The FLO customer summary of an order log, ready for :func:`flo_rfm.run` and
    :func:`flo_rfm.cltv`: first/last order dates overall and per side, order counts (an order id
    counts once however many lines it has) and spend per side. ``order_channel`` is the
    customer's most used channel, ``last_order_channel`` the channel of the last order; channels
    named in neither ``online`` nor ``offline`` count in the dates but on neither side.

    Examples
    --------
    >>> import pandas as pd, flo_rfm
    >>> log = pd.DataFrame({"id": ["a", "a", "b"], "date": ["2021-01-01", "2021-02-01", "2021-01-03"],
    ...                     "spend": [10.0, 20.0, 7.5], "channel": ["Mobile", "Offline", "Mobile"]})
    >>> data = flo_rfm.customers_from_transactions(log, "id", "date", "spend", "channel")
    >>> data.to_pandas()[["master_id", "order_num_total", "customer_value_total"]].values.tolist()
    [['a', 2.0, 30.0], ['b', 1.0, 7.5]]
    """
    log = _log(
        transactions,
        customer_id_col,
        datetime_col,
        monetary_value_col,
        channel_col,
        order_id_col,
        online,
        offline,
        on_bad_rows,
        encoding,
        delimiter,
    )
    return CustomerData(log.customers())
