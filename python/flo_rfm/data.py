"""Reading the customer file (or a DataFrame) and Task 1: understanding and preparing the data."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union

import numpy as np
import pandas as pd

from . import _arrow, _flo_rfm
from ._frames import Kind, argument_errors, as_path, kind_of, to_kind, to_pandas
from ._pandas import (
    NULL_DATE,
    STR_DTYPE,
    dates_to_days,
    days_to_dates,
    is_numeric,
    text_series,
    text_values,
)
from .exceptions import ArgumentTypeError, InvalidArgumentError, MissingColumnsError

if TYPE_CHECKING:
    from .segmentation import RfmResult

__all__ = [
    "COUNT_COLUMNS",
    "DATE_COLUMNS",
    "MONEY_COLUMNS",
    "REQUIRED_COLUMNS",
    "CustomerData",
    "ReadReport",
    "from_pandas",
    "prepare",
    "read_csv",
]

#: The FLO file's required columns, in file order (defined once, in the Rust core).
REQUIRED_COLUMNS: list[str] = list(_flo_rfm.REQUIRED_COLUMNS)
DATE_COLUMNS = REQUIRED_COLUMNS[3:7]
COUNT_COLUMNS = REQUIRED_COLUMNS[7:9]
MONEY_COLUMNS = REQUIRED_COLUMNS[9:11]
TOTAL_COLUMNS = ["order_num_total", "customer_value_total"]

BadRows = Literal["raise", "skip"]
OnMissing = Literal["keep", "raise"]
Duplicates = Literal["raise", "merge"]
#: A path, a pandas/Polars/Arrow table, or data already read.
Source = Union[str, "os.PathLike[str]", pd.DataFrame, "CustomerData", Any]


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
    """The FLO customer table, typed by the Rust core, with Task 1's steps as methods.

    Build it with :func:`read_csv`, :func:`from_pandas` or :func:`flo_rfm.datasets.sample`.
    Counts and money are float64 and dates are datetime64, as the seeds' ``pd.read_csv`` followed
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
            Append ``order_num_total`` and ``customer_value_total`` (Task 1's omnichannel totals).

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
        """The prepared table (Task 1, with the totals) through the Arrow PyCapsule interface.

        Examples
        --------
        >>> import flo_rfm, pyarrow as pa
        >>> pa.table(flo_rfm.datasets.sample(100)).column_names[-1]
        'customer_value_total'
        """
        return self._frame.__arrow_c_stream__(requested_schema)

    # --- Task 1, step by step -------------------------------------------------------------

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
        names, customers, o_sum, o_mean, v_sum, v_mean = self._frame.channel_breakdown()
        out = pd.DataFrame(
            {
                "customers": np.asarray(customers, dtype="int64"),
                "order_num_total_sum": o_sum,
                "order_num_total_mean": o_mean,
                "customer_value_total_sum": v_sum,
                "customer_value_total_mean": v_mean,
            },
            index=pd.Index(names, dtype=object, name="order_channel").astype(STR_DTYPE),
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
        """Tasks 2–4 on this data; see :func:`flo_rfm.rfm`.

        Examples
        --------
        >>> from flo_rfm.datasets import sample
        >>> sample(500).rfm().table.shape
        (500, 9)
        """
        from .segmentation import rfm

        return rfm(self, **kwargs)  # type: ignore[arg-type]


def read_csv(
    path: str | os.PathLike[str],
    *,
    on_bad_rows: BadRows = "raise",
    duplicates: Duplicates = "raise",
    delimiter: str | None = None,
    progress: bool = False,
    encoding: str | None = None,
    on_missing: OnMissing = "keep",
) -> CustomerData:
    """Read a FLO customer file.

    Accepts ``,``, ``;``, tab or ``|`` (detected from the header), a UTF-8 BOM, ``\\n`` or
    ``\\r\\n``, dates as ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS`` or ``DD.MM.YYYY``, counts as ``4``
    or ``4.0``, and extra columns (kept as text; a repeated name numbered ``x.1`` as pandas does).
    Files compressed with gzip, bzip2, xz or zstd are read as they are (recognised by their
    first bytes, whatever their name); UTF-16 is recognised by its byte-order mark. A Parquet
    file is read too (see :func:`read_parquet`), so every call that takes a path takes one.

    Parameters
    ----------
    path : path-like
        The CSV file.
    on_bad_rows : {"raise", "skip"}
        ``"raise"`` stops at the first bad row with an :class:`~flo_rfm.exceptions.InputError`
        naming file, line, column and text; ``"skip"`` leaves such rows out and lists them in
        :attr:`CustomerData.report`.
    duplicates : {"raise", "merge"}
        A repeated ``master_id`` is a bad row (``"raise"``), or is merged into the first row
        (``"merge"``: latest dates, summed counts and money).
    delimiter : str, optional
        Force a delimiter instead of detecting it.
    progress : bool
        Show a progress bar while reading (useful for files of gigabytes): ``tqdm.auto``'s when
        tqdm is installed (a widget in Jupyter), else a text bar on stderr when it is a terminal,
        else nothing. Quiet when False.
    encoding : str, optional
        The file's text encoding when it is not UTF-8: ``"windows-1254"`` (or ``"cp1254"``, a
        Turkish Excel export), ``"iso-8859-9"``, ``"latin-1"``, ``"utf-16"``...
    on_missing : {"keep", "raise"}
        A missing date, count or money value (``nan``, ``NA``, an empty cell): keep the customer
        and report it in :attr:`CustomerData.report` (``"keep"``, pandas' behaviour), or raise
        :class:`~flo_rfm.exceptions.MissingValuesError` naming the first one (``"raise"``).

    Raises
    ------
    flo_rfm.exceptions.FileMissingError
        No such file (a ``FileNotFoundError``).
    flo_rfm.exceptions.IsAFolderError
        The path is a folder (an ``IsADirectoryError``).
    flo_rfm.exceptions.MissingColumnsError
        Required columns are missing (all are named).
    flo_rfm.exceptions.InputError
        A bad field or row, with ``line``, ``column`` and ``text``.
    flo_rfm.exceptions.MissingValuesError
        ``on_missing="raise"`` and a value is missing.

    Examples
    --------
    >>> import flo_rfm, tempfile, os
    >>> path = flo_rfm.datasets.write_sample(os.path.join(tempfile.mkdtemp(), "s.csv"), 200)
    >>> data = flo_rfm.read_csv(path)
    >>> len(data), data.report.skipped
    (200, [])
    """
    from .progress import run_watched, with_progress

    path = as_path(path)

    def read(counter: _flo_rfm.Progress) -> _flo_rfm.Frame:
        return _flo_rfm.read_csv(path, on_bad_rows, duplicates, delimiter, counter, encoding)

    # In a worker thread either way, so that Ctrl-C stops the read promptly.
    frame = with_progress(path, read) if progress else run_watched(read)
    _check_on_missing(frame, on_missing)
    return CustomerData(frame)


def read_parquet(
    path: str | os.PathLike[str],
    *,
    on_bad_rows: BadRows = "raise",
    duplicates: Duplicates = "raise",
    progress: bool = False,
    on_missing: OnMissing = "keep",
) -> CustomerData:
    """Read a FLO customer file stored as Parquet (pandas' ``to_parquet``, Polars'
    ``write_parquet``, Spark...), in the Rust core: the same values, row rules and errors as the
    same table written as CSV and read with :func:`read_csv` (which also reads Parquet files,
    told apart by their first bytes).

    Dates may be stored as dates, timestamps (a zoned one gives its local date) or text; counts
    and money as integers, floats or text; missing values as nulls. A row's ``line`` in errors
    and reports is its position + 2, the line it would have in the CSV. The options are
    :func:`read_csv`'s.

    Examples
    --------
    >>> import flo_rfm, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "s.parquet")
    >>> flo_rfm.datasets.sample_frame(300, seed=1).to_parquet(path)
    >>> len(flo_rfm.read_parquet(path))
    300
    """
    return read_csv(
        path, on_bad_rows=on_bad_rows, duplicates=duplicates, progress=progress, on_missing=on_missing
    )


def from_pandas(
    df: pd.DataFrame,
    *,
    on_bad_rows: BadRows = "raise",
    duplicates: Duplicates = "raise",
    source: str = "<DataFrame>",
    on_missing: OnMissing = "keep",
) -> CustomerData:
    """Take a DataFrame read the seeds' way (``pd.read_csv(path)``), raw or already prepared.

    Text, datetime or numeric columns are all accepted and checked by the same rules as
    :func:`read_csv`. Errors give ``line`` as in the CSV the frame came from (row position + 2).
    Extra columns are carried through unchanged. ``on_bad_rows``, ``duplicates`` and
    ``on_missing`` as in :func:`read_csv`.

    Examples
    --------
    >>> import flo_rfm
    >>> raw = flo_rfm.datasets.sample_frame(50)
    >>> flo_rfm.from_pandas(raw).to_pandas().equals(flo_rfm.datasets.sample(50).to_pandas())
    True
    """
    if not isinstance(df, pd.DataFrame):
        raise ArgumentTypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        err = MissingColumnsError(f"{source}: missing required column(s): {', '.join(missing)}")
        err.columns = missing
        err.source = source
        raise err

    def dates(col: pd.Series) -> object:
        if pd.api.types.is_datetime64_any_dtype(col):
            return dates_to_days(col)
        return text_values(col)

    def numbers(col: pd.Series) -> object:
        if is_numeric(col):
            return col.to_numpy(dtype="float64", na_value=np.nan)
        return text_values(col)

    frame = _flo_rfm.from_columns(
        source,
        text_values(df["master_id"]),
        text_values(df["order_channel"]),
        text_values(df["last_order_channel"]),
        [dates(df[c]) for c in DATE_COLUMNS],
        [numbers(df[c]) for c in COUNT_COLUMNS],
        [numbers(df[c]) for c in MONEY_COLUMNS],
        text_values(df["interested_in_categories_12"]),
        on_bad_rows,
        duplicates,
    )
    _check_on_missing(frame, on_missing)
    extra = [c for c in df.columns if c not in REQUIRED_COLUMNS + TOTAL_COLUMNS]
    passthrough = df[extra].reset_index(drop=True) if extra else None
    return CustomerData(frame, passthrough)


def load(source: Source, **kwargs: object) -> CustomerData:
    """A path, a pandas/Polars/Arrow table or a :class:`CustomerData` as :class:`CustomerData`."""
    if isinstance(source, CustomerData):
        _check_on_missing(source._frame, str(kwargs.get("on_missing", "keep")))
        return source
    from .transactions import TransactionLog

    if isinstance(source, TransactionLog):
        # A log's customers are unique by construction; only the bad-line policy applies.
        data = source.customers(kwargs.get("on_bad_rows", "raise"))  # type: ignore[arg-type]
        _check_on_missing(data._frame, str(kwargs.get("on_missing", "keep")))
        return data
    kind = kind_of(source)
    if kind is not None:
        with argument_errors():
            data = from_pandas(to_pandas(source), **kwargs)  # type: ignore[arg-type]
        data.kind = kind
        return data
    if isinstance(source, (str, os.PathLike, Path)):
        with argument_errors():
            return read_csv(source, **kwargs)  # type: ignore[arg-type]
    raise ArgumentTypeError(
        f"expected a path, a pandas, Polars or Arrow table or CustomerData, got {type(source).__name__}"
    )


def prepare(source: Source, **read_options: object) -> pd.DataFrame:
    """Task 1 in one call: read, add the omnichannel totals, convert the dates.

    The result equals the seeds' ``data_prep(pd.read_csv(path))``. A Polars or Arrow table in
    gives the same kind of table out.

    Examples
    --------
    >>> import flo_rfm
    >>> df = flo_rfm.prepare(flo_rfm.datasets.sample_frame(10))
    >>> str(df["last_order_date"].dtype).startswith("datetime64")
    True
    """
    data = load(source, **read_options)
    return to_kind(data.to_pandas(), data.kind)
