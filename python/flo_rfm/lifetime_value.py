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

from . import _arrow, _flo_rfm
from ._frames import Kind, argument_errors, as_float, as_int, as_path, to_kind
from ._pandas import text_series
from .data import CustomerData, Source, load
from .exceptions import ArgumentTypeError, FloRfmError, InputError, InvalidArgumentError
from .segmentation import DateLike, _days

__all__ = [
    "PERIODS_PER_MONTH",
    "BetaGeo",
    "CltvResult",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "bootstrap_clv",
    "cltv",
]

ArrayLike = Union[Sequence[float], np.ndarray, pd.Series]
TimeUnit = Literal["D", "W", "M", "H"]

#: Model time units in one CLV month, by unit name: lifetimes' ``freq`` factors. ``"W"`` is the
#: seeds' 4.345 weeks a month; a CLV is only ever computed in the unit its model was fitted in.
PERIODS_PER_MONTH: dict[str, float] = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24}


def _arr(values: ArrayLike) -> np.ndarray:
    try:
        return np.ascontiguousarray(np.asarray(values, dtype="float64"))
    except TypeError as e:
        raise ArgumentTypeError(f"expected an array of numbers, got {type(values).__name__}: {e}") from e
    except ValueError as e:
        raise InvalidArgumentError(f"expected an array of numbers: {e}") from e


def _like(result: np.ndarray, template: ArrayLike) -> np.ndarray | pd.Series:
    """Results come back as a Series when the input was one (keeping its index)."""
    if isinstance(template, pd.Series):
        return pd.Series(result, index=template.index)
    return result


def _check_unit(unit: str | None) -> str | None:
    if unit is not None and unit not in PERIODS_PER_MONTH:
        raise InvalidArgumentError(
            f"time_unit must be one of {sorted(PERIODS_PER_MONTH)} or None, got {unit!r}"
        )
    return unit


