"""The Gamma-Gamma spend model and the CLV it gives with a purchase model, as lifetimes'
``GammaGammaFitter``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _flo_rfm
from .._frames import argument_errors
from ..exceptions import ArgumentTypeError
from ._kinds import PurchaseModel
from ._model import ArrayLike, TimeUnit, _arr, _like, _Model
from ._purchase import _horizon, _PurchaseModel

__all__ = ["GammaGamma"]


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
        from ..progress import run_watched

        m = _arr(monetary_value)
        with argument_errors():  # watched: Ctrl-C stops the fit at its next evaluation
            fit = run_watched(lambda counter: _flo_rfm.fit_gamma_gamma(x, m, w, self.penalizer_coef, counter))
        self._set(fit, len(x))
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
