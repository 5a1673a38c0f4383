"""The CLTV study: BG/NBD and Gamma-Gamma fitted in Rust, the same optimum as ``lifetimes``.

The models follow ``lifetimes`` 0.11.3 (Fader, Hardie & Lee 2005; Fader & Hardie 2013): the
same objective (``-mean(weights * LL) + penalizer * sum(params**2)`` in log-parameters, times
scaled by ``1 / max(T)`` during the BG/NBD fit, as lifetimes' ``_scale_time`` does), the same
start, the same predictions. Names follow lifetimes so the seeds' code ports line for line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any, Literal, Union

import numpy as np
import pandas as pd

from . import _flo_rfm
from ._frames import Kind, to_kind
from ._pandas import text_series
from .data import Source, load
from .segmentation import DateLike, _days

__all__ = ["BetaGeo", "CltvResult", "GammaGamma", "cltv"]

ArrayLike = Union[Sequence[float], np.ndarray, pd.Series]
_FACTORS = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24}


def _arr(values: ArrayLike) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values, dtype="float64"))


def _like(result: np.ndarray, template: ArrayLike) -> np.ndarray | pd.Series:
    """Results come back as a Series when the input was one (keeping its index)."""
    if isinstance(template, pd.Series):
        return pd.Series(result, index=template.index)
    return result


class _Model:
    _names: tuple[str, ...] = ()
    _kind = ""

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = float(penalizer_coef)
        self._params: pd.Series | None = None
        self.fit_info_: dict[str, float] = {}
        self._data: dict[str, np.ndarray] | None = None

    @property
    def params_(self) -> pd.Series:
        """The fitted parameters (raises ``ValueError`` before ``fit``)."""
        if self._params is None:
            raise ValueError(f"{type(self).__name__} is not fitted: call fit(...) first")
        return self._params

    @params_.setter
    def params_(self, value: pd.Series) -> None:
        self._params = value

    def __repr__(self) -> str:
        if self._params is None:
            return f"<{type(self).__name__}: not fitted, penalizer_coef={self.penalizer_coef}>"
        params = ", ".join(f"{k}: {v:.4g}" for k, v in self.params_.items())
        customers = self.fit_info_.get("customers", 0)
        return f"<{type(self).__name__}: fitted with {customers:.0f} customers, {params}>"

    def _p(self) -> list[float]:
        return [float(self.params_[n]) for n in self._names]

    def _set(self, params: Sequence[float], info: tuple[int, float, float, int], customers: int) -> None:
        self.params_ = pd.Series(list(params), index=list(self._names), dtype="float64")
        iterations, objective, grad, groups = info
        self.fit_info_ = {
            "iterations": iterations,
            "objective": objective,
            "gradient_norm": grad,
            "groups": groups,
            "customers": customers,
        }

    @property
    def summary(self) -> pd.DataFrame:
        """The fitted parameters with the fit's diagnostics as attributes of the table.

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.cltv(flo_rfm.datasets.sample(2000)).ggf.summary.index.tolist()
        ['p', 'q', 'v']
        """
        table = pd.DataFrame({"coef": self.params_})
        table.attrs.update(self.fit_info_)
        return table

    def to_json(self) -> str:
        """The fitted model as JSON (``from_json`` reads it back).

        Examples
        --------
        >>> import flo_rfm
        >>> bgf = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).bgf
        >>> flo_rfm.BetaGeo.from_json(bgf.to_json()).params_.equals(bgf.params_)
        True
        """
        return json.dumps(
            {
                "model": self._kind,
                "penalizer_coef": self.penalizer_coef,
                "params": dict(zip(self._names, self._p())),
                "fit_info": self.fit_info_,
            }
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to a JSON file.

        Examples
        --------
        >>> import flo_rfm, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "ggf.json")
        >>> ggf = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).ggf
        >>> ggf.save(path); flo_rfm.GammaGamma.load(path).params_.equals(ggf.params_)
        True
        """
        from .output import _atomic_text

        _atomic_text(os.fspath(path), self.to_json())

    @classmethod
    def from_json(cls, text: str) -> Any:
        data = json.loads(text)
        if data.get("model") != cls._kind:
            raise ValueError(f"this JSON holds a {data.get('model')!r} model, not {cls._kind!r}")
        model = cls(data["penalizer_coef"])
        model.params_ = pd.Series(data["params"], dtype="float64")[list(cls._names)]
        model.fit_info_ = data.get("fit_info", {})
        return model

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Any:
        """Read a model written by ``save``.

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.GammaGamma.from_json('{"model": "GammaGamma", "penalizer_coef": 0.01, '
        ...                              '"params": {"p": 4.0, "q": 0.5, "v": 4.0}}').params_.tolist()
        [4.0, 0.5, 4.0]
        """
        with open(path, encoding="utf-8") as fh:
            return cls.from_json(fh.read())


