"""A segmentation scheme you can keep: the score thresholds of recency, frequency and monetary,
their labels, the segment map and the analysis-date rule, learned from one snapshot
(:meth:`Segmentation.fit`) or given by hand (:meth:`Segmentation.given`), saved as JSON and
applied to any other snapshot (:meth:`Segmentation.apply`), so scores stay comparable.

Learned from a snapshot, a scheme gives that snapshot's ``pd.qcut`` scores back exactly.
Frequency is cut on ``rank(method="first")``: when its quantile edge falls inside a run of
equal frequencies, the scheme keeps the count of them that stayed below (the first ones in
file order, as the ranks had it); on another snapshot the first that many of that value stay
below too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from ._dates import DateLike, days, timestamp
from ._frames import argument_errors, as_path
from ._rfm_options import _cut_options, _iterable
from .exceptions import ArgumentTypeError, InvalidArgumentError
from .io import Source, load
from .segments import DEFAULT_SEGMENT_MAP, RfmResult, _result
from .threshold import Equal, Threshold, bin_range
from .write import _atomic_text, file_errors

__all__ = ["Segmentation", "Threshold"]

METRICS = ("recency", "frequency", "monetary")
_VERSION = 1


@dataclass(frozen=True)
class Segmentation:
    """Thresholds, labels, segment map and analysis-date rule: the whole RFM scoring, as data.

    Build one with :meth:`fit` (learned from a snapshot, as :func:`flo_rfm.rfm` scores it) or
    :meth:`given` (thresholds by hand); see :meth:`apply`, :attr:`table`, :meth:`to_json`.

    Attributes
    ----------
    recency, frequency, monetary : tuple of Threshold
        Ascending thresholds: ``len + 1`` bins each; the lowest and highest bins are open, so
        values beyond the learned range still score.
    labels : (recency, frequency, monetary) labels
        One label per bin in ascending order of the metric (recency's run high to low).
    segment_map : tuple of (pattern, name)
        The ordered regex map over ``segment_on``.
    segment_on : {"RF_SCORE", "RFM_SCORE"}
    analysis_date : str or None
        A fixed analysis date (ISO), or ``None``: each snapshot's latest ``last_order_date``
        plus 2 days.
    """

    recency: tuple[Threshold, ...]
    frequency: tuple[Threshold, ...]
    monetary: tuple[Threshold, ...]
    labels: tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]
    segment_map: tuple[tuple[str, str], ...] = tuple(DEFAULT_SEGMENT_MAP.items())
    segment_on: Literal["RF_SCORE", "RFM_SCORE"] = "RF_SCORE"
    analysis_date: str | None = None

    def __post_init__(self) -> None:
        for name, given in zip(METRICS, (self.recency, self.frequency, self.monetary)):
            object.__setattr__(self, name, _thresholds(given, name))
        _, _, texts, rules = _cut_options(1, self.labels, self.segment_map)
        assert texts is not None and rules is not None
        object.__setattr__(self, "labels", tuple(tuple(lab) for lab in self.labels))
        object.__setattr__(self, "segment_map", tuple(rules))
        for name, lab in zip(METRICS, self.labels):
            bins = len(getattr(self, name)) + 1
            if len(lab) != bins:
                raise InvalidArgumentError(f"{name} has {bins} bins but {len(lab)} labels: {list(lab)}")
        if self.segment_on not in ("RF_SCORE", "RFM_SCORE"):
            on = self.segment_on
            raise InvalidArgumentError(f'segment_on must be "RF_SCORE" or "RFM_SCORE", got {on!r}')
        if self.analysis_date is not None:
            object.__setattr__(self, "analysis_date", str(timestamp(self.analysis_date).date()))
        # The core checks the thresholds rise and the map's patterns compile.
        with argument_errors():
            from . import _flo_rfm

            _flo_rfm.check_scheme(self._parts(), rules)

    @classmethod
    def given(
        cls,
        recency: Sequence[float | Threshold],
        frequency: Sequence[float | Threshold],
        monetary: Sequence[float | Threshold],
        *,
        closed: Literal["right", "left"] = "right",
        labels: tuple[Sequence[Any], Sequence[Any], Sequence[Any]] | None = None,
        segment_map: dict[str, str] | Sequence[tuple[str, str]] | None = None,
        segment_on: Literal["RF_SCORE", "RFM_SCORE"] = "RF_SCORE",
        analysis_date: DateLike | None = None,
    ) -> Segmentation:
        """A scheme with thresholds given by hand, as R's ``rfm`` takes them.

        Parameters
        ----------
        recency, frequency, monetary : list of numbers or Threshold
            Ascending thresholds; ``n`` thresholds make ``n + 1`` scores.
        closed : {"right", "left"}
            For plain numbers: ``"right"`` puts a value equal to a threshold in the lower bin
            (``(a, b]``, as ``pd.cut``), ``"left"`` in the upper (``[a, b)``).
        labels : (recency, frequency, monetary) labels, optional
            Default: ``n+1 .. 1`` for recency (recent is best) and ``1 .. n+1`` for the others.
        segment_map, segment_on
            As :func:`flo_rfm.rfm` (default: :data:`flo_rfm.DEFAULT_SEGMENT_MAP` over RF).
        analysis_date : date-like, optional
            Fixed; default: each snapshot's latest ``last_order_date`` plus 2 days.

        Examples
        --------
        >>> from flo_rfm import Segmentation
        >>> s = Segmentation.given([30, 90, 180, 365], [1, 2, 3, 5], [200, 400, 700, 1200])
        >>> s.labels[0], s.frequency[0].describe()
        ((5, 4, 3, 2, 1), '<= 1 below')
        """
        if closed not in ("right", "left"):
            raise InvalidArgumentError(f'closed must be "right" or "left", got {closed!r}')
        equal: Equal = "below" if closed == "right" else "above"
        cuts = [
            tuple(t if isinstance(t, Threshold) else Threshold(t, equal) for t in _listed(given, name))
            for name, given in zip(METRICS, (recency, frequency, monetary))
        ]
        for name, cut in zip(METRICS, cuts):
            values = [t.value for t in cut]
            if any(a >= b for a, b in zip(values, values[1:])):
                raise InvalidArgumentError(f"{name} thresholds must increase, got {values}")
        if labels is None:
            r, f, m = (len(c) + 1 for c in cuts)
            labels = (tuple(range(r, 0, -1)), tuple(range(1, f + 1)), tuple(range(1, m + 1)))
        date = None if analysis_date is None else str(timestamp(analysis_date).date())
        given_map = DEFAULT_SEGMENT_MAP if segment_map is None else segment_map  # __post_init__ checks it
        return cls(*cuts, labels, given_map, segment_on, date)  # type: ignore[arg-type]

    @classmethod
    def fit(
        cls,
        source: Source,
        *,
        analysis_date: DateLike | None = None,
        q: int | Sequence[float] = 5,
        duplicates: Literal["raise", "drop"] = "raise",
        labels: tuple[Sequence[Any], Sequence[Any], Sequence[Any]] | None = None,
        segment_map: dict[str, str] | Sequence[tuple[str, str]] | None = None,
        segment_on: Literal["RF_SCORE", "RFM_SCORE"] = "RF_SCORE",
        **read_options: object,
    ) -> Segmentation:
        """The scheme :func:`flo_rfm.rfm` scores ``source`` with (same options): applied to
        ``source`` it gives ``rfm(source)``'s scores and segments back, bit for bit.

        A fixed ``analysis_date`` is kept in the scheme; by default the scheme keeps the rule
        (each snapshot's latest order plus 2 days).

        Examples
        --------
        >>> import flo_rfm
        >>> data = flo_rfm.datasets.sample(2000)
        >>> scheme = flo_rfm.Segmentation.fit(data)
        >>> scheme.apply(data).table.equals(flo_rfm.rfm(data).table)
        True
        """
        from .run import rfm

        res = rfm(
            source,
            analysis_date=analysis_date,
            q=q,
            duplicates=duplicates,
            labels=labels,
            segment_map=segment_map,
            segment_on=segment_on,
            **read_options,
        )
        parts = res._core.scheme()
        cuts = [tuple(Threshold._of_part(v, k) for v, k in metric) for metric in parts]
        date = None if analysis_date is None else str(res.analysis_date.date())
        lab = tuple(tuple(x) for x in res._labels)
        given_map = DEFAULT_SEGMENT_MAP if segment_map is None else segment_map  # __post_init__ checks it
        return cls(*cuts, lab, given_map, segment_on, date)  # type: ignore[arg-type]

    def apply(
        self, source: Source, *, analysis_date: DateLike | None = None, **read_options: object
    ) -> RfmResult:
        """Score and name another snapshot with this scheme.

        Parameters
        ----------
        source : path, DataFrame or CustomerData
        analysis_date : date-like, optional
            Instead of the scheme's own (its fixed date, or the snapshot's latest order + 2 days).

        Examples
        --------
        >>> import flo_rfm
        >>> scheme = flo_rfm.Segmentation.fit(flo_rfm.datasets.sample(2000, seed=1))
        >>> later = scheme.apply(flo_rfm.datasets.sample(3000, seed=2))
        >>> later.table["recency_score"].cat.categories.tolist()
        [5, 4, 3, 2, 1]
        """
        when = analysis_date if analysis_date is not None else self.analysis_date
        day = None if when is None else days(when)
        data = load(source, **read_options)
        texts = [[str(x) for x in lab] for lab in self.labels]
        with argument_errors():
            core = data._frame.rfm_with_scheme(
                day, self._parts(), texts, list(self.segment_map), self.segment_on
            )
        return _result(data, core, tuple(list(lab) for lab in self.labels))  # type: ignore[arg-type]

    @property
    def table(self) -> pd.DataFrame:
        """The thresholds as a table: one row per metric and score, with the bin's range.

        Examples
        --------
        >>> from flo_rfm import Segmentation
        >>> t = Segmentation.given([30, 90], [1, 3], [300, 900]).table
        >>> t.loc["recency"][["score", "range"]].to_dict("list")
        {'score': [3, 2, 1], 'range': ['(-inf, 30]', '(30, 90]', '(90, inf)']}
        """
        rows = []
        for name, lab in zip(METRICS, self.labels):
            cuts: tuple[Threshold, ...] = getattr(self, name)
            for i, score in enumerate(lab):
                low = cuts[i - 1] if i > 0 else None
                high = cuts[i] if i < len(cuts) else None
                rows.append((name, score, *bin_range(low, high)))
        frame = pd.DataFrame(rows, columns=["metric", "score", "from", "to", "range", "note"])
        return frame.set_index("metric")

    def __repr__(self) -> str:
        bins = "/".join(str(len(getattr(self, m)) + 1) for m in METRICS)
        date = self.analysis_date or "latest order + 2 days"
        return f"<Segmentation: {bins} bins (R/F/M), {len(self.segment_map)} segments, analysis date {date}>"

    def _repr_html_(self) -> str:
        from ._html import card

        date = self.analysis_date or "latest order + 2 days"
        facts = [("segments", len(self.segment_map)), ("analysis date", date)]
        return card("Segmentation scheme", facts, self.table)

    def to_dict(self) -> dict[str, Any]:
        """The scheme as plain JSON-ready data (see :meth:`from_dict`).

        Examples
        --------
        >>> from flo_rfm import Segmentation
        >>> d = Segmentation.given([30], [2], [500]).to_dict()
        >>> d["thresholds"]["recency"], d["labels"]["recency"]
        ([{'value': 30.0, 'equal': 'below'}], [2, 1])
        >>> Segmentation.from_dict(d) == Segmentation.given([30], [2], [500])
        True
        """
        return {
            "version": _VERSION,
            "thresholds": {
                m: [{"value": t.value, "equal": t.equal} for t in getattr(self, m)] for m in METRICS
            },
            "labels": {m: list(lab) for m, lab in zip(METRICS, self.labels)},
            "segment_map": [list(rule) for rule in self.segment_map],
            "segment_on": self.segment_on,
            "analysis_date": self.analysis_date,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segmentation:
        """The scheme :meth:`to_dict` made; a missing or wrong field raises
        :class:`~flo_rfm.exceptions.InvalidArgumentError` naming it."""
        if not isinstance(data, dict):
            raise ArgumentTypeError(f"a scheme must be a dict, got {type(data).__name__}")
        if data.get("version") != _VERSION:
            raise InvalidArgumentError(f"scheme version must be {_VERSION}, got {data.get('version')!r}")
        try:
            cuts = [tuple(Threshold(t["value"], t["equal"]) for t in data["thresholds"][m]) for m in METRICS]
            labels = tuple(tuple(data["labels"][m]) for m in METRICS)
            rules = tuple(tuple(rule) for rule in data["segment_map"])
            return cls(*cuts, labels, rules, data["segment_on"], data["analysis_date"])  # type: ignore[arg-type]
        except (KeyError, TypeError) as e:
            raise InvalidArgumentError(f"scheme: missing or malformed field {e}") from e

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The scheme as JSON text; written (atomically) to ``path`` when given.

        Examples
        --------
        >>> from flo_rfm import Segmentation
        >>> s = Segmentation.given([30, 90], [1, 3], [300, 900], closed="left")
        >>> Segmentation.from_json(s.to_json()) == s
        True
        """
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        if path is not None:
            _atomic_text(as_path(path), text + "\n")
        return text

    @classmethod
    def from_json(cls, text: str) -> Segmentation:
        """The scheme in JSON text made by :meth:`to_json`."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise InvalidArgumentError(f"scheme: not JSON: {e}") from e
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Segmentation:
        """The scheme saved at ``path`` by ``to_json(path)``; errors name the file.

        Examples
        --------
        >>> import os, tempfile
        >>> from flo_rfm import Segmentation
        >>> path = os.path.join(tempfile.mkdtemp(), "scheme.json")
        >>> _ = Segmentation.given([30], [2], [500]).to_json(path)
        >>> Segmentation.load(path).frequency
        (Threshold(value=2.0, equal='below'),)
        """
        with file_errors(), open(as_path(path), encoding="utf-8") as f:
            text = f.read()
        try:
            return cls.from_json(text)
        except InvalidArgumentError as e:
            raise InvalidArgumentError(f"{os.fspath(path)}: {e}") from e

    def _parts(self) -> list[list[tuple[float, int | None]]]:
        return [[t._part() for t in getattr(self, m)] for m in METRICS]


def _listed(given: object, name: str) -> list[Any]:
    if not _iterable(given):
        raise ArgumentTypeError(f"{name} thresholds must be a list, got {type(given).__name__}")
    return list(given)  # type: ignore[call-overload]


def _thresholds(given: object, name: str) -> tuple[Threshold, ...]:
    out = []
    for t in _listed(given, name):
        if not isinstance(t, Threshold):
            raise ArgumentTypeError(f"{name} thresholds must be Threshold objects, got {t!r}")
        out.append(t)
    return tuple(out)
