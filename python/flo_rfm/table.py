"""One table per customer: RFM metrics, scores and segment joined with the CLTV study's
P(alive), expected purchases, expected average value, CLV and CLV segment, keyed by
``master_id`` (:func:`customers`, :class:`CustomerTable`). Customers the CLTV study leaves out
stay in the table with empty CLV cells and the reason in ``clv_reason``."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _arrow, _flo_rfm
from ._dates import DateLike
from ._frames import argument_errors, as_path, to_kind
from ._pandas import STR_DTYPE
from ._rfm_options import _cut_options
from .clv.study import CltvResult, _check_study, cltv
from .customer_data import CustomerData
from .exceptions import ArgumentTypeError, InvalidArgumentError
from .io import Source, load
from .rules import CLV_METRICS, Bound, Rule, rule_of
from .segments import Match, RfmResult, segment
from .write import file_errors

__all__ = ["CLV_COLUMNS", "CustomerTable", "customers"]

#: The customer table's CLV columns, after the rfm table's columns, in order.
CLV_COLUMNS = (*CLV_METRICS, "cltv_segment", "clv_reason")


class CustomerTable:
    """Every customer once, keyed by ``master_id``: the rfm table's columns (``recency`` ...
    ``segment``, as :attr:`RfmResult.table`) then ``p_alive`` (P(alive) at the analysis date
    under the fitted BG/NBD), ``exp_sales_3_month``, ``exp_sales_6_month``,
    ``exp_average_value``, ``cltv`` (as :attr:`CltvResult.table`), ``cltv_segment`` and
    ``clv_reason``: null for a customer in the CLTV study, else why the study left the customer
    out (``"one order"``, ``"no orders"``, ``"missing order count"`` or ``"one order or fewer
    after outlier capping"``; the study keeps customers with more than one order after its
    outlier caps), whose CLV cells are then empty. Build it with :func:`customers`; ``rfm`` and
    ``cltv`` are the two studies it joins."""

    def __init__(self, rfm: RfmResult, cltv: CltvResult) -> None:
        with argument_errors():
            self._core = _flo_rfm.CustomerTable(rfm._core, cltv._core)
        self.rfm = rfm
        self.cltv = cltv
        self._table: pd.DataFrame | None = None

    @property
    def data(self) -> CustomerData:
        """The customer data both studies ran on."""
        return self.rfm.data

    @property
    def analysis_date(self) -> pd.Timestamp:
        """The date recency and the CLV history are counted to."""
        return self.rfm.analysis_date

    def __len__(self) -> int:
        return len(self._core)

    def __repr__(self) -> str:
        return (
            f"<CustomerTable: {len(self)} customers, {len(self.cltv)} in the CLTV study, "
            f"analysis date {self.analysis_date.date()}>"
        )

    def left_out(self) -> pd.Series:
        """How many customers the CLTV study left out, per reason (every reason listed).

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.customers(flo_rfm.datasets.sample(2000))
        >>> int(t.left_out().sum()) == len(t) - len(t.cltv)
        True
        """
        codes, reasons = self._core.reason()
        counts = np.bincount(codes[codes >= 0], minlength=len(reasons))
        return pd.Series(counts, index=pd.Index(reasons, name="clv_reason"), name="customers")

    def _repr_html_(self) -> str:
        from ._html import card

        facts = [
            ("customers", f"{len(self):,}"),
            ("in the CLTV study", f"{len(self.cltv):,}"),
            *((f"left out: {k}", f"{v:,}") for k, v in self.left_out().items() if v),
            ("analysis date", self.analysis_date.date()),
        ]
        t = self._pd
        grid = pd.crosstab(t["segment"], t["cltv_segment"], dropna=False)
        return card("Customer table (RFM and CLV)", facts, grid)

    @property
    def _pd(self) -> pd.DataFrame:
        if self._table is None:
            self._table = self._build()
        return self._table

    def _build(self) -> pd.DataFrame:
        table = self.rfm._pd.copy(deep=False)
        for name, values in zip(CLV_METRICS, self._core.columns()):
            table[name] = values
        codes, labels = self._core.segment()
        table["cltv_segment"] = pd.Categorical.from_codes(codes, categories=labels, ordered=True)
        reason, reasons = self._core.reason()
        coded = pa.DictionaryArray.from_arrays(pa.array(reason, mask=reason < 0), pa.array(reasons))
        table["clv_reason"] = _arrow.texts(pa.chunked_array([coded])).array
        return table

    @property
    def table(self) -> Any:
        """The customer table, as the kind of table the data came in (pandas unless Polars or
        Arrow was given; those get ``master_id`` as a column).

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.customers(flo_rfm.datasets.sample(2000)).table
        >>> list(t.columns[-7:])  # doctest: +NORMALIZE_WHITESPACE
        ['p_alive', 'exp_sales_3_month', 'exp_sales_6_month', 'exp_average_value', 'cltv',
         'cltv_segment', 'clv_reason']
        """
        return to_kind(self._pd, self.data.kind)

    def to_pandas(self) -> pd.DataFrame:
        """The customer table as a pandas DataFrame indexed by ``master_id``.

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.customers(flo_rfm.datasets.sample(2000)).to_pandas()
        >>> t.index.is_unique, bool(t["cltv"].isna().eq(t["clv_reason"].notna()).all())
        (True, True)
        """
        return self._pd.copy()

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        """The table (``master_id`` first) through the Arrow PyCapsule interface, from the
        core: pyarrow, Polars and DuckDB take it without a copy (empty CLV cells are nulls).

        Examples
        --------
        >>> import flo_rfm, pyarrow as pa
        >>> pa.table(flo_rfm.customers(flo_rfm.datasets.sample(2000))).num_rows
        2000
        """
        return self._core.__arrow_c_stream__(requested_schema)

    def select(
        self,
        rule: Rule | None = None,
        *,
        segments: Sequence[str] | None = None,
        categories: Sequence[str] | str | None = None,
        match: Match = "substring",
        combine: Literal["any", "all"] = "any",
        min_average_order_value: float | None = None,
        bounds: Mapping[str, tuple[float | None, float | None]] | Sequence[Bound] | None = None,
        clv_segments: Sequence[str] | str | None = None,
    ) -> Any:
        """The ``master_id`` of every customer meeting all the conditions, in input order
        (a pandas Series, or a Polars Series / Arrow array for those inputs).

        Takes :meth:`RfmResult.select`'s conditions (applied by the core, the same way) and
        CLV ones: ``clv_segments`` (e.g. ``["A"]``) and ``bounds`` on ``p_alive``,
        ``exp_sales_3_month``, ``exp_sales_6_month``, ``exp_average_value`` or ``cltv``
        (``{"p_alive": (None, 0.5)}``: both ends inclusive, ``None`` open; or
        :class:`flo_rfm.rules.Bound` objects, which state each side's inclusiveness). A
        customer the CLTV study left out passes no CLV condition. A
        :class:`flo_rfm.rules.Rule` may hold all of them.

        Examples
        --------
        >>> import flo_rfm
        >>> from flo_rfm.rules import Bound
        >>> t = flo_rfm.customers(flo_rfm.datasets.sample(3000))
        >>> ids = t.select(segments=["champions"], clv_segments=["A"], bounds={"p_alive": (None, 0.5)})
        >>> ids.name
        'master_id'
        >>> t.select(bounds=[Bound("p_alive", max=0.5, max_inclusive=False)]).size <= len(t)
        True
        """
        if rule is None:
            rule = rule_of(
                segments, categories, match, combine, min_average_order_value, bounds, clv_segments
            )
        elif not callable(getattr(rule, "_rfm_core", None)):  # a Rule, by what it offers
            raise ArgumentTypeError(f"rule must be a flo_rfm.rules.Rule, got {type(rule).__name__}")
        elif (segments, categories, min_average_order_value, bounds, clv_segments) != (None,) * 5:
            raise InvalidArgumentError("pass either a rule or the conditions, not both")
        with argument_errors():
            rows = self.rfm._core.select(*rule._rfm_core())
        keep = np.zeros(len(self), dtype=bool)
        keep[rows] = True
        columns = dict(zip(CLV_METRICS, self._core.columns()))
        for b in rule.bounds:
            if b.metric in columns:
                keep &= b.passes(columns[b.metric])
        if rule.clv_segments is not None:
            codes, labels = self._core.segment()
            unknown = sorted(set(rule.clv_segments) - set(labels))
            if unknown:
                raise InvalidArgumentError(f"unknown CLV segments {unknown}; the segments are {labels}")
            wanted = [labels.index(s) for s in rule.clv_segments]
            keep &= np.isin(codes, wanted)
        ids = self.data._frame.ids_at(np.flatnonzero(keep).astype(np.uint64))
        return to_kind(pd.Series(ids, name="master_id", dtype=object).astype(STR_DTYPE), self.data.kind)

    def write(self, path: str | os.PathLike[str], *, format: Literal["csv", "parquet"] | None = None) -> str:
        """Write the table to ``path`` (its folder created if needed) by the core's writer:
        CSV byte for byte as pandas' ``to_csv`` writes :meth:`to_pandas` (formula-like text
        gets a leading ``'``), or Parquet (``format="parquet"``, or a ``.parquet`` name);
        atomically and never over the input. Returns the path.

        Examples
        --------
        >>> import flo_rfm, os, tempfile
        >>> t = flo_rfm.customers(flo_rfm.datasets.sample(2000))
        >>> path = t.write(os.path.join(tempfile.mkdtemp(), "customers.csv"))
        >>> open(path).readline().split(",")[-2:]
        ['cltv_segment', 'clv_reason\\n']
        """
        out = as_path(path, "path")
        if format is None:
            format = "parquet" if out.lower().endswith(".parquet") else "csv"
        if format not in ("csv", "parquet"):
            raise InvalidArgumentError(f'format must be "csv" or "parquet", got {format!r}')
        with file_errors():
            os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        self._core.write_table(out, format)
        return out


def customers(
    source: Source,
    months: int = 6,
    *,
    analysis_date: DateLike | None = None,
    discount_rate: float = 0.01,
    bg_penalizer: float = 0.001,
    gg_penalizer: float = 0.01,
    frequency: Literal["orders", "repeat_orders"] = "orders",
    cltv_segments: int = 4,
    q: int | Sequence[float] = 5,
    duplicates: Literal["raise", "drop"] = "raise",
    labels: tuple[Sequence[object], Sequence[object], Sequence[object]] | None = None,
    segment_map: dict[str, str] | Sequence[tuple[str, str]] | None = None,
    segment_on: Literal["RF_SCORE", "RFM_SCORE"] = "RF_SCORE",
    progress: bool = False,
    **read_options: object,
) -> CustomerTable:
    """The RFM study and the CLTV study of one source, read once, joined per customer.

    Parameters
    ----------
    source : path, DataFrame or CustomerData
        As :func:`flo_rfm.rfm` and :func:`flo_rfm.cltv` take it.
    months : int
        The CLV horizon (``cltv``), as :func:`flo_rfm.cltv`'s ``months``.
    analysis_date : date-like, optional
        For both studies; default: the latest ``last_order_date`` plus 2 days.
    discount_rate, bg_penalizer, gg_penalizer, frequency
        :func:`flo_rfm.cltv`'s options.
    cltv_segments : int
        Number of CLV segments (:func:`flo_rfm.cltv`'s ``segments``).
    q, duplicates, labels, segment_map, segment_on
        :func:`flo_rfm.rfm`'s options.
    progress : bool
        Progress of reading a file and of the CLTV study (see :func:`flo_rfm.cltv`).
    **read_options
        Reader options for a path or table, as :func:`flo_rfm.run` takes them: ``on_bad_rows``,
        ``on_missing``, ``duplicate_ids`` (the reader's ``duplicates``; ``duplicates`` here is
        ``rfm``'s, for equal bin edges), ``delimiter``, ``encoding``.

    Examples
    --------
    >>> import flo_rfm
    >>> t = flo_rfm.customers(flo_rfm.datasets.sample(3000))
    >>> len(t) == 3000, bool(t.to_pandas()["clv_reason"].isna().sum() == len(t.cltv))
    (True, True)
    """
    _check_study(frequency, months, discount_rate, cltv_segments)  # before any work
    _cut_options(q, labels, segment_map)
    if "duplicate_ids" in read_options:
        read_options["duplicates"] = read_options.pop("duplicate_ids")
    if progress and isinstance(source, (str, os.PathLike)):
        read_options["progress"] = True
    data = load(source, **read_options)
    rfm_result = segment(
        lambda: data,
        analysis_date=analysis_date,
        q=q,
        duplicates=duplicates,
        labels=labels,
        segment_map=segment_map,
        segment_on=segment_on,
    )
    clv = cltv(
        data,
        months=months,
        analysis_date=analysis_date,
        bg_penalizer=bg_penalizer,
        gg_penalizer=gg_penalizer,
        discount_rate=discount_rate,
        frequency=frequency,
        segments=cltv_segments,
        progress=progress,
    )
    return CustomerTable(rfm_result, clv)
