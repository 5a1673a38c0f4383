"""Tasks 2–5: RFM metrics, pandas-exact scores, segments, the segment summary and targets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal, Union

import numpy as np
import pandas as pd

from . import _arrow
from ._frames import argument_errors, as_float, as_path, to_kind
from ._pandas import STR_DTYPE, text_series
from .data import CustomerData, Source, load
from .exceptions import ArgumentTypeError, InvalidArgumentError
from .output import check_not_input

__all__ = [
    "DEFAULT_SEGMENT_MAP",
    "RfmResult",
    "rfm",
]

#: The seeds' segment map over ``RF_SCORE``, applied in order as ``Series.replace(regex=True)``.
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
DateLike = Union[str, dt.date, pd.Timestamp, np.datetime64]

_EPOCH = pd.Timestamp("1970-01-01")


def _timestamp(date: DateLike, name: str = "analysis_date") -> pd.Timestamp:
    """``pd.Timestamp(date)``; a value that is no date raises :class:`InvalidArgumentError` (a
    ``ValueError``), one of a type that cannot be a date :class:`ArgumentTypeError`."""
    try:
        when = pd.Timestamp(date)  # type: ignore[arg-type]
    except TypeError as e:
        raise ArgumentTypeError(f"{name} must be a date, got {type(date).__name__}: {e}") from e
    except (ValueError, OverflowError) as e:
        raise InvalidArgumentError(f"{name}: cannot read {date!r} as a date: {e}") from e
    if pd.isna(when):
        raise InvalidArgumentError(f"{name} must be a date, got {date!r}")
    return when


def _days(date: DateLike, name: str = "analysis_date") -> int:
    return int((_timestamp(date, name).normalize() - _EPOCH).days)


class RfmResult:
    """Tasks 2–5 on one customer table: build it with :func:`rfm`.

    ``table`` is the seeds' ``rfm`` DataFrame indexed by ``master_id`` with columns ``recency``
    (int64 days; float64 if some are missing), ``frequency`` and ``monetary`` (float64),
    ``recency_score``, ``frequency_score``, ``monetary_score`` (ordered pandas Categoricals with
    the labels as categories, exactly what ``pd.qcut(..., labels=...)`` returns), ``RF_SCORE``,
    ``RFM_SCORE`` and ``segment`` (text). A customer with a missing metric has no score, no score
    string and no segment (NaN); it is never dropped.
    """

    def __init__(self, data: CustomerData, core: object, labels: list[list[object]]) -> None:
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
        return _EPOCH + pd.Timedelta(days=self._core.analysis_date)  # type: ignore[attr-defined]

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
        edges = self._core.edges()  # type: ignore[attr-defined]
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
        r, f, m = self._core.metrics()  # type: ignore[attr-defined]
        cuts = self._core.cuts()  # type: ignore[attr-defined]
        out = {"recency": r, "frequency": f, "monetary": m}
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
        return self._core.__arrow_c_stream__(requested_schema)  # type: ignore[attr-defined]

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
        names, cols = self._core.segment_summary()  # type: ignore[attr-defined]
        data = {}
        for metric, (mean, count) in zip(("recency", "frequency", "monetary"), cols):
            data[(metric, "mean")] = np.asarray(mean, dtype="float64")
            data[(metric, "count")] = np.asarray(count, dtype="int64")
        index = pd.Index(names, dtype=object, name="segment").astype(
            text_series([], pd.RangeIndex(0), "x").dtype
        )
        return pd.DataFrame(data, index=index)

    def select(
        self,
        *,
        segments: Sequence[str] | None = None,
        categories: Sequence[str] | str | None = None,
        match: Match = "substring",
        combine: Literal["any", "all"] = "any",
        min_average_order_value: float | None = None,
        bounds: dict[str, tuple[float | None, float | None]] | None = None,
    ) -> Any:
        """The ``master_id`` of every customer meeting all the conditions, in input order
        (a pandas Series, or a Polars Series / Arrow array for those inputs).

        Parameters
        ----------
        segments : list of str, optional
            Keep these segments only.
        categories : str or list of str, optional
            Category rule on ``interested_in_categories_12``.
        match : {"substring", "token"}
            ``"substring"`` matches the raw list text as the seeds' ``str.contains`` does
            (``COCUK`` also matches ``AKTIFCOCUK``); ``"token"`` matches whole list items.
        combine : {"any", "all"}
            Whether one or all of ``categories`` must match.
        min_average_order_value : float, optional
            Keep ``monetary / frequency >= min_average_order_value``.
        bounds : dict, optional
            ``{"recency" | "frequency" | "monetary" | "average_order_value": (min, max)}``,
            both inclusive, ``None`` for open.

        Examples
        --------
        >>> import flo_rfm
        >>> res = flo_rfm.rfm(flo_rfm.datasets.sample(2000))
        >>> ids = res.select(segments=["champions"], categories=["KADIN", "ERKEK"], combine="all",
        ...                  bounds={"monetary": (500, None)})
        >>> ids.name
        'master_id'
        """
        return to_kind(
            self._select_pd(segments, categories, match, combine, min_average_order_value, bounds),
            self.data.kind,
        )

    def _select_pd(
        self,
        segments: Sequence[str] | None,
        categories: Sequence[str] | str | None,
        match: Match,
        combine: Literal["any", "all"] = "any",
        min_average_order_value: float | None = None,
        bounds: dict[str, tuple[float | None, float | None]] | None = None,
    ) -> pd.Series:
        if isinstance(categories, str):
            categories = [categories]
        if isinstance(segments, str):
            segments = [segments]
        if bounds is not None and not isinstance(bounds, dict):
            raise ArgumentTypeError(f"bounds must be a dict of (min, max) pairs, got {type(bounds).__name__}")
        spec = []
        for key, pair in (bounds or {}).items():
            if not _iterable(pair):
                raise ArgumentTypeError(f"bounds[{key!r}] must be a (min, max) pair, got {pair!r}")
            pair = tuple(pair)
            if len(pair) != 2:
                raise InvalidArgumentError(f"bounds[{key!r}] must be a (min, max) pair, got {pair!r}")
            lo, hi = (None if v is None else as_float(v, f"bounds[{key!r}]") for v in pair)
            spec.append((key, lo, hi))
        if min_average_order_value is not None:
            aov = as_float(min_average_order_value, "min_average_order_value")
            spec.append(("average_order_value", aov, None))
        with argument_errors():
            rows = self._core.select(  # type: ignore[attr-defined]
                _texts(segments, "segments"),
                _texts(categories, "categories"),
                match,
                combine,
                spec,
            )
        ids = self.data._frame.ids_at(rows)
        return pd.Series(ids, name="master_id", dtype=object).astype(STR_DTYPE)

    def new_brand_targets(self, match: Match = "substring") -> Any:
        """Case a: champions and loyal customers interested in ``KADIN`` whose average order
        (monetary / frequency) is at least 250. Substring match by default, as the seeds.

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
        ``COCUK``. Substring match by default, as the seeds (``COCUK`` matches ``AKTIFCOCUK``).

        Examples
        --------
        >>> import flo_rfm
        >>> res = flo_rfm.rfm(flo_rfm.datasets.sample(2000))
        >>> len(res.discount_targets("token")) <= len(res.discount_targets())
        True
        """
        return to_kind(self._pandas_targets("discount", match), self.data.kind)

    def _preset_rows(self, which: str, match: Match) -> np.ndarray:
        """Rows of the seeds' case a (``"new_brand"``) or b (``"discount"``), by the core's rules."""
        with argument_errors():
            new_brand, discount = self._core.seed_targets(match)  # type: ignore[attr-defined]
        return new_brand if which == "new_brand" else discount  # type: ignore[no-any-return]

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


def rfm(
    source: Source,
    *,
    analysis_date: DateLike | None = None,
    q: int | Sequence[float] = 5,
    duplicates: Literal["raise", "drop"] = "raise",
    labels: tuple[Sequence[object], Sequence[object], Sequence[object]] | None = None,
    segment_map: dict[str, str] | Sequence[tuple[str, str]] | None = None,
    segment_on: Literal["RF_SCORE", "RFM_SCORE"] = "RF_SCORE",
    **read_options: object,
) -> RfmResult:
    """Tasks 2–4: metrics, scores, score strings and segments, identical to the seeds' pandas.

    Parameters
    ----------
    source : path, DataFrame or CustomerData
        The customer file, a DataFrame read the seeds' way, or already-read data.
    analysis_date : date-like, optional
        Default: the latest ``last_order_date`` plus 2 days (2021-06-01 on the FLO file).
    q : int or list of float
        Number of quantile bins, or the probabilities of the edges, as ``pd.qcut``.
    duplicates : {"raise", "drop"}
        Equal edges raise :class:`~flo_rfm.exceptions.BinEdgesError` (pandas' ``Bin edges must
        be unique``) or are merged, as ``pd.qcut(duplicates=...)``.
    labels : (recency_labels, frequency_labels, monetary_labels), optional
        One label per bin, in ascending order of the metric. Default: the seeds' ``[q..1]`` for
        recency and ``[1..q]`` for frequency and monetary.
    segment_map : dict or list of (pattern, name), optional
        Ordered regex map applied as ``Series.replace(segment_map, regex=True)``. Default:
        :data:`DEFAULT_SEGMENT_MAP`.
    segment_on : {"RF_SCORE", "RFM_SCORE"}
        The score string the map reads.

    Examples
    --------
    >>> import flo_rfm
    >>> result = flo_rfm.rfm(flo_rfm.datasets.sample(2000))
    >>> list(result.table.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['recency', 'frequency', 'monetary', 'recency_score', 'frequency_score', 'monetary_score',
     'RF_SCORE', 'RFM_SCORE', 'segment']
    """
    n_bins, probabilities, label_texts, rules = _cut_options(q, labels, segment_map)
    day = _days(analysis_date) if analysis_date is not None else None
    data = load(source, **read_options)
    with argument_errors():
        core = data._frame.rfm(day, n_bins, probabilities, duplicates, label_texts, rules, segment_on)
    return _result(data, core, labels)


def _cut_options(
    q: int | Sequence[float],
    labels: tuple[Sequence[object], Sequence[object], Sequence[object]] | None,
    segment_map: dict[str, str] | Sequence[tuple[str, str]] | None,
) -> tuple[int, list[float] | None, list[list[str]] | None, list[tuple[str, str]] | None]:
    """``rfm``'s options as the core takes them: bins, probabilities, label texts, map rules."""
    if isinstance(q, (int, np.integer)):
        n_bins, probabilities = int(q), None
    elif not _iterable(q):
        raise ArgumentTypeError(f"q must be a number of bins or a list of probabilities, got {q!r}")
    else:
        probabilities = [as_float(p, "each probability in q") for p in q]  # type: ignore[union-attr]
        n_bins = len(probabilities) - 1
    if labels is None:
        texts = None
    elif not _iterable(labels):
        raise ArgumentTypeError(
            f"labels must be three lists (recency, frequency, monetary), got {type(labels).__name__}"
        )
    else:
        texts = []
        for lab in labels:
            if not _iterable(lab):
                raise ArgumentTypeError(f"labels must be three lists of labels, got {lab!r} among them")
            texts.append([str(x) for x in lab])
    if isinstance(segment_map, dict):
        rules: list[tuple[str, str]] | None = list(segment_map.items())
    elif segment_map is None:
        rules = None
    elif not _iterable(segment_map):
        raise ArgumentTypeError(
            f"segment_map must be a dict or a list of (pattern, name) pairs, got {type(segment_map).__name__}"
        )
    else:
        rules = []
        for rule in segment_map:
            pair = tuple(rule) if _iterable(rule) else ()
            if len(pair) != 2:
                raise InvalidArgumentError(f"segment_map rules must be (pattern, name) pairs, got {rule!r}")
            rules.append(pair)  # type: ignore[arg-type]
    for pattern, name in rules or []:
        if not isinstance(pattern, str) or not isinstance(name, str):
            raise ArgumentTypeError(f"segment_map patterns and names must be text, got {(pattern, name)!r}")
    return max(n_bins, 0), probabilities, texts, rules


def _iterable(obj: object) -> bool:
    """A list-like argument: iterable and not text."""
    if isinstance(obj, (str, bytes)):
        return False
    try:
        iter(obj)  # type: ignore[call-overload]
    except TypeError:
        return False
    return True


def _texts(values: Sequence[str] | None, name: str) -> list[str] | None:
    """A list of names (segments, categories) for the core, each one checked to be text."""
    if values is None:
        return None
    if not _iterable(values):
        raise ArgumentTypeError(f"{name} must be a list of names, got {type(values).__name__}")
    out = list(values)
    for v in out:
        if not isinstance(v, str):
            raise ArgumentTypeError(f"{name} must hold text, got {v!r}")
    return out


def _result(
    data: CustomerData,
    core: Any,
    labels: tuple[Sequence[object], Sequence[object], Sequence[object]] | None,
) -> RfmResult:
    """The result object over a core table; default labels are the seeds' integers."""
    if labels is None:
        label_lists = [[int(x) for x in labels] for labels in core.labels()]
    else:
        label_lists = [list(lab) for lab in labels]
    return RfmResult(data, core, label_lists)
