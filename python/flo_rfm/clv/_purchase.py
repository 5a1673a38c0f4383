"""What the three purchase models (BG/NBD, MBG/NBD, Pareto/NBD) share: fit, predictions,
P(alive), the time unit a CLV must use."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import _flo_rfm
from .._frames import argument_errors, as_float, as_int
from ..exceptions import InvalidArgumentError
from ._model import ArrayLike, TimeUnit, _arr, _check_unit, _like, _Model, _months


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
        initial_params: ArrayLike | None = None,
        verbose: bool = False,
        tol: float | None = None,
        time_unit: TimeUnit | None = None,
    ) -> Any:
        """Maximum-likelihood fit of lifetimes' objective; identical ``(frequency, recency, T)``
        rows are collapsed, standard errors come from the Hessian at the optimum.

        ``time_unit`` names the unit of ``recency`` and ``T`` (``"D"`` days, ``"W"`` weeks,
        ``"M"`` months, ``"H"`` hours) so that a CLV from this model is computed in it.
        Raises :class:`~flo_rfm.exceptions.ConvergenceError` if the optimiser does not converge.

        ``initial_params``, ``verbose`` and ``tol`` mean what they mean in lifetimes:
        ``initial_params`` is where the optimiser starts, on lifetimes' scaled time axis (times
        divided by ``max(T)``) and in lifetimes' coordinates: the log-parameters
        ``log(r, alpha, a, b)`` for the BG/NBD family (lifetimes' ``x0``), the parameters
        ``(r, alpha, s, beta)`` themselves for the Pareto/NBD. ``tol`` ends the fit once the
        largest gradient component of the objective (in log-parameters) is at most ``tol``:
        scipy's BFGS ``gtol``, which lifetimes' ``tol`` sets for the BG/NBD family (for its
        Nelder-Mead Pareto/NBD fit lifetimes' ``tol`` is a simplex size instead; here it is the
        same gradient bound). The default, ``None``, is flo_rfm's 1e-10, tighter than lifetimes'
        1e-7. ``verbose`` prints the outcome, as lifetimes (scipy's ``disp``) does.

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
        >>> bgf = flo_rfm.BetaGeo(penalizer_coef=0.001)
        >>> bgf.fit(t["frequency"], t["recency_cltv_weekly"], t["T_weekly"], time_unit="W") is bgf
        True
        >>> sorted(bgf.fit_info_)
        ['customers', 'gradient_norm', 'groups', 'iterations', 'objective']
        >>> _ = bgf.fit(t["frequency"], t["recency_cltv_weekly"], t["T_weekly"], tol=1e-6, verbose=True)
        Optimization terminated successfully.
                 Current function value: ...
                 Iterations: ...
                 Gradient norm: ...
        """
        x = _arr(frequency)
        w = None if weights is None else _arr(weights)
        rec, big_t = _arr(recency), _arr(T)
        start = None if initial_params is None else [float(v) for v in _arr(initial_params).ravel()]
        gtol = None if tol is None else as_float(tol, "tol")
        self.time_unit = _check_unit(time_unit)
        from ..progress import run_watched

        with argument_errors():  # watched: Ctrl-C stops the fit at its next evaluation
            fitted = run_watched(
                lambda c: _flo_rfm.fit_purchases(
                    self._rust, x, rec, big_t, w, self.penalizer_coef, c, start, gtol
                )
            )
        self._set(fitted, len(x))
        self._report(verbose)
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

    def expected_number_of_purchases_up_to_time(self, t: ArrayLike | float) -> Any:
        """Expected purchases of a new customer in ``t`` time units: a number for a number, an
        array for an array (a Series keeps its index), as lifetimes.

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
        >>> history = t["frequency"], t["recency_cltv_weekly"], t["T_weekly"]
        >>> bgf = flo_rfm.BetaGeo(0.001).fit(*history)
        >>> bool(bgf.expected_number_of_purchases_up_to_time([4, 8])[1] > 0)
        True
        >>> isinstance(bgf.expected_number_of_purchases_up_to_time(4), float)
        True
        """
        return _scalar_or_like(_flo_rfm.purchases_expected_new(self._rust, self._p(), _times(t)), t)

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


def _times(t: ArrayLike | float) -> np.ndarray:
    """Times as a flat array, checked to be numbers >= 0."""
    out = _arr(np.atleast_1d(t)).ravel()
    if not np.all(out >= 0):
        raise InvalidArgumentError(f"t must be numbers >= 0, got {t!r}")
    return out


def _count(n: Any) -> int:
    """A number of purchases: a whole number in ``0 .. 2**32 - 1``."""
    count = as_int(n, "n", 0, exact=True)
    if count > 2**32 - 1:
        raise InvalidArgumentError(f"n must be at most 2**32 - 1, got {n!r}")
    return count


def _scalar_or_like(out: np.ndarray, t: Any) -> Any:
    """A float for a scalar ``t``, a Series for a Series, else the array."""
    if np.ndim(t) == 0:
        return float(out[0])
    return _like(out, t)


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