class _Model:
    _names: tuple[str, ...] = ()
    _kind = ""

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = as_float(penalizer_coef, "penalizer_coef")
        self._params: pd.Series | None = None
        self.fit_info_: dict[str, float] = {}
        self._covariance: np.ndarray | None = None

    @property
    def params_(self) -> pd.Series:
        """The fitted parameters (raises ``ValueError`` before ``fit``)."""
        if self._params is None:
            raise InvalidArgumentError(f"{type(self).__name__} is not fitted: call fit(...) first")
        return self._params

    @params_.setter
    def params_(self, value: pd.Series) -> None:
        self._params = value

    def _repr_html_(self) -> str:
        from ._html import card

        if self._params is None:
            return card(type(self).__name__, [("fitted", "no"), ("penalizer_coef", self.penalizer_coef)])
        facts = [(k, f"{v:.6g}") for k, v in self.fit_info_.items()]
        return card(type(self).__name__, facts, self.summary)

    def __repr__(self) -> str:
        if self._params is None:
            return f"<{type(self).__name__}: not fitted, penalizer_coef={self.penalizer_coef}>"
        params = ", ".join(f"{k}: {v:.4g}" for k, v in self.params_.items())
        customers = self.fit_info_.get("customers", 0)
        return f"<{type(self).__name__}: fitted with {customers:.0f} customers, {params}>"

    def _p(self) -> list[float]:
        return [float(self.params_[n]) for n in self._names]

    def _set(
        self,
        params: Sequence[float],
        info: tuple[int, float, float, int],
        customers: int,
        covariance: Sequence[float],
    ) -> None:
        self.params_ = pd.Series(list(params), index=list(self._names), dtype="float64")
        k = len(self._names)
        self._covariance = np.asarray(covariance, dtype="float64").reshape(k, k)
        iterations, objective, grad, groups = info
        self.fit_info_ = {
            "iterations": iterations,
            "objective": objective,
            "gradient_norm": grad,
            "groups": groups,
            "customers": customers,
        }

    @property
    def variance_matrix_(self) -> pd.DataFrame:
        """The parameters' covariance from the Hessian of the objective at the optimum (delta
        method from the log-parameters); its diagonal is lifetimes' ``variance_matrix_``'s.

        Examples
        --------
        >>> import flo_rfm
        >>> ggf = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).ggf
        >>> ggf.variance_matrix_.shape
        (3, 3)
        """
        if self._covariance is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} has no covariance: fit it (a loaded model has none)"
            )
        names = list(self._names)
        return pd.DataFrame(self._covariance, index=names, columns=names)

    @property
    def standard_errors_(self) -> pd.Series:
        """Standard errors of the parameters (square roots of ``variance_matrix_``'s diagonal)."""
        return pd.Series(np.sqrt(np.diag(self.variance_matrix_.to_numpy())), index=list(self._names))

    @property
    def confidence_intervals_(self) -> pd.DataFrame:
        """95% intervals, ``coef +- 1.96 se`` (as lifetimes)."""
        se = self.standard_errors_
        return pd.DataFrame(
            {"lower 95% bound": self.params_ - 1.96 * se, "upper 95% bound": self.params_ + 1.96 * se}
        )

    @property
    def summary(self) -> pd.DataFrame:
        """Parameters, standard errors and 95% intervals (lifetimes' ``summary`` columns), with the
        fit's diagnostics as attributes of the table.

        Examples
        --------
        >>> import flo_rfm
        >>> s = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).ggf.summary
        >>> s.index.tolist(), s.columns.tolist()[:2]
        (['p', 'q', 'v'], ['coef', 'se(coef)'])
        """
        table = pd.DataFrame({"coef": self.params_})
        if self._covariance is not None:
            table["se(coef)"] = self.standard_errors_
            table = table.join(self.confidence_intervals_)
        table.attrs.update(self.fit_info_)
        return table

    def _json_fields(self) -> dict[str, Any]:
        return {}

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
                "covariance": None if self._covariance is None else self._covariance.ravel().tolist(),
                **self._json_fields(),
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

        _atomic_text(as_path(path), self.to_json())

    @classmethod
    def from_json(cls, text: str) -> Any:
        if not isinstance(text, (str, bytes, bytearray)):
            raise ArgumentTypeError(f"from_json takes the JSON text, got {type(text).__name__}")
        try:
            data = json.loads(text)
        except ValueError as e:
            raise InputError(f"not a {cls._kind} model: the text is not JSON ({e})") from e
        if not isinstance(data, dict) or data.get("model") != cls._kind:
            held = data.get("model") if isinstance(data, dict) else None
            raise InputError(f"this JSON holds a {held!r} model, not {cls._kind!r}")
        try:
            model = cls(data["penalizer_coef"])
            model.params_ = pd.Series(data["params"], dtype="float64")[list(cls._names)]
            model.fit_info_ = data.get("fit_info", {})
            if data.get("covariance") is not None:
                k = len(cls._names)
                model._covariance = np.asarray(data["covariance"], dtype="float64").reshape(k, k)
            if "time_unit" in data:
                model.time_unit = _check_unit(data["time_unit"])
        except FloRfmError as e:
            raise InputError(f"this {cls._kind} JSON is not a model flo_rfm wrote: {e}") from e
        except (KeyError, TypeError, ValueError) as e:
            what = f"no {e}" if isinstance(e, KeyError) else str(e)
            raise InputError(f"this {cls._kind} JSON is not a model flo_rfm wrote: {what}") from e
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
        from .output import file_errors

        path = as_path(path)
        try:
            with file_errors(), open(path, encoding="utf-8") as fh:
                text = fh.read()
        except UnicodeDecodeError as e:
            raise InputError(f"{path}: not a model file flo_rfm wrote: {e}") from e
        return cls.from_json(text)


