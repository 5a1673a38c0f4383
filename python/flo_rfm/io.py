"""Reading customer data: a customer file (CSV or Parquet), a pandas, Polars or Arrow table, or
an order log, as :class:`~flo_rfm.customer_data.CustomerData`. :func:`load` is the one dispatcher
every entry point (``rfm``, ``run``, ``cltv``, ``prepare``) reads its source through."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, Union

import numpy as np
import pandas as pd

from . import _flo_rfm
from ._frames import argument_errors, as_path, kind_of, to_kind, to_pandas
from ._pandas import dates_to_days, is_numeric, text_values
from .customer_data import (
    COUNT_COLUMNS,
    DATE_COLUMNS,
    MONEY_COLUMNS,
    REQUIRED_COLUMNS,
    TOTAL_COLUMNS,
    CustomerData,
    _check_on_missing,
)
from .exceptions import ArgumentTypeError, MissingColumnsError
from .orders import OrderLog

__all__ = ["Source", "from_pandas", "load", "prepare", "read_csv", "read_parquet"]

BadRows = Literal["raise", "skip"]
OnMissing = Literal["keep", "raise"]
Duplicates = Literal["raise", "merge"]
#: A path, a pandas/Polars/Arrow table, an order log, or data already read.
Source = Union[str, "os.PathLike[str]", pd.DataFrame, CustomerData, OrderLog, Any]


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
    """Take a DataFrame read by pandas (``pd.read_csv(path)``), raw or already prepared.

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
    if isinstance(source, OrderLog):
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
    """The prepared table in one call: read, add the omnichannel totals, convert the dates.

    The result equals pandas' ``pd.read_csv`` with the dates converted and the two totals
    added. A Polars or Arrow table in gives the same kind of table out.

    Examples
    --------
    >>> import flo_rfm
    >>> df = flo_rfm.prepare(flo_rfm.datasets.sample_frame(10))
    >>> str(df["last_order_date"].dtype).startswith("datetime64")
    True
    """
    data = load(source, **read_options)
    return to_kind(data.to_pandas(), data.kind)