class BetaGeo(_Model):
    """BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005), as lifetimes'
    ``BetaGeoFitter``.

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty on the parameters (the seeds use 0.001).

    Examples
    --------
    >>> import flo_rfm
    >>> res = flo_rfm.cltv(flo_rfm.datasets.sample(3000))
    >>> list(res.bgf.params_.index)
    ['r', 'alpha', 'a', 'b']

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "Counting Your Customers the Easy Way:
    An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284.
    """

    _names = ("r", "alpha", "a", "b")
    _kind = "BetaGeo"

    def fit(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights: ArrayLike | None = None
    ) -> BetaGeo:
        """Maximum-likelihood fit; identical ``(frequency, recency, T)`` rows are collapsed.

        Raises :class:`~flo_rfm.exceptions.ConvergenceError` if the optimiser does not converge.

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
        >>> bgf = flo_rfm.BetaGeo(penalizer_coef=0.001)
        >>> bgf.fit(t["frequency"], t["recency_cltv_weekly"], t["T_weekly"]) is bgf
        True
        >>> sorted(bgf.fit_info_)
        ['customers', 'gradient_norm', 'groups', 'iterations', 'objective']
        """
        x = _arr(frequency)
        w = None if weights is None else _arr(weights)
        rec, big_t = _arr(recency), _arr(T)
        params, _scale, info = _flo_rfm.fit_bgnbd(x, rec, big_t, w, self.penalizer_coef)
        self._set(params, info, len(x))
        self._data = {"frequency": x, "recency": rec, "T": big_t}
        return self

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray | pd.Series:
        """Expected purchases in the next ``t`` time units for customers with this history.

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
        >>> history = t["frequency"], t["recency_cltv_weekly"], t["T_weekly"]
        >>> bgf = flo_rfm.BetaGeo(0.001).fit(*history)
        >>> bgf.predict(12, *history).index.equals(t.index)
        True
        """
        out = _flo_rfm.bgnbd_expected(self._p(), float(t), _arr(frequency), _arr(recency), _arr(T))
        return _like(out, frequency)

    predict = conditional_expected_number_of_purchases_up_to_time

    def expected_number_of_purchases_up_to_time(self, t: ArrayLike) -> np.ndarray:
        """Expected purchases of a new customer in ``t`` time units.

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
        >>> history = t["frequency"], t["recency_cltv_weekly"], t["T_weekly"]
        >>> bgf = flo_rfm.BetaGeo(0.001).fit(*history)
        >>> bool(bgf.expected_number_of_purchases_up_to_time([4, 8])[1] > 0)
        True
        """
        return _flo_rfm.bgnbd_expected_new(self._p(), _arr(np.atleast_1d(t)))

    def conditional_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray | pd.Series:
        """P(customer still active | history).

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
        >>> history = t["frequency"], t["recency_cltv_weekly"], t["T_weekly"]
        >>> bgf = flo_rfm.BetaGeo(0.001).fit(*history)
        >>> p = bgf.conditional_probability_alive(*history)
        >>> bool(((p >= 0) & (p <= 1)).all())
        True
        """
        out = _flo_rfm.bgnbd_palive(self._p(), _arr(frequency), _arr(recency), _arr(T))
        return _like(out, frequency)