class _PurchaseModel(_Model):
    """What the three purchase models share: fit, predictions, P(alive), the time unit."""

    _rust = ""

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        super().__init__(penalizer_coef)
        #: The unit ``recency`` and ``T`` were measured in (``"D"``, ``"W"``, ``"M"``, ``"H"``),
        #: if given to ``fit``; CLV checks it.
        self.time_unit: str | None = None

    def _json_fields(self) -> dict[str, Any]:
        return {"time_unit": self.time_unit}

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
        *,
        time_unit: TimeUnit | None = None,
    ) -> Any:
        """Maximum-likelihood fit of lifetimes' objective; identical ``(frequency, recency, T)``
        rows are collapsed, standard errors come from the Hessian at the optimum.

        ``time_unit`` names the unit of ``recency`` and ``T`` (``"D"`` days, ``"W"`` weeks,
        ``"M"`` months, ``"H"`` hours) so that a CLV from this model is computed in it.
        Raises :class:`~flo_rfm.exceptions.ConvergenceError` if the optimiser does not converge.

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
        >>> bgf = flo_rfm.BetaGeo(penalizer_coef=0.001)
        >>> bgf.fit(t["frequency"], t["recency_cltv_weekly"], t["T_weekly"], time_unit="W") is bgf
        True
        >>> sorted(bgf.fit_info_)
        ['customers', 'gradient_norm', 'groups', 'iterations', 'objective']
        """
        x = _arr(frequency)
        w = None if weights is None else _arr(weights)
        rec, big_t = _arr(recency), _arr(T)
        self.time_unit = _check_unit(time_unit)
        from .progress import run_watched

        with argument_errors():  # watched: Ctrl-C stops the fit at its next evaluation
            fitted = run_watched(
                lambda c: _flo_rfm.fit_purchases(self._rust, x, rec, big_t, w, self.penalizer_coef, c)
            )
        params, _scale, info, cov = fitted
        self._set(params, info, len(x), cov)
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
        out = _flo_rfm.purchases_expected(
            self._rust, self._p(), as_float(t, "t"), _arr(frequency), _arr(recency), _arr(T)
        )
        return _like(out, frequency)

    def predict(
        self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray | pd.Series:
        """Alias of ``conditional_expected_number_of_purchases_up_to_time`` (as lifetimes).

        Examples
        --------
        >>> import flo_rfm
        >>> bgf = flo_rfm.BetaGeo(penalizer_coef=0.01)
        >>> bgf = bgf.fit([0, 2, 5, 1, 3], [0, 10, 30, 4, 20], [40, 40, 40, 30, 35])
        >>> bgf.predict(4, [2], [10], [40]).shape
        (1,)
        """
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)

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
        return _flo_rfm.purchases_expected_new(self._rust, self._p(), _arr(np.atleast_1d(t)))

    def conditional_probability_alive(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, future_t: float = 0.0
    ) -> np.ndarray | pd.Series:
        """P(customer still active | history), now or ``future_t`` time units from now.

        With ``future_t > 0`` it is the probability of being alive at ``T + future_t`` for a
        customer who makes no purchase until then (the history seen at that later date), as
        pymc-marketing's ``expected_probability_alive(future_t=...)``.

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
        >>> history = t["frequency"], t["recency_cltv_weekly"], t["T_weekly"]
        >>> bgf = flo_rfm.BetaGeo(0.001).fit(*history)
        >>> p = bgf.conditional_probability_alive(*history)
        >>> bool(((p >= 0) & (p <= 1)).all())
        True
        >>> bool((bgf.conditional_probability_alive(*history, future_t=12) <= p).all())
        True
        """
        ahead = as_float(future_t, "future_t")
        if not (np.isfinite(ahead) and ahead >= 0):
            raise InvalidArgumentError(f"future_t must be a number >= 0, got {future_t!r}")
        later = _arr(T) + ahead
        out = _flo_rfm.purchases_palive(self._rust, self._p(), _arr(frequency), _arr(recency), later)
        return _like(out, frequency)


class BetaGeo(_PurchaseModel):
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
    _rust = "bgnbd"


class ModifiedBetaGeo(_PurchaseModel):
    """Modified BG/NBD (Batislam, Denizel & Filiztekin 2007), as lifetimes'
    ``ModifiedBetaGeoFitter``: a customer may also drop out right after the first purchase, so
    customers with no repeat purchase are not all alive.

    Examples
    --------
    >>> import flo_rfm
    >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
    >>> mbg = flo_rfm.ModifiedBetaGeo(0.001).fit(t["frequency"], t["recency_cltv_weekly"], t["T_weekly"])
    >>> list(mbg.params_.index)
    ['r', 'alpha', 'a', 'b']

    References
    ----------
    Batislam, E. P., Denizel, M. and Filiztekin, A. (2007), "Empirical validation and comparison
    of models for customer base analysis", International Journal of Research in Marketing 24(3).
    """

    _names = ("r", "alpha", "a", "b")
    _kind = "ModifiedBetaGeo"
    _rust = "mbgnbd"


