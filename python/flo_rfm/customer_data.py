"""The customer file once read: :class:`CustomerData` (its prepared pandas view, summaries and
the RFM study on it) and :class:`ReadReport` (what the reader skipped or merged)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import _arrow, _flo_rfm
from ._frames import Kind
from ._pandas import (
    NULL_DATE,
    STR_DTYPE,
    days_to_dates,
    text_series,
)
from .exceptions import InvalidArgumentError

if TYPE_CHECKING:
    from .segments import RfmResult

__all__ = [
    "COUNT_COLUMNS",
    "DATE_COLUMNS",
    "MONEY_COLUMNS",
    "REQUIRED_COLUMNS",
    "CustomerData",
    "ReadReport",
]

#: The FLO file's required columns, in file order (defined once, in the Rust core).
REQUIRED_COLUMNS: list[str] = list(_flo_rfm.REQUIRED_COLUMNS)
DATE_COLUMNS = REQUIRED_COLUMNS[3:7]
COUNT_COLUMNS = REQUIRED_COLUMNS[7:9]
MONEY_COLUMNS = REQUIRED_COLUMNS[9:11]
TOTAL_COLUMNS = ["order_num_total", "customer_value_total"]


@dataclass(frozen=True)
class ReadReport:
    """How the rows read became the rows kept: ``rows_read == rows + len(skipped) + merged``.

    ``skipped`` holds ``(line, message)`` for each row left out under ``on_bad_rows="skip"``.
    ``missing`` maps each date, count or money column the studies read to the lines (a
    ``uint64`` array) whose value is missing (``nan``, ``NA``, an empty cell); those customers
    are kept, as pandas keeps them, without a full RFM score (no segment when the recency or
    frequency is missing). ``missing_customers`` counts them.
    """

    rows_read: int
    rows: int
    skipped: list[tuple[int, str]] = field(default_factory=list)
    merged: int = 0
    missing: dict[str, np.ndarray] = field(default_factory=dict)
    missing_customers: int = 0

    def __str__(self) -> str:
        text = f"{self.rows_read} rows read, {self.rows} kept"
        if self.skipped:
            text += f", {len(self.skipped)} skipped (lines {_lines([s[0] for s in self.skipped])})"
        if self.merged:
            text += f", {self.merged} duplicate ids merged"
        if self.missing_customers:
            where = "; ".join(
                f"{c}: line{'s' if len(v) > 1 else ''} {_lines(v)}" for c, v in self.missing.items()
            )
            text += f"; {self.missing_customers} customers with missing values ({where})"
        return text


def _lines(lines: Sequence[int] | np.ndarray, most: int = 10) -> str:
    shown = ", ".join(str(int(v)) for v in lines[:most])
    return shown + (", ..." if len(lines) > most else "")


def _check_on_missing(frame: _flo_rfm.Frame, on_missing: str) -> None:
    if on_missing == "raise":
        frame.check_no_missing()
    elif on_missing != "keep":
        raise InvalidArgumentError(f'on_missing must be "keep" or "raise", got {on_missing!r}')


class CustomerData:
    """The FLO customer table, typed by the Rust core, with the preparation steps as methods.

    Build it with :func:`read_csv`, :func:`from_pandas` or :func:`flo_rfm.datasets.sample`.
    Counts and money are float64 and dates are datetime64, as pandas' ``pd.read_csv`` followed
    by ``pd.to_datetime`` gives them.
    """

    def __init__(
        self, frame: _flo_rfm.Frame, passthrough: pd.DataFrame | None = None, kind: Kind = "pandas"
    ) -> None:
        self._frame = frame
        self._passthrough = passthrough
        #: The kind of table results come back as: the kind the data was given in.
        self.kind: Kind = kind
        self._cache: dict[tuple[bool, bool], pd.DataFrame] = {}

    def __len__(self) -> int:
        return len(self._frame)

    def __repr__(self) -> str:
        return f"<CustomerData {self.source!r}: {len(self)} customers>"

    def _repr_html_(self) -> str:
        from ._html import card

        return card(f"CustomerData {self.source}", [("customers", f"{len(self):,}"), ("read", self.report)])

    @property
    def source(self) -> str:
        """The file the data came from, or ``<DataFrame>``."""
        return self._frame.source

    @property
    def report(self) -> ReadReport:
        """Rows read, kept, skipped (with line and reason) and merged; missing values."""
        rows_read, skipped, merged = self._frame.report()
        columns, customers = self._frame.missing()
        missing = {c: lines for c, lines in columns if len(lines)}
        return ReadReport(rows_read, len(self), list(skipped), merged, missing, customers)

    @property
    def index(self) -> pd.Index:
        positions = self._frame.positions().astype("int64")
        if len(positions) == 0 or (positions[-1] == len(positions) - 1):
            return pd.RangeIndex(len(positions))
        return pd.Index(positions)

    def to_pandas(self, *, dates: bool = True, totals: bool = True) -> pd.DataFrame:
        """The table as a DataFrame.

        Parameters
        ----------
        dates : bool
            Date columns as ``datetime64`` (True, the prepared form) or as ISO text (False, what
            ``pd.read_csv`` gives before ``pd.to_datetime``).
        totals : bool
            Append ``order_num_total`` and ``customer_value_total`` (the omnichannel totals).

        Examples
        --------
        >>> from flo_rfm.datasets import sample
        >>> df = sample(100).to_pandas()
        >>> df[["order_num_total", "customer_value_total"]].dtypes.tolist()
        [dtype('float64'), dtype('float64')]
        """
        key = (dates, totals)
        if key not in self._cache:
            self._cache[key] = self._build(dates, totals)
        return self._cache[key].copy()

    def _build(self, dates: bool, totals: bool) -> pd.DataFrame:
        f = self._frame
        index = self.index
        # Text crosses as Arrow (no Python object per row); numbers and dates as numpy.
        arrow = _arrow.table(f)

        def text(name: str) -> pd.Series:
            return pd.Series(_arrow.texts(arrow.column(name)).array, index=index, name=name)

        cols: dict[str, pd.Series] = {}
        for name in ("master_id", "order_channel", "last_order_channel"):
            cols[name] = text(name)
        for name, days in zip(DATE_COLUMNS, f.dates()):
            s = days_to_dates(days, index, name)
            if not dates:
                s = text_series(
                    np.where(days == NULL_DATE, None, s.dt.strftime("%Y-%m-%d").to_numpy(object)),
                    index,
                    name,
                )
            cols[name] = s
        for name in COUNT_COLUMNS + MONEY_COLUMNS:
            cols[name] = pd.Series(_arrow.numbers(arrow.column(name)), index=index, name=name)
        cols["interested_in_categories_12"] = text("interested_in_categories_12")
        df = pd.DataFrame(cols)
        if self._passthrough is not None:
            extra = self._passthrough.iloc[f.positions().astype("int64")]
            df = pd.concat([df, extra.set_axis(index)], axis=1)
        else:
            for name in f.extra_names():
                df[name] = text(name)
        if totals:
            df["order_num_total"] = df["order_num_total_ever_online"] + df["order_num_total_ever_offline"]
            df["customer_value_total"] = (
                df["customer_value_total_ever_online"] + df["customer_value_total_ever_offline"]
            )
        return df

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        """The prepared table (with the totals) through the Arrow PyCapsule interface.

        Examples
        --------
        >>> import flo_rfm, pyarrow as pa
        >>> pa.table(flo_rfm.datasets.sample(100)).column_names[-1]
        'customer_value_total'
        """
        return self._frame.__arrow_c_stream__(requested_schema)

    # --- Preparation, step by step -------------------------------------------------------------

    def head(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` rows, as ``df.head(n)``.

        Examples
        --------
        >>> from flo_rfm.datasets import sample
        >>> sample(100).head(3).shape
        (3, 12)
        """
        return self.to_pandas(dates=False, totals=False).head(n)

    @property
    def columns(self) -> pd.Index:
        """The column names of the file (required ones first, then any extra columns).

        Examples
        --------
        >>> from flo_rfm.datasets import sample
        >>> list(sample(10).columns)[:3]
        ['master_id', 'order_channel', 'last_order_channel']
        """
        return self.to_pandas(dates=False, totals=False).columns

    def dtypes(self, *, prepared: bool = False) -> pd.Series:
        """Column types as read (``prepared=False``) or after preparation.

        Examples
        --------
        >>> from flo_rfm.datasets import sample
        >>> str(sample(10).dtypes(prepared=True)["first_order_date"]).startswith("datetime64")
        True
        """
        return self.to_pandas(dates=prepared, totals=prepared).dtypes

    def null_counts(self) -> pd.Series:
        """Missing values per column, as ``df.isnull().sum()``.

        Examples
        --------
        >>> from flo_rfm.datasets import sample
        >>> int(sample(100).null_counts().sum())
        0
        """
        return self.to_pandas(dates=False, totals=False).isnull().sum()

    def describe(self, *, totals: bool = False) -> pd.DataFrame:
        """pandas' ``describe()`` of the numeric columns, computed in Rust with pandas' arithmetic.

        Rows are count, mean, std (ddof=1), min, 25%, 50%, 75% (linear) and max.

        Examples
        --------
        >>> from flo_rfm.datasets import sample
        >>> sample(1000).describe().loc["count"].tolist()
        [1000.0, 1000.0, 1000.0, 1000.0]
        """
        names = COUNT_COLUMNS + MONEY_COLUMNS
        arrays = list(self._frame.counts()) + list(self._frame.money())
        if totals:
            names = names + TOTAL_COLUMNS
            arrays += [arrays[0] + arrays[1], arrays[3] + arrays[2]]
        stats = {n: _flo_rfm.describe_array(np.ascontiguousarray(a)) for n, a in zip(names, arrays)}
        index = ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]
        return pd.DataFrame(stats, index=index)

    def channel_breakdown(self) -> pd.DataFrame:
        """Per ``order_channel``: customers, sum and mean of ``order_num_total`` and of
        ``customer_value_total`` (pandas' groupby arithmetic, channels sorted by name).

        Examples
        --------
        >>> from flo_rfm.datasets import sample
        >>> b = sample(1000).channel_breakdown()
        >>> int(b["customers"].sum()), list(b.columns)[:2]
        (1000, ['customers', 'order_num_total_sum'])
        """
        s = self._frame.channel_breakdown()
        out = pd.DataFrame(
            {
                "customers": np.asarray(s.customers, dtype="int64"),
                "order_num_total_sum": np.asarray(s.orders_sum),
                "order_num_total_mean": np.asarray(s.orders_mean),
                "customer_value_total_sum": np.asarray(s.spend_sum),
                "customer_value_total_mean": np.asarray(s.spend_mean),
            },
            index=pd.Index(s.names, dtype=object, name="order_channel").astype(STR_DTYPE),
        )
        return out

    def top(self, n: int = 10, by: str = "customer_value_total") -> pd.DataFrame:
        """The ``n`` customers with the largest ``by`` (descending; ties keep file order).

        Examples
        --------
        >>> from flo_rfm.datasets import sample
        >>> top = sample(1000).top(10, by="order_num_total")
        >>> top["order_num_total"].is_monotonic_decreasing
        True
        """
        if by not in TOTAL_COLUMNS + COUNT_COLUMNS + MONEY_COLUMNS:
            raise InvalidArgumentError(
                f"cannot rank by {by!r}: use one of {TOTAL_COLUMNS + COUNT_COLUMNS + MONEY_COLUMNS}"
            )
        df = self.to_pandas()
        rows = _flo_rfm.top_n_rows(df[by].to_numpy(dtype="float64"), n)
        return df.iloc[rows.astype("int64")]

    def rfm(self, **kwargs: object) -> RfmResult:
        """RFM scores and segments of this data; the keywords of :func:`flo_rfm.rfm`.

        Examples
        --------
        >>> from flo_rfm.datasets import sample
        >>> sample(500).rfm().table.shape
        (500, 9)
        """
        from .segments import OPTIONS, segment

        # As flo_rfm.rfm(self, **kwargs): keywords that are not RFM options are read options,
        # of which only on_missing applies to data already read.
        on_missing = str(kwargs.get("on_missing", "keep"))

        def data() -> CustomerData:
            _check_on_missing(self._frame, on_missing)
            return self

        return segment(data, **{k: v for k, v in kwargs.items() if k in OPTIONS})  # type: ignore[arg-type]
