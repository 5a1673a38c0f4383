"""RFM on customer data already read: metrics, pandas-exact scores (``pd.qcut``), score strings,
segments by an ordered regex map, the segment summary and the campaign targets
(:class:`RfmResult`). :func:`flo_rfm.rfm` reads any source and calls :func:`segment`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from . import _arrow
from ._dates import EPOCH, DateLike, days
from ._frames import argument_errors, as_path, to_kind
from ._pandas import STR_DTYPE, text_series
from ._rfm_options import _cut_options
from .rules import Bound, Rule, chosen_rule

if TYPE_CHECKING:
    from ._flo_rfm import Rfm
    from .customer_data import CustomerData
from .write import check_not_input

__all__ = ["DEFAULT_SEGMENT_MAP", "RfmResult", "segment"]

#: The standard RFM segment map over ``RF_SCORE``, applied in order as ``Series.replace(regex=True)``.
DEFAULT_SEGMENT_MAP: dict[str, str] = {
    r"[1-2][1-2]": "hibernating",
    r"[1-2][3-4]": "at_Risk",
    r"[1-2]5": "cant_loose",
    r"3[1-2]": "about_to_sleep",
    r"33": "need_attention",
    r"[3-4][4-5]": "loyal_customers",
    r"41": "promising",
    r"51": "new_customers",
    r"[4-5][2-3]": "potential_loyalists",
    r"5[4-5]": "champions",
}

Match = Literal["substring", "token"]


class RfmResult:
    """Scores, segments, summary and targets of one customer table: build it with :func:`rfm`.

    ``table`` is the RFM DataFrame indexed by ``master_id`` with columns ``recency``
    (int64 days; float64 if some are missing), ``frequency`` and ``monetary`` (float64),
    ``recency_score``, ``frequency_score``, ``monetary_score`` (ordered pandas Categoricals with
    the labels as categories, exactly what ``pd.qcut(..., labels=...)`` returns), ``RF_SCORE``,
    ``RFM_SCORE`` and ``segment`` (text). A customer with a missing metric has no score, no score
    string and no segment (NaN); it is never dropped.
    """

    def __init__(self, data: CustomerData, core: Rfm, labels: list[list[object]]) -> None:
        self.data = data
        self._core = core
        self._labels = labels
        self._table: pd.DataFrame | None = None

    def __repr__(self) -> str:
        return f"<RfmResult: {len(self.data)} customers, analysis date {self.analysis_date.date()}>"

    def _repr_html_(self) -> str:
        from ._html import card

        facts = [("customers", f"{len(self.data):,}"), ("analysis date", self.analysis_date.date())]
        return card("RFM segments", facts, self.to_pandas_summary())

    @property
    def analysis_date(self) -> pd.Timestamp:
        """The date recency is counted to (default: latest ``last_order_date`` + 2 days).

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.rfm(flo_rfm.datasets.sample(500)).analysis_date
        Timestamp('2021-06-01 00:00:00')
        """
        return EPOCH + pd.Timedelta(days=self._core.analysis_date)

    @property
    def edges(self) -> dict[str, np.ndarray]:
        """The qcut bin edges of ``recency``, ``frequency`` (of its first-rank) and ``monetary``.

        Examples
        --------
        >>> import flo_rfm
        >>> e = flo_rfm.rfm(flo_rfm.datasets.sample(500)).edges
        >>> sorted(e), len(e["recency"])
        (['frequency', 'monetary', 'recency'], 6)
        """
        edges = self._core.edges()
        return dict(zip(("recency", "frequency", "monetary"), edges))

    def arrays(self) -> dict[str, np.ndarray]:
        """The raw columns as numpy arrays: metrics (float64) and 0-based score bins (int64, -1
        for none; bins count up with the metric, so recency's label is ``labels[bin]``).

        Examples
        --------
        >>> import flo_rfm
        >>> a = flo_rfm.rfm(flo_rfm.datasets.sample(500)).arrays()
        >>> a["monetary"].dtype, a["recency_bin"].dtype
        (dtype('float64'), dtype('int64'))
        """
        r, f, m = self._core.metrics()
        cuts = self._core.cuts()
        out: dict[str, np.ndarray] = {"recency": r, "frequency": f, "monetary": m}
        for name, cut in zip(("recency_bin", "frequency_bin", "monetary_bin"), cuts):
            out[name] = cut[0]
        return out

    @property
    def _pd(self) -> pd.DataFrame:
        if self._table is None:
            self._table = self._build()
        return self._table

    @property
    def table(self) -> Any:
        """The rfm table, as the kind of table the data came in (pandas unless Polars or
        Arrow was given; those get ``master_id`` as a column).

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.rfm(flo_rfm.datasets.sample(500)).table.index.name
        'master_id'
        """
        return to_kind(self._pd, self.data.kind)

    def to_pandas(self) -> pd.DataFrame:
        """The rfm table as a pandas DataFrame indexed by ``master_id``.

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.rfm(flo_rfm.datasets.sample(500)).to_pandas()["recency_score"].dtype
        CategoricalDtype(categories=[5, 4, 3, 2, 1], ordered=True, categories_dtype=int64)
        """
        return self._pd.copy()

    def _build(self) -> pd.DataFrame:
        # One Arrow table from the core: text stays in Arrow memory, numbers are numpy views.
        t = _arrow.table(self)
        index = pd.Index(_arrow.texts(t.column("master_id")), name="master_id")
        cols: dict[str, object] = {
            m: _arrow.numbers(t.column(m)) for m in ("recency", "frequency", "monetary")
        }
        for name, labels in zip(("recency_score", "frequency_score", "monetary_score"), self._labels):
            # Bins count up with the value; labels are given in bin order.
            cols[name] = pd.Categorical.from_codes(
                _arrow.codes(t.column(name)), categories=labels, ordered=True
            )
        for name in ("RF_SCORE", "RFM_SCORE", "segment"):
            cols[name] = _arrow.texts(t.column(name)).array
        return pd.DataFrame(cols, index=index)

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        """The rfm table (``master_id`` first) through the Arrow PyCapsule interface: pyarrow,
        Polars and DuckDB take it without a copy. Scores and segments are dictionary-coded.

        Examples
        --------
        >>> import flo_rfm, pyarrow as pa
        >>> pa.table(flo_rfm.rfm(flo_rfm.datasets.sample(500))).num_rows
        500
        """
        return self._core.__arrow_c_stream__(requested_schema)

    def segment_summary(self) -> Any:
        """Per segment: mean and count of recency, frequency and monetary.

        Equals ``rfm[["segment", "recency", "frequency", "monetary"]].groupby("segment")
        .agg(["mean", "count"])`` (Polars/Arrow: flat ``recency_mean``... columns).

        Examples
        --------
        >>> import flo_rfm
        >>> s = flo_rfm.rfm(flo_rfm.datasets.sample(2000)).segment_summary()
        >>> int(s[("recency", "count")].sum())
        2000
        """
        return to_kind(self._summary_pd(), self.data.kind)

    def to_pandas_summary(self) -> pd.DataFrame:
        """The segment summary as a pandas DataFrame with ``(metric, statistic)`` columns.

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.rfm(flo_rfm.datasets.sample(500)).to_pandas_summary().columns[0]
        ('recency', 'mean')
        """
        return self._summary_pd()

    def _summary_pd(self) -> pd.DataFrame:
        names, cols = self._core.segment_summary()
        return summary_frame(names, cols)

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
    ) -> Any:
        """The ``master_id`` of every customer meeting all the conditions, in input order
        (a pandas Series, or a Polars Series / Arrow array for those inputs).

        Parameters
        ----------
        rule : flo_rfm.rules.Rule, optional
            The conditions as data (then give none of the others).
        segments : list of str, optional
            Keep these segments only.
        categories : str or list of str, optional
            Category rule on ``interested_in_categories_12``.
        match : {"substring", "token"}
            ``"substring"`` matches the raw list text as pandas' ``str.contains`` does
            (``COCUK`` also matches ``AKTIFCOCUK``); ``"token"`` matches whole list items.
        combine : {"any", "all"}
            Whether one or all of ``categories`` must match.
        min_average_order_value : float, optional
            Keep ``monetary / frequency >= min_average_order_value``.
        bounds : dict or list of Bound, optional
            ``{"recency" | "frequency" | "monetary" | "average_order_value": (min, max)}``,
            both inclusive, ``None`` for open; or :class:`flo_rfm.rules.Bound` objects, which
            state each side's inclusiveness (``Bound("monetary", min=250, min_inclusive=False)``).

        Examples
        --------
        >>> import flo_rfm
        >>> res = flo_rfm.rfm(flo_rfm.datasets.sample(2000))
        >>> ids = res.select(segments=["champions"], categories=["KADIN", "ERKEK"], combine="all",
        ...                  bounds={"monetary": (500, None)})
        >>> ids.name
        'master_id'
        >>> res.select(flo_rfm.rules.new_brand_rule()).equals(res.new_brand_targets())
        True
        """
        rule = chosen_rule(rule, segments, categories, match, combine, min_average_order_value, bounds)
        return to_kind(self._select_pd(rule), self.data.kind)

    def _select_pd(self, rule: Rule) -> pd.Series:
        with argument_errors():
            rows = self._core.select(*rule._core())
        ids = self.data._frame.ids_at(rows)
        return pd.Series(ids, name="master_id", dtype=object).astype(STR_DTYPE)

    def new_brand_targets(self, match: Match = "substring") -> Any:
        """Case a: champions and loyal customers interested in ``KADIN`` whose average order
        (monetary / frequency) is at least 250. Substring match by default, as pandas' ``str.contains``.

        Examples
        --------
        >>> import flo_rfm
        >>> res = flo_rfm.rfm(flo_rfm.datasets.sample(2000))
        >>> len(res.new_brand_targets("token")) <= len(res.new_brand_targets())
        True
        """
        return to_kind(self._pandas_targets("new_brand", match), self.data.kind)

    def discount_targets(self, match: Match = "substring") -> Any:
        """Case b: cant_loose, hibernating and new customers interested in ``ERKEK`` or
        ``COCUK``. Substring match by default, as pandas' ``str.contains`` (``COCUK`` matches ``AKTIFCOCUK``).

        Examples
        --------
        >>> import flo_rfm
        >>> res = flo_rfm.rfm(flo_rfm.datasets.sample(2000))
        >>> len(res.discount_targets("token")) <= len(res.discount_targets())
        True
        """
        return to_kind(self._pandas_targets("discount", match), self.data.kind)

    def _preset_rows(self, which: str, match: Match) -> np.ndarray:
        """Rows of the new-brand or discount campaign (``which``), by the core's rules."""
        with argument_errors():
            new_brand, discount = self._core.standard_targets(match)
        return new_brand if which == "new_brand" else discount

    def _pandas_targets(self, which: str, match: Match) -> pd.Series:
        ids = self.data._frame.ids_at(self._preset_rows(which, match))
        return pd.Series(ids, name="master_id", dtype=object).astype(STR_DTYPE)

    def write_targets(self, out_dir: str, match: Match = "substring") -> dict[str, str]:
        """Write both seed target files into ``out_dir``; returns name -> path.

        Examples
        --------
        >>> import flo_rfm, tempfile
        >>> files = flo_rfm.rfm(flo_rfm.datasets.sample(500)).write_targets(tempfile.mkdtemp())
        >>> sorted(files)
        ['discount_target_customer_ids.csv', 'new_brand_target_customer_id.csv']
        """
        import os

        out_dir = as_path(out_dir, "out_dir")
        inputs = [self.data.source]
        paths = {}
        for name, which in (
            ("new_brand_target_customer_id.csv", "new_brand"),
            ("discount_target_customer_ids.csv", "discount"),
        ):
            path = os.path.join(out_dir, name)
            check_not_input(path, inputs)
            self.data._frame.write_ids(self._preset_rows(which, match), path)
            paths[name] = path
        return paths


#: The keyword options of :func:`flo_rfm.rfm` and :meth:`CustomerData.rfm` that :func:`segment` takes.
OPTIONS = ("analysis_date", "q", "duplicates", "labels", "segment_map", "segment_on")


def summary_frame(names: Sequence[str], columns: Sequence[tuple[Any, Any]]) -> pd.DataFrame:
    """The segment summary table from the segments (sorted) and, per metric, (mean, count):
    pandas' ``groupby("segment").agg(["mean", "count"])`` layout. Dask's summary is built here too.
    """
    data = {}
    for metric, (mean, count) in zip(("recency", "frequency", "monetary"), columns):
        data[(metric, "mean")] = np.asarray(mean, dtype="float64")
        data[(metric, "count")] = np.asarray(count, dtype="int64")
    text = text_series([], pd.RangeIndex(0), "x").dtype
    index = pd.Index(list(names), dtype=object, name="segment").astype(text)
    return pd.DataFrame(data, index=index)


def segment(
    data: Callable[[], CustomerData],
    *,
    analysis_date: DateLike | None = None,
    q: int | Sequence[float] = 5,
    duplicates: Literal["raise", "drop"] = "raise",
    labels: tuple[Sequence[object], Sequence[object], Sequence[object]] | None = None,
    segment_map: dict[str, str] | Sequence[tuple[str, str]] | None = None,
    segment_on: Literal["RF_SCORE", "RFM_SCORE"] = "RF_SCORE",
) -> RfmResult:
    """The RFM study of :func:`flo_rfm.rfm` (same options) on the data ``data()`` returns; the
    options are checked before ``data()`` is called, so a bad option fails before any read."""
    n_bins, probabilities, label_texts, rules = _cut_options(q, labels, segment_map)
    day = days(analysis_date) if analysis_date is not None else None
    loaded = data()
    with argument_errors():
        core = loaded._frame.rfm(day, n_bins, probabilities, duplicates, label_texts, rules, segment_on)
    return _result(loaded, core, labels)


def _result(
    data: CustomerData,
    core: Rfm,
    labels: tuple[Sequence[object], Sequence[object], Sequence[object]] | None,
) -> RfmResult:
    """The result object over a core table; default labels are the core's label texts as integers."""
    label_lists: list[list[object]]
    if labels is None:
        label_lists = [[int(x) for x in lab] for lab in core.labels()]
    else:
        label_lists = [list(lab) for lab in labels]
    return RfmResult(data, core, label_lists)