class ParetoNBD(_PurchaseModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987), as lifetimes' ``ParetoNBDFitter``:
    the same objective (``-sum(weights * LL) / mean(weights) + penalizer * sum(params**2)``,
    times scaled by ``1 / max(T)``); fitted by quasi-Newton rather than Nelder-Mead, so it
    reaches the optimum lifetimes approaches, and it reports standard errors (lifetimes has none
    for this model).

    Examples
    --------
    >>> import flo_rfm
    >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
    >>> pnbd = flo_rfm.ParetoNBD().fit(t["frequency"], t["recency_cltv_weekly"], t["T_weekly"])
    >>> list(pnbd.params_.index)
    ['r', 'alpha', 's', 'beta']

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2005), "A Note on Deriving the Pareto/NBD Model and
    Related Expressions".
    """

    _names = ("r", "alpha", "s", "beta")
    _kind = "ParetoNBD"
    _rust = "pareto_nbd"


PurchaseModel = Union[BetaGeo, ModifiedBetaGeo, ParetoNBD]
_PURCHASE_MODELS: dict[str, type[_PurchaseModel]] = {
    "BetaGeo": BetaGeo,
    "ModifiedBetaGeo": ModifiedBetaGeo,
    "ParetoNBD": ParetoNBD,
}


def _horizon(
    model: _PurchaseModel, time: int, discount_rate: float, freq: str | None
) -> tuple[int, float, float]:
    """(months, discount, model units a month), refusing a unit that differs from the model's."""
    unit = freq if freq is not None else model.time_unit
    if unit is None:
        raise InvalidArgumentError(
            "the time unit of recency and T is not known: pass freq= ('D', 'W', 'M' or 'H'), "
            "or fit the purchase model with time_unit=..."
        )
    if model.time_unit is not None and unit != model.time_unit:
        raise InvalidArgumentError(
            f"freq={unit!r} but {type(model).__name__} was fitted in time_unit={model.time_unit!r}: "
            "a CLV must use the unit the model was fitted in"
        )
    return _months(unit, time, discount_rate)


