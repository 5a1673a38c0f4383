"""The Gamma-Gamma spend model and the CLV it gives with a purchase model, as lifetimes'
``GammaGammaFitter``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .. import _flo_rfm
from .._frames import argument_errors, as_float
from ..exceptions import ArgumentTypeError, AssumptionWarning
from ._kinds import PurchaseModel
from ._model import ArrayLike, TimeUnit, _arr, _like, _Model
from ._purchase import _horizon, _PurchaseModel

__all__ = ["CORRELATION_THRESHOLD", "GammaGamma", "GammaGammaFitter", "frequency_monetary_correlation"]


#: The largest ``|Pearson correlation|`` of frequency and monetary value that
#: :meth:`GammaGamma.fit` accepts without an :class:`~flo_rfm.exceptions.AssumptionWarning`.
#: Gamma-Gamma assumes a customer's spend per purchase is independent of how often they buy;
#: lifetimes' documentation checks it with ``summary[['monetary_value', 'frequency']].corr()``
#: and asks for a value "close to 0" without a number. 0.3 is the conventional edge between a
#: weak and a moderate correlation (Cohen 1988's "medium" effect): below it a linear relation
#: explains under 9% of the variance (r**2 < 0.09), which the model's own customer-to-customer
#: heterogeneity dwarfs; lifetimes' CDNOW example (0.11) and the FLO seeds' data pass it.
CORRELATION_THRESHOLD = 0.3


def frequency_monetary_correlation(
    frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
) -> float:
    """Pearson correlation of frequency and monetary value: the check of Gamma-Gamma's
    assumption that spend per purchase does not depend on purchase frequency. It is pandas'
    ``DataFrame({'monetary_value': m, 'frequency': f}).corr()`` off the diagonal, bit for bit
    (lifetimes' documented check); with ``weights``, each row counts its weight's times. NaN
    pairs are left out; NaN when a column is constant.

    Examples
    --------
    >>> import flo_rfm
    >>> flo_rfm.frequency_monetary_correlation([1, 2, 3, 4], [10.0, 30.0, 20.0, 40.0])
    0.8
    >>> flo_rfm.frequency_monetary_correlation([1, 2, 4], [10.0, 30.0, 40.0], weights=[1, 2, 1])
    0.8...
    """
    x, m = _arr(frequency), _arr(monetary_value)
    w = None if weights is None else _arr(weights)
    with argument_errors():
        return float(_flo_rfm.pearson(x, m, w))


class GammaGamma(_Model):
    """Gamma-Gamma model of average spend (Fader & Hardie 2013), as lifetimes'
    ``GammaGammaFitter``. Needs frequency > 0 and monetary value > 0, and assumes spend per
    purchase independent of frequency (``fit`` checks it: :func:`frequency_monetary_correlation`).

    Examples
    --------
    >>> import flo_rfm
    >>> ggf = flo_rfm.GammaGamma(0.01).fit([2, 3, 5, 2, 4], [90.0, 120.0, 95.0, 80.0, 100.0])
    >>> ggf.params_.index.tolist()
    ['p', 'q', 'v']

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma Model of Monetary Value".
    """

    _names = ("p", "q", "v")
    _kind = "GammaGamma"
    #: The unit a CLV assumes when neither ``freq`` nor the purchase model names one.
    _default_freq: str | None = None
    #: The Pearson correlation of frequency and monetary value of the data ``fit`` saw (None
    #: before a fit, and for a model loaded from JSON or fitted inside the CLTV study).
    frequency_monetary_correlation_: float | None = None

    def fit(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        weights: ArrayLike | None = None,
        *,
        initial_params: ArrayLike | None = None,
        verbose: bool = False,
        tol: float | None = None,
    ) -> GammaGamma:
        """Maximum-likelihood fit; raises ``InvalidArgumentError`` for monetary values <= 0.

        Warns :class:`~flo_rfm.exceptions.AssumptionWarning` when the Pearson correlation of
        frequency and monetary value is above :data:`CORRELATION_THRESHOLD` (0.3) in size: the
        model assumes them independent. The correlation is kept in
        ``frequency_monetary_correlation_``.

        ``initial_params`` (the log-parameters ``log(p, q, v)`` the optimiser starts from, as
        lifetimes' ``x0``), ``tol`` (the largest gradient component at which the fit stops,
        scipy's ``gtol`` that lifetimes' ``tol`` sets; default flo_rfm's 1e-10) and ``verbose``
        mean what they mean in lifetimes.

        Examples
        --------
        >>> import flo_rfm
        >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()
        >>> ggf = flo_rfm.GammaGamma(penalizer_coef=0.01).fit(t["frequency"], t["monetary_cltv_avg"])
        >>> ggf.params_.index.tolist()
        ['p', 'q', 'v']
        >>> abs(ggf.frequency_monetary_correlation_) < 0.3
        True
        """
        x = _arr(frequency)
        w = None if weights is None else _arr(weights)
        from ..progress import run_watched

        m = _arr(monetary_value)
        start = None if initial_params is None else [float(v) for v in _arr(initial_params).ravel()]
        gtol = None if tol is None else as_float(tol, "tol")
        with argument_errors():  # watched: Ctrl-C stops the fit at its next evaluation
            fit = run_watched(
                lambda counter: _flo_rfm.fit_gamma_gamma(x, m, w, self.penalizer_coef, counter, start, gtol)
            )
        self._set(fit, len(x))
        corr = frequency_monetary_correlation(x, m, w)
        self.frequency_monetary_correlation_ = corr
        if abs(corr) > CORRELATION_THRESHOLD:
            warnings.warn(
                f"frequency and monetary value are correlated (Pearson {corr:.3f}, above "
                f"{CORRELATION_THRESHOLD} in size): Gamma-Gamma assumes spend per purchase does "
                "not depend on purchase frequency, so its expected spend may be biased",
                AssumptionWarning,
                stacklevel=2,
            )
        self._report(verbose)
        return self

    def conditional_expected_average_profit(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> np.ndarray | pd.Series:
        """E[average spend | frequency, mean spend].

        Examples
        --------
        >>> import flo_rfm
        >>> ggf = flo_rfm.GammaGamma(0.01).fit([2, 3, 5, 2, 4], [90.0, 120.0, 95.0, 80.0, 100.0])
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

        ``freq`` is the unit recency and T are in (``"W"``: 4.345 weeks a month, 52.14 / 12,
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
        if freq is None and model.time_unit is None:
            freq = self._default_freq
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


class GammaGammaFitter(GammaGamma):
    """lifetimes' ``GammaGammaFitter``: :class:`GammaGamma` with lifetimes' one default flo_rfm
    does not share. ``customer_lifetime_value`` without ``freq`` takes the purchase model's
    time unit, and when that is unknown too, lifetimes' ``freq="D"`` (days) where
    :class:`GammaGamma` raises; so lifetimes code ports by changing the import.

    Examples
    --------
    >>> import flo_rfm
    >>> h = [0, 2, 5, 1, 3], [0, 10, 30, 4, 20], [40, 40, 40, 30, 35]
    >>> bgf = flo_rfm.BetaGeoFitter(0.01).fit(*h)
    >>> ggf = flo_rfm.GammaGammaFitter(0.01).fit([2, 5, 1, 3], [90.0, 80.0, 60.0, 120.0])
    >>> days = ggf.customer_lifetime_value(bgf, *h, [0.0, 100.0, 80.0, 120.0, 60.0], time=3)
    >>> bool((days == ggf.customer_lifetime_value(bgf, *h, [0.0, 100.0, 80.0, 120.0, 60.0],
    ...                                           time=3, freq="D")).all())
    True
    """

    _default_freq = "D"
