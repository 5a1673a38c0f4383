"""Campaign target rules as data: which segments, which interest categories, and bounds on a
metric stated with their inclusiveness (``>= 250`` and ``> 250`` are one rule with another
bound). Rules print as a sentence, save as JSON, and are applied by the core
(:meth:`flo_rfm.RfmResult.select`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from . import _flo_rfm
from ._frames import argument_errors, as_float
from .exceptions import ArgumentTypeError, InvalidArgumentError

__all__ = ["Bound", "Rule", "discount_rule", "new_brand_rule"]

Metric = Literal["recency", "frequency", "monetary", "average_order_value"]
_RFM_METRICS = ("recency", "frequency", "monetary", "average_order_value")
#: The CLV columns of the customer table (:func:`flo_rfm.customers`) a bound may be on.
CLV_METRICS = ("p_alive", "exp_sales_3_month", "exp_sales_6_month", "exp_average_value", "cltv")
_METRICS = _RFM_METRICS + CLV_METRICS


@dataclass(frozen=True)
class Bound:
    """Bounds on one metric: ``min``/``max`` (``None`` = open), each inclusive unless said.

    ``metric`` is ``recency``, ``frequency``, ``monetary`` (total spend) or
    ``average_order_value`` (monetary / frequency); or, on the customer table of
    :func:`flo_rfm.customers` only, a CLV column: ``p_alive``, ``exp_sales_3_month``,
    ``exp_sales_6_month``, ``exp_average_value`` or ``cltv``. A customer whose metric is
    missing (a CLV column of a customer the CLTV study left out) never passes.

    Examples
    --------
    >>> from flo_rfm.rules import Bound
    >>> Bound("average_order_value", min=250).describe()
    'average_order_value >= 250'
    >>> Bound("monetary", min=250, min_inclusive=False).describe()
    'monetary > 250'
    """

    metric: str
    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True

    def __post_init__(self) -> None:
        if self.metric not in _METRICS:
            raise InvalidArgumentError(f"metric must be one of {', '.join(_METRICS)}, got {self.metric!r}")
        for name in ("min", "max"):
            value = getattr(self, name)
            if value is not None:
                value = as_float(value, name)
                if math.isnan(value):
                    raise InvalidArgumentError(f"{name} of a bound on {self.metric} is NaN")
                object.__setattr__(self, name, value)
        if self.min is not None and self.max is not None and self.min > self.max:
            raise InvalidArgumentError(f"bound on {self.metric}: min {self.min} is above max {self.max}")

    def describe(self) -> str:
        """The bound as a condition, e.g. ``50 <= recency < 100``."""
        low = "" if self.min is None else f"{_number(self.min)} {'<=' if self.min_inclusive else '<'} "
        high = "" if self.max is None else f" {'<=' if self.max_inclusive else '<'} {_number(self.max)}"
        if self.min is not None and self.max is None:
            return f"{self.metric} {'>=' if self.min_inclusive else '>'} {_number(self.min)}"
        return f"{low}{self.metric}{high}" if (low or high) else f"{self.metric} (any)"

    def passes(self, values: np.ndarray) -> np.ndarray:
        """Which of ``values`` (the metric's column) meet the bound; NaN never does.

        Examples
        --------
        >>> import numpy as np
        >>> Bound("p_alive", max=0.5, max_inclusive=False).passes(np.array([0.2, 0.5, np.nan])).tolist()
        [True, False, False]
        """
        v = np.asarray(values, dtype="float64")
        ok = ~np.isnan(v)
        if self.min is not None:
            ok &= (v >= self.min) if self.min_inclusive else (v > self.min)
        if self.max is not None:
            ok &= (v <= self.max) if self.max_inclusive else (v < self.max)
        return ok

    def _core(self) -> tuple[str, float | None, float | None, bool, bool]:
        return (self.metric, self.min, self.max, self.min_inclusive, self.max_inclusive)


@dataclass(frozen=True)
class Rule:
    """A campaign's target customers: all of the conditions hold.

    Parameters
    ----------
    name : str
        What the list is called (the file name stem when written).
    segments : sequence of str, optional
        Keep these segments only (``None``: any segment).
    categories : sequence of str, optional
        Interest categories (``interested_in_categories_12``); ``None``: any.
    match : {"substring", "token"}
        ``"substring"`` matches the raw list text as pandas' ``str.contains`` does (``COCUK``
        also matches ``AKTIFCOCUK``); ``"token"`` matches whole list items.
    combine : {"any", "all"}
        Whether one or all of ``categories`` must match.
    bounds : sequence of Bound
        Bounds on metrics, all of which must hold.
    clv_segments : sequence of str, optional
        Keep these CLV segments only (``A``...``D``); like bounds on CLV columns, only the
        customer table of :func:`flo_rfm.customers` can apply it.

    Examples
    --------
    >>> import flo_rfm
    >>> from flo_rfm.rules import Bound, Rule
    >>> rule = Rule("big_spenders", segments=["champions"], bounds=[Bound("monetary", min=1000)])
    >>> rule.describe()
    'segment in champions; monetary >= 1000'
    >>> Rule.from_json(rule.to_json()) == rule
    True
    >>> ids = flo_rfm.rfm(flo_rfm.datasets.sample(2000)).select(rule)
    """

    name: str
    segments: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None
    match: Literal["substring", "token"] = "substring"
    combine: Literal["any", "all"] = "any"
    bounds: tuple[Bound, ...] = field(default_factory=tuple)
    clv_segments: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("segments", "categories", "clv_segments"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            if value is not None:
                if not isinstance(value, Sequence):
                    raise ArgumentTypeError(f"{name} must be a list of str, got {type(value).__name__}")
                value = tuple(value)
                if not all(isinstance(v, str) for v in value):
                    raise ArgumentTypeError(f"{name} must be a list of str, got {value!r}")
            object.__setattr__(self, name, value)
        if self.match not in ("substring", "token"):
            raise InvalidArgumentError(f'match must be "substring" or "token", got {self.match!r}')
        if self.combine not in ("any", "all"):
            raise InvalidArgumentError(f'combine must be "any" or "all", got {self.combine!r}')
        bounds = tuple(self.bounds)
        if not all(callable(getattr(b, "describe", None)) and hasattr(b, "min_inclusive") for b in bounds):
            raise ArgumentTypeError("bounds must be a list of flo_rfm.rules.Bound")
        object.__setattr__(self, "bounds", bounds)

    def describe(self) -> str:
        """The rule as one line a marketer can read."""
        parts = []
        if self.segments is not None:
            parts.append("segment in " + ", ".join(self.segments))
        if self.categories is not None:
            how = "contains" if self.match == "substring" else "lists"
            joined = f" {'or' if self.combine == 'any' else 'and'} ".join(self.categories)
            parts.append(f"interests {how} {joined}")
        if self.clv_segments is not None:
            parts.append("CLV segment in " + ", ".join(self.clv_segments))
        parts.extend(b.describe() for b in self.bounds)
        return "; ".join(parts) or "every customer"

    @property
    def needs_clv(self) -> bool:
        """Whether the rule has a CLV condition (then only the customer table applies it)."""
        return self.clv_segments is not None or any(b.metric in CLV_METRICS for b in self.bounds)

    def to_dict(self) -> dict[str, Any]:
        """The rule as plain data (JSON-serialisable); ``clv_segments`` only when set, so an
        RFM rule's data is what it was before CLV conditions existed."""
        out = asdict(self)
        for key in ("segments", "categories", "clv_segments"):
            if out[key] is not None:
                out[key] = list(out[key])
        if out["clv_segments"] is None:
            del out["clv_segments"]
        out["bounds"] = [asdict(b) for b in self.bounds]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        """A rule from :meth:`to_dict`'s data."""
        if not isinstance(data, Mapping):
            raise ArgumentTypeError(f"a rule must be a mapping, got {type(data).__name__}")
        known = {"name", "segments", "categories", "match", "combine", "bounds", "clv_segments"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidArgumentError(f"unknown rule keys {unknown}; a rule has {sorted(known)}")
        bounds = tuple(Bound(**b) for b in data.get("bounds", ()))
        return cls(**{**dict(data), "bounds": bounds})

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> Rule:
        """A rule from :meth:`to_json`'s text."""
        return cls.from_dict(json.loads(text))

    def _core(self) -> tuple[Any, ...]:
        """The rule as the core's RFM selection takes it; a CLV condition is refused here."""
        if self.needs_clv:
            raise InvalidArgumentError(
                f"the rule {self.describe()!r} has CLV conditions: select on the customer table "
                "(flo_rfm.customers(...).select), which has the CLV columns"
            )
        return self._rfm_core()

    def _rfm_core(self) -> tuple[Any, ...]:
        """The rule's RFM conditions as the core takes them (CLV conditions left out)."""
        return (
            None if self.segments is None else list(self.segments),
            None if self.categories is None else list(self.categories),
            self.match,
            self.combine,
            [b._core() for b in self.bounds if b.metric not in CLV_METRICS],
        )


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _standard(which: int, name: str, match: str) -> Rule:
    with argument_errors():
        segments, categories, match_word, combine, bounds = _flo_rfm.standard_rules(match)[which]
    return Rule(
        name,
        segments=None if segments is None else tuple(segments),
        categories=None if categories is None else tuple(categories),
        match=match_word,  # type: ignore[arg-type]
        combine=combine,  # type: ignore[arg-type]
        bounds=tuple(Bound(*b) for b in bounds),
    )


def new_brand_rule(
    match: Literal["substring", "token"] = "substring",
    *,
    spend: Literal["average_order_value", "monetary"] | None = "average_order_value",
    at_least: float = 250.0,
    inclusive: bool = True,
) -> Rule:
    """The new women's-shoe brand campaign: champions and loyal customers interested in
    ``KADIN`` who spend at least 250 — by default an average order (monetary / frequency)
    ``>= 250``, the core's standard rule. The other readings published for this brief are the
    same rule with another bound: ``inclusive=False`` (``> 250``), ``spend="monetary"``
    (total spend) or ``spend=None`` (no spend bound at all).

    Examples
    --------
    >>> from flo_rfm.rules import new_brand_rule
    >>> new_brand_rule().describe()
    'segment in champions, loyal_customers; interests contains KADIN; average_order_value >= 250'
    >>> new_brand_rule(spend="monetary", inclusive=False).bounds[0].describe()
    'monetary > 250'
    """
    rule = _standard(0, "new_brand_targets", match)
    if spend not in ("average_order_value", "monetary", None):
        raise InvalidArgumentError(f'spend must be "average_order_value", "monetary" or None, got {spend!r}')
    bounds = () if spend is None else (Bound(spend, min=at_least, min_inclusive=inclusive),)
    return Rule(rule.name, rule.segments, rule.categories, rule.match, rule.combine, bounds)


def discount_rule(match: Literal["substring", "token"] = "substring") -> Rule:
    """The men's and children's discount campaign: ``cant_loose``, ``hibernating`` and
    ``new_customers`` interested in ``ERKEK`` or ``COCUK``, as the core's standard rule.

    Examples
    --------
    >>> from flo_rfm.rules import discount_rule
    >>> discount_rule().describe()
    'segment in cant_loose, hibernating, new_customers; interests contains ERKEK or COCUK'
    """
    return _standard(1, "discount_targets", match)


def bounds_of(bounds: Mapping[str, Sequence[float | None]] | Sequence[Bound] | None) -> tuple[Bound, ...]:
    """``select``'s ``bounds``: a list of :class:`Bound`, or ``{metric: (min, max)}`` (both
    inclusive, ``None`` for open)."""
    if bounds is None:
        return ()
    if isinstance(bounds, Mapping):
        out = []
        for key, pair in bounds.items():
            if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence):
                raise ArgumentTypeError(f"bounds[{key!r}] must be a (min, max) pair, got {pair!r}")
            if len(pair) != 2:
                raise InvalidArgumentError(f"bounds[{key!r}] must be a (min, max) pair, got {tuple(pair)!r}")
            out.append(Bound(key, min=pair[0], max=pair[1]))
        return tuple(out)
    if isinstance(bounds, Sequence) and all(hasattr(b, "min_inclusive") for b in bounds):
        return tuple(bounds)
    raise ArgumentTypeError(
        f"bounds must be a dict of (min, max) pairs or a list of Bound, got {type(bounds).__name__}"
    )