class GammaGamma(_Model):
    """Gamma-Gamma model of average spend (Fader & Hardie 2013), as lifetimes'
    ``GammaGammaFitter``. Needs frequency > 0 and monetary value > 0.

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma Model of Monetary Value".
    """

    _names = ("p", "q", "v")
    _kind = "GammaGamma"

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
    ) -> GammaGamma:
        """Maximum-likelihood fit; raises ``InvalidArgumentError`` for monetary values <= 0.

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
        >>> ggf = flo_rfm.GammaGamma(penalizer_coef=0.01).fit(t["frequency"], t["monetary_cltv_avg"])
        >>> ggf.params_.index.tolist()
        ['p', 'q', 'v']
        """
        x = _arr(frequency)
        w = None if weights is None else _arr(weights)
        params, info = _flo_rfm.fit_gamma_gamma(x, _arr(monetary_value), w, self.penalizer_coef)
        self._set(params, info, len(x))
        return self

    def conditional_expected_average_profit(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> np.ndarray | pd.Series:
        """E[average spend | frequency, mean spend].

        Examples
        --------
        >>> import flo_rfm
        >>> ggf = flo_rfm.GammaGamma(0.01).fit([2, 3, 5, 2, 4], [100.0, 80.0, 120.0, 60.0, 90.0])
        >>> ggf.conditional_expected_average_profit([2], [100.0]).shape
        (1,)
        """
        out = _flo_rfm.gg_expected_profit(self._p(), _arr(frequency), _arr(monetary_value))
        return _like(out, frequency)

    def customer_lifetime_value(
        self,
        transaction_prediction_model: BetaGeo,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        monetary_value: ArrayLike,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: Literal["W", "M", "D", "H"] = "D",
    ) -> np.ndarray | pd.Series:
        """Discounted CLV over ``time`` months; ``freq`` is the unit T was measured in
        (``"W"``: 4.345 weeks a month, as lifetimes).

        Examples
        --------
        >>> import flo_rfm
        >>> res = flo_rfm.cltv(flo_rfm.datasets.sample(2000))
        >>> t = res.to_pandas()
        >>> clv = res.ggf.customer_lifetime_value(res.bgf, t["frequency"], t["recency_cltv_weekly"],
        ...                                       t["T_weekly"], t["monetary_cltv_avg"], time=6, freq="W")
        >>> bool((clv == t["cltv"]).all())
        True
        """
        if freq not in _FACTORS:
            raise ValueError(f"freq must be one of {sorted(_FACTORS)}, got {freq!r}")
        out = _flo_rfm.customer_lifetime_value(
            transaction_prediction_model._p(),
            self._p(),
            _arr(frequency),
            _arr(recency),
            _arr(T),
            _arr(monetary_value),
            int(time),
            float(discount_rate),
            _FACTORS[freq],
        )
        return _like(out, frequency)


class CltvResult:
    """The CLTV study's outputs: ``table`` (the seeds' ``cltv_final``), the fitted ``bgf`` and
    ``ggf``, the capping ``thresholds`` and the ``analysis_date``."""

    def __init__(
        self,
        table: pd.DataFrame,
        bgf: BetaGeo,
        ggf: GammaGamma,
        thresholds: pd.DataFrame,
        analysis_date: pd.Timestamp,
        kind: Kind = "pandas",
    ) -> None:
        self._table = table
        self.kind: Kind = kind
        self.bgf = bgf
        self.ggf = ggf
        self.thresholds = thresholds
        self.analysis_date = analysis_date

    def __repr__(self) -> str:
        return f"<CltvResult: {len(self._table)} customers, analysis date {self.analysis_date.date()}>"

    @property
    def table(self) -> Any:
        """The seeds' ``cltv_final``, as the kind of table the data came in.

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.cltv(flo_rfm.datasets.sample(2000)).table.index.name
        'master_id'
        """
        return to_kind(self._table, self.kind)

    def to_pandas(self) -> pd.DataFrame:
        """``cltv_final`` as a pandas DataFrame indexed by ``master_id``.

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()["cltv_segment"].cat.categories.tolist()
        ['D', 'C', 'B', 'A']
        """
        return self._table.copy()

    def segment_summary(self) -> Any:
        """Per CLTV segment: count, mean and sum of each numeric column.

        Examples
        --------
        >>> import flo_rfm
        >>> s = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).segment_summary()
        >>> s.index.tolist()
        ['D', 'C', 'B', 'A']
        """
        t = self._table
        numeric = t.drop(columns=["cltv_segment"])
        summary = numeric.groupby(t["cltv_segment"], observed=False).agg(["count", "mean", "sum"])
        return to_kind(summary, self.kind)


def cltv(
    source: Source,
    *,
    months: int = 6,
    analysis_date: DateLike | None = None,
    bg_penalizer: float = 0.001,
    gg_penalizer: float = 0.01,
    discount_rate: float = 0.01,
    frequency: Literal["orders", "repeat_orders"] = "orders",
    segments: int = 4,
    **read_options: object,
) -> CltvResult:
    """The seeds' CLTV study in one call.

    Steps: cap outliers of the four order/value columns (quantiles 0.01/0.99, 1.5 × range,
    Python's ``round``), add totals, build ``recency_cltv_weekly``, ``T_weekly``, ``frequency``,
    ``monetary_cltv_avg``; fit BG/NBD (penalizer 0.001) and Gamma-Gamma (0.01); predict 3- and
    6-month purchases, the expected average value and the CLV over ``months``; cut the CLV into
    ``segments`` quantile groups labelled ``D, C, B, A`` (worst to best).

    Parameters
    ----------
    frequency : {"orders", "repeat_orders"}
        ``"orders"`` (the seeds'): all orders, customers with more than one kept.
        ``"repeat_orders"`` (the textbook BTYD definition): orders − 1, the same customers.

    Examples
    --------
    >>> import flo_rfm
    >>> res = flo_rfm.cltv(flo_rfm.datasets.sample(3000))
    >>> list(res.table.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['recency_cltv_weekly', 'T_weekly', 'frequency', 'monetary_cltv_avg', 'exp_sales_3_month',
     'exp_sales_6_month', 'exp_average_value', 'cltv', 'cltv_segment']
    """
    if frequency not in ("orders", "repeat_orders"):
        raise ValueError(f"frequency must be 'orders' or 'repeat_orders', got {frequency!r}")
    data = load(source, **read_options)
    ad = _days(analysis_date) if analysis_date is not None else None
    day, rows, rec, T, freq, mon, thresholds = data._frame.cltv_frame(ad, frequency == "repeat_orders")
    ids = data._frame.ids_at(rows)
    bgf = BetaGeo(bg_penalizer).fit(freq, rec, T)
    ggf = GammaGamma(gg_penalizer).fit(freq, mon)
    table = pd.DataFrame(
        {
            "recency_cltv_weekly": rec,
            "T_weekly": T,
            "frequency": freq,
            "monetary_cltv_avg": mon,
            "exp_sales_3_month": bgf.predict(4 * 3, freq, rec, T),
            "exp_sales_6_month": bgf.predict(4 * 6, freq, rec, T),
            "exp_average_value": ggf.conditional_expected_average_profit(freq, mon),
            "cltv": ggf.customer_lifetime_value(
                bgf, freq, rec, T, mon, time=months, freq="W", discount_rate=discount_rate
            ),
        },
        index=pd.Index(text_series(ids, pd.RangeIndex(len(ids)), "master_id").to_numpy(), name="master_id"),
    )
    bad = ~np.isfinite(table.to_numpy(dtype="float64")).all(axis=1)
    if bad.any():
        from .exceptions import ConvergenceError

        first = table.index[int(np.flatnonzero(bad)[0])]
        raise ConvergenceError(
            f"{int(bad.sum())} customer(s) got a non-finite prediction (first: {first}); the fitted "
            f"parameters are {dict(bgf.params_)} and {dict(ggf.params_)}. Try larger penalizers."
        )
    labels = [chr(ord("A") + i) for i in range(segments)][::-1]
    codes, _edges = _flo_rfm.qcut_codes(np.ascontiguousarray(table["cltv"].to_numpy()), q=segments)
    table["cltv_segment"] = pd.Categorical.from_codes(codes, categories=labels, ordered=True)
    names = [
        "order_num_total_ever_online",
        "order_num_total_ever_offline",
        "customer_value_total_ever_offline",
        "customer_value_total_ever_online",
    ]
    th = pd.DataFrame(thresholds, index=names, columns=["low", "up"])
    when = pd.Timestamp("1970-01-01") + pd.Timedelta(days=day)
    return CltvResult(table, bgf, ggf, th, when, data.kind)