def _months(unit: str, time: int, discount_rate: float) -> tuple[int, float, float]:
    """(months, discount, model units a month) for recency and T measured in ``unit``."""
    if not isinstance(unit, str) or unit not in PERIODS_PER_MONTH:
        raise InvalidArgumentError(f"freq must be one of {sorted(PERIODS_PER_MONTH)}, got {unit!r}")
    months = as_int(time, "time")
    if months < 1:
        raise InvalidArgumentError(f"time must be a whole number of months >= 1, got {time!r}")
    return months, as_float(discount_rate, "discount_rate"), PERIODS_PER_MONTH[unit]


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
        from .progress import run_watched

        m = _arr(monetary_value)
        with argument_errors():  # watched: Ctrl-C stops the fit at its next evaluation
            params, info, cov = run_watched(
                lambda counter: _flo_rfm.fit_gamma_gamma(x, m, w, self.penalizer_coef, counter)
            )
        self._set(params, info, len(x), cov)
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
        transaction_prediction_model: PurchaseModel,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        monetary_value: ArrayLike,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: TimeUnit | None = None,
    ) -> np.ndarray | pd.Series:
        """Discounted CLV over ``time`` months, as lifetimes computes it.

        ``freq`` is the unit recency and T are in (``"W"``: 4.345 weeks a month, the seeds'
        factor; ``"D"``: 30 days). It defaults to the unit the purchase model was fitted in and
        must agree with it; with neither known this raises instead of assuming days.

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
        out = self._clv(
            transaction_prediction_model,
            frequency,
            recency,
            T,
            monetary_value,
            time,
            discount_rate,
            freq,
            by_period=False,
        )
        return _like(out, frequency)

    def customer_lifetime_value_by_period(
        self,
        transaction_prediction_model: PurchaseModel,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        monetary_value: ArrayLike,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: TimeUnit | None = None,
    ) -> pd.DataFrame:
        """The discounted CLV of each month (columns ``1 .. time``); rows add up to
        ``customer_lifetime_value``.

        Examples
        --------
        >>> import flo_rfm
        >>> res = flo_rfm.cltv(flo_rfm.datasets.sample(2000))
        >>> t = res.to_pandas()
        >>> months = res.ggf.customer_lifetime_value_by_period(
        ...     res.bgf, t["frequency"], t["recency_cltv_weekly"], t["T_weekly"], t["monetary_cltv_avg"],
        ...     time=6)
        >>> months.shape == (len(t), 6), bool(np.allclose(months.sum(axis=1), t["cltv"], rtol=1e-12))
        (True, True)
        """
        flat = self._clv(
            transaction_prediction_model,
            frequency,
            recency,
            T,
            monetary_value,
            time,
            discount_rate,
            freq,
            by_period=True,
        )
        index = frequency.index if isinstance(frequency, pd.Series) else None
        months = pd.RangeIndex(1, int(time) + 1, name="month")
        return pd.DataFrame(flat.reshape(-1, int(time)), index=index, columns=months)

    def _clv(
        self,
        model: PurchaseModel,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        monetary_value: ArrayLike,
        time: int,
        discount_rate: float,
        freq: str | None,
        by_period: bool,
    ) -> np.ndarray:
        if not isinstance(model, _PurchaseModel):
            raise ArgumentTypeError(
                f"transaction_prediction_model must be a fitted purchase model, got {model!r}"
            )
        horizon = _horizon(model, time, discount_rate, freq)
        return _flo_rfm.customer_lifetime_value(
            model._rust,
            model._p(),
            self._p(),
            _arr(frequency),
            _arr(recency),
            _arr(T),
            _arr(monetary_value),
            horizon,
            by_period,
        )


def bootstrap_clv(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    freq: TimeUnit,
    model: Literal["BetaGeo", "ModifiedBetaGeo", "ParetoNBD"] = "BetaGeo",
    time: int = 6,
    discount_rate: float = 0.01,
    penalizer_coef: float = 0.0,
    gg_penalizer_coef: float = 0.0,
    replicates: int = 200,
    seed: int = 0,
    level: float = 0.95,
    progress: bool = False,
) -> pd.DataFrame:
    """CLV of every customer with a customer-bootstrap interval.

    Each of ``replicates`` resamples draws the customers with replacement (seeded: the same
    ``seed`` gives the same table), refits the purchase model and Gamma-Gamma (on customers with
    repeat purchases and spend > 0) and predicts every original customer's CLV; replicates run in parallel in
    Rust. Columns: ``clv`` (the models fitted on all customers), ``clv_mean``, ``clv_std`` and
    the ``level`` interval ``lower`` / ``upper`` (linear percentiles). ``attrs["failed"]`` counts
    replicates that did not converge (left out). ``progress=True`` shows the replicates done
    (``tqdm.auto``'s bar when tqdm is installed, a widget in Jupyter; else a line on stderr when
    it is a terminal).
    Ctrl-C stops the run once the replicates under way finish (``KeyboardInterrupt``).

    Examples
    --------
    >>> import flo_rfm
    >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(1500)).to_pandas()
    >>> b = flo_rfm.bootstrap_clv(t["frequency"], t["recency_cltv_weekly"], t["T_weekly"],
    ...                           t["monetary_cltv_avg"], freq="W", replicates=20, seed=1,
    ...                           penalizer_coef=0.001, gg_penalizer_coef=0.01)
    >>> b.columns.tolist()
    ['clv', 'clv_mean', 'clv_std', 'lower', 'upper']
    >>> bool((b["lower"] <= b["upper"]).all())
    True
    """
    if not isinstance(model, str) or model not in _PURCHASE_MODELS:
        raise InvalidArgumentError(f"model must be one of {sorted(_PURCHASE_MODELS)}, got {model!r}")
    x, rec, big_t, m = (_arr(v) for v in (frequency, recency, T, monetary_value))
    n_replicates = as_int(replicates, "replicates")
    if n_replicates < 2:
        raise InvalidArgumentError(f"the bootstrap needs at least 2 replicates, got {replicates!r}")
    penalizers = (
        as_float(penalizer_coef, "penalizer_coef"),
        as_float(gg_penalizer_coef, "gg_penalizer_coef"),
    )
    horizon = _months(freq, time, discount_rate)
    seed_value, level_value = as_int(seed, "seed", 0), as_float(level, "level")
    model_name = _PURCHASE_MODELS[model]._rust

    def work(counter: _flo_rfm.Progress) -> tuple[Any, ...]:
        return _flo_rfm.bootstrap_clv(
            model_name, x, rec, big_t, m, penalizers, horizon, n_replicates, seed_value, level_value, counter
        )

    from .progress import run_watched, with_step_progress

    with argument_errors():
        if progress:
            out = with_step_progress(n_replicates, work, "replicates", "bootstrap")
        else:
            out = run_watched(work)
    point, mean, std, lower, upper, failed = out
    index = frequency.index if isinstance(frequency, pd.Series) else None
    table = pd.DataFrame(
        {"clv": point, "clv_mean": mean, "clv_std": std, "lower": lower, "upper": upper}, index=index
    )
    table.attrs.update({"replicates": int(replicates), "failed": int(failed), "level": float(level)})
    return table


class CltvResult:
    """The CLTV study's outputs: ``table`` (the seeds' ``cltv_final``), the fitted ``bgf`` and
    ``ggf``, the capping ``thresholds`` and the ``analysis_date``. The table stays in the core
    until it is first asked for; :meth:`write` writes it from there."""

    def __init__(
        self,
        core: _flo_rfm.Cltv,
        data: CustomerData,
        bgf: BetaGeo,
        ggf: GammaGamma,
        thresholds: pd.DataFrame,
        analysis_date: pd.Timestamp,
        kind: Kind = "pandas",
    ) -> None:
        self._core = core
        self._data = data
        self._table: pd.DataFrame | None = None
        self.kind: Kind = kind
        self.bgf = bgf
        self.ggf = ggf
        self.thresholds = thresholds
        self.analysis_date = analysis_date

    def __repr__(self) -> str:
        return f"<CltvResult: {len(self)} customers, analysis date {self.analysis_date.date()}>"

    def _repr_html_(self) -> str:
        from ._html import card

        params = {**self.bgf.params_.to_dict(), **self.ggf.params_.to_dict()}
        facts = [
            ("customers in the CLTV frame", f"{len(self):,}"),
            ("analysis date", self.analysis_date.date()),
            *((k, f"{v:.6g}") for k, v in params.items()),
        ]
        s = pd.DataFrame(self._pd if self._table is not None else self._numbers())
        summary = s.groupby("cltv_segment", observed=False).agg(
            customers=("cltv", "count"),
            cltv_mean=("cltv", "mean"),
            cltv_sum=("cltv", "sum"),
            exp_sales_6_month=("exp_sales_6_month", "mean"),
            exp_average_value=("exp_average_value", "mean"),
        )
        return card("CLTV study", facts, summary)

    def __len__(self) -> int:
        return len(self._core)

    @property
    def _pd(self) -> pd.DataFrame:
        if self._table is None:
            self._table = self._build()
        return self._table

    def _build(self) -> pd.DataFrame:
        t = _arrow.table(self._core)
        table = pd.DataFrame(
            {name: _arrow.numbers(t.column(name)) for name in CLTV_COLUMNS},
            index=pd.Index(_arrow.texts(t.column("master_id")), name="master_id"),
        )
        table["cltv_segment"] = self._segments(_arrow.codes(t.column("cltv_segment")))
        return table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        """The table (``master_id`` first) through the Arrow PyCapsule interface.

        Examples
        --------
        >>> import flo_rfm, pyarrow as pa
        >>> pa.table(flo_rfm.cltv(flo_rfm.datasets.sample(2000))).column_names[-1]
        'cltv_segment'
        """
        return self._core.__arrow_c_stream__(requested_schema)

    def _numbers(self) -> pd.DataFrame:
        """The table's columns on a range index: all the summary needs, no id built."""
        table = pd.DataFrame(dict(zip(CLTV_COLUMNS, self._core.columns())))
        table["cltv_segment"] = self._segments(self._core.segment()[0])
        return table

    def _segments(self, codes: np.ndarray) -> pd.Categorical:
        labels = self._core.segment_labels()
        return pd.Categorical.from_codes(codes, categories=labels, ordered=True)

    @property
    def table(self) -> Any:
        """The seeds' ``cltv_final``, as the kind of table the data came in.

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.cltv(flo_rfm.datasets.sample(2000)).table.index.name
        'master_id'
        """
        return to_kind(self._pd, self.kind)

    def to_pandas(self) -> pd.DataFrame:
        """``cltv_final`` as a pandas DataFrame indexed by ``master_id``.

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()["cltv_segment"].cat.categories.tolist()
        ['D', 'C', 'B', 'A']
        """
        return self._pd.copy()

    @property
    def stages(self) -> dict[str, float]:
        """The seconds each stage of the study took in the core, in order: ``prepare`` (the
        capped weekly frame), ``BG/NBD fit``, ``Gamma-Gamma fit``, ``predictions and CLV``
        and ``segments``.

        Examples
        --------
        >>> import flo_rfm
        >>> list(flo_rfm.cltv(flo_rfm.datasets.sample(2000)).stages)
        ['prepare', 'BG/NBD fit', 'Gamma-Gamma fit', 'predictions and CLV', 'segments']
        """
        return dict(self._core.stages())

    def segment_summary(self) -> Any:
        """Per CLTV segment: count, mean and sum of each numeric column, computed in the core
        with pandas' arithmetic (equal to ``table.groupby("cltv_segment", observed=False)
        .agg(["count", "mean", "sum"])``).

        Examples
        --------
        >>> import flo_rfm
        >>> s = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).segment_summary()
        >>> s.index.tolist()
        ['D', 'C', 'B', 'A']
        """
        labels = self._core.segment_labels()
        columns: dict[tuple[str, str], np.ndarray] = {}
        for name, (count, total) in zip(CLTV_COLUMNS, self._core.segment_summary()):
            n = np.asarray(count, dtype=np.int64)
            sums = np.asarray(total, dtype=np.float64)
            columns[(name, "count")] = n
            columns[(name, "mean")] = np.divide(sums, n, out=np.full(len(n), np.nan), where=n > 0)
            columns[(name, "sum")] = sums
        index = pd.CategoricalIndex(labels, categories=labels, ordered=True, name="cltv_segment")
        summary = pd.DataFrame(columns, index=index)
        return to_kind(summary, self.kind)

    def write(self, out_dir: str | os.PathLike[str], *, format: str = "csv") -> dict[str, str]:
        """Write ``cltv.csv`` (the table, by the core, as pandas' ``to_csv`` writes it; or
        ``cltv.parquet`` with ``format="parquet"``), ``bgnbd.json`` and ``gamma_gamma.json``
        into ``out_dir``; returns name -> path.

        Examples
        --------
        >>> import flo_rfm, tempfile
        >>> sorted(flo_rfm.cltv(flo_rfm.datasets.sample(2000)).write(tempfile.mkdtemp()))
        ['bgnbd.json', 'cltv.csv', 'gamma_gamma.json']
        """
        from .output import _atomic_text, check_not_input

        out = as_path(out_dir, "out_dir")
        if format not in ("csv", "parquet"):
            raise InvalidArgumentError(f'format must be "csv" or "parquet", got {format!r}')
        table = f"cltv.{format}"
        files = {name: os.path.join(out, name) for name in (table, "bgnbd.json", "gamma_gamma.json")}
        for path in files.values():
            check_not_input(path, [self._data.source])
        self._core.write_table(files[table], format)
        inputs = [self._data.source]
        _atomic_text(files["bgnbd.json"], self.bgf.to_json(), inputs)
        _atomic_text(files["gamma_gamma.json"], self.ggf.to_json(), inputs)
        return files