def rule_of(
    segments: Sequence[str] | str | None,
    categories: Sequence[str] | str | None,
    match: str,
    combine: str,
    min_average_order_value: float | None,
    bounds: Mapping[str, Sequence[float | None]] | Sequence[Bound] | None,
    clv_segments: Sequence[str] | str | None = None,
) -> Rule:
    """The rule :meth:`flo_rfm.RfmResult.select`'s (and the customer table's) keyword conditions describe."""
    extra = bounds_of(bounds)
    if min_average_order_value is not None:
        extra += (Bound("average_order_value", min=min_average_order_value),)
    for name, value in (("segments", segments), ("categories", categories), ("clv_segments", clv_segments)):
        if value is not None and not isinstance(value, str) and not isinstance(value, Sequence):
            raise ArgumentTypeError(f"{name} must be a list of str, got {type(value).__name__}")
    return Rule(
        "selection",
        segments=segments,  # type: ignore[arg-type]
        categories=categories,  # type: ignore[arg-type]
        match=match,  # type: ignore[arg-type]
        combine=combine,  # type: ignore[arg-type]
        bounds=extra,
        clv_segments=clv_segments,  # type: ignore[arg-type]
    )


def chosen_rule(
    rule: Rule | None,
    segments: Sequence[str] | str | None,
    categories: Sequence[str] | str | None,
    match: str,
    combine: str,
    min_average_order_value: float | None,
    bounds: Mapping[str, Sequence[float | None]] | Sequence[Bound] | None,
    clv_segments: Sequence[str] | str | None = None,
) -> Rule:
    """The rule a ``select()`` was given: ``rule`` itself, or the one its keyword conditions
    describe; both at once is an error."""
    conditions = (segments, categories, min_average_order_value, bounds, clv_segments)
    if rule is None:
        return rule_of(segments, categories, match, combine, min_average_order_value, bounds, clv_segments)
    # A Rule by what it offers: doctests may load this module twice.
    if not callable(getattr(rule, "_rfm_core", None)):
        raise ArgumentTypeError(f"rule must be a flo_rfm.rules.Rule, got {type(rule).__name__}")
    if conditions != (None,) * len(conditions):
        raise InvalidArgumentError("pass either a rule or the conditions, not both")
    return rule