#: The CLTV table's float columns, in the seeds' order (``cltv_segment`` follows).
CLTV_COLUMNS = (
    "recency_cltv_weekly",
    "T_weekly",
    "frequency",
    "monetary_cltv_avg",
    "exp_sales_3_month",
    "exp_sales_6_month",
    "exp_average_value",
    "cltv",
)


#: The four columns the CLTV study caps at its outlier thresholds, in the seeds' order.
CAPPED_COLUMNS = (
    "order_num_total_ever_online",
    "order_num_total_ever_offline",
    "customer_value_total_ever_offline",
    "customer_value_total_ever_online",
)


def _cltv_table(
    ids: Sequence[str],
    rec: np.ndarray,
    T: np.ndarray,
    freq: np.ndarray,
    mon: np.ndarray,
    bgf: BetaGeo,
    ggf: GammaGamma,
    months: int,
    discount_rate: float,
) -> pd.DataFrame:
    """The CLTV table of some customers (all of them, or one partition's) under fitted models."""
    return pd.DataFrame(
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


def _check_finite(table: pd.DataFrame, bgf: BetaGeo, ggf: GammaGamma) -> None:
    bad = ~np.isfinite(table.to_numpy(dtype="float64")).all(axis=1)
    if bad.any():
        from .exceptions import ConvergenceError

        first = table.index[int(np.flatnonzero(bad)[0])]
        raise ConvergenceError(
            f"{int(bad.sum())} customer(s) got a non-finite prediction (first: {first}); the fitted "
            f"parameters are {dict(bgf.params_)} and {dict(ggf.params_)}. Try larger penalizers."
        )


def _check_study(
    frequency: str, months: int, discount_rate: float, segments: int
) -> tuple[int, float, float]:
    """The CLTV study's options checked (one machine and Dask): the horizon, as :func:`_months`."""
    if frequency not in ("orders", "repeat_orders"):
        raise InvalidArgumentError(f"frequency must be 'orders' or 'repeat_orders', got {frequency!r}")
    horizon = _months("W", months, discount_rate)
    if as_int(segments, "segments") < 1:
        raise InvalidArgumentError(f"segments must be a whole number >= 1, got {segments!r}")
    return horizon


def _segments(codes: np.ndarray, segments: int) -> pd.Categorical:
    """CLV quantile bins as the seeds' labels: ``D, C, B, A`` (worst to best) for 4."""
    labels = [chr(ord("A") + i) for i in range(segments)][::-1]
    return pd.Categorical.from_codes(codes, categories=labels, ordered=True)


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
    progress: bool = False,
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
    progress : bool
        Show the study's progress (reading a file, then the frame, each fit, the predictions):
        ``tqdm.auto``'s bar when tqdm is installed (a bar in Jupyter), else a line on stderr when it
        is a terminal.
        Ctrl-C stops the study at the fits' next evaluation either way (``KeyboardInterrupt``).

    Examples
    --------
    >>> import flo_rfm
    >>> res = flo_rfm.cltv(flo_rfm.datasets.sample(3000))
    >>> list(res.table.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['recency_cltv_weekly', 'T_weekly', 'frequency', 'monetary_cltv_avg', 'exp_sales_3_month',
     'exp_sales_6_month', 'exp_average_value', 'cltv', 'cltv_segment']
    """
    n_months, discount, _ = _check_study(frequency, months, discount_rate, segments)  # before any work
    day = _days(analysis_date) if analysis_date is not None else None
    penalizers = as_float(bg_penalizer, "bg_penalizer"), as_float(gg_penalizer, "gg_penalizer")
    if progress and isinstance(source, (str, os.PathLike)):
        read_options["progress"] = True
    data = load(source, **read_options)

    def work(counter: _flo_rfm.Progress) -> _flo_rfm.Cltv:
        return data._frame.cltv_study(
            day, frequency == "repeat_orders", *penalizers, n_months, discount, int(segments), counter
        )

    from .progress import run_watched, with_step_progress

    with argument_errors():
        if progress:
            core = with_step_progress(_flo_rfm.CLTV_STEPS, work, "steps", "CLTV study")
        else:
            core = run_watched(work)
    bgf, ggf = BetaGeo(bg_penalizer), GammaGamma(gg_penalizer)
    for model, (params, info, covariance) in ((bgf, core.purchases()), (ggf, core.spend())):
        model._set(params, info, len(core), covariance)
    bgf.time_unit = "W"
    th = pd.DataFrame(core.thresholds(), index=list(CAPPED_COLUMNS), columns=["low", "up"])
    when = pd.Timestamp("1970-01-01") + pd.Timedelta(days=core.analysis_date)
    return CltvResult(core, data, bgf, ggf, th, when, data.kind)
