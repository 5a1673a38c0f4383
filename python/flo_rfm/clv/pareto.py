"""The Pareto/NBD purchase model, as lifetimes' ``ParetoNBDFitter`` (also exported under that
name, as the same class)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _flo_rfm
from .._frames import as_float
from ..exceptions import InvalidArgumentError
from ._model import ArrayLike, _arr, _like
from ._purchase import _count, _PurchaseModel

__all__ = ["ParetoNBD", "ParetoNBDFitter"]


class ParetoNBD(_PurchaseModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987), as lifetimes' ``ParetoNBDFitter``
    (also exported under that name): the same objective (``-sum(weights * LL) / mean(weights) +
    penalizer * sum(params**2)``, times scaled by ``1 / max(T)``); fitted by quasi-Newton rather
    than Nelder-Mead, so it reaches the optimum lifetimes approaches, and it reports standard
    errors (lifetimes has none for this model).

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

    def conditional_probability_of_n_purchases_up_to_time(
        self, n: int, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray | pd.Series:
        """P(n purchases in the next ``t`` time units | frequency, recency, T): eq. (16) of
        Fader & Hardie's note on the Pareto/NBD's conditional PMF (2006), term by term as
        lifetimes computes it; 0 for ``t <= 0``. The equation is a difference of terms near the
        probability's size at most 1, so probabilities below ~1e-9 carry an absolute rounding
        error of ~1e-15 (in lifetimes too).

        Examples
        --------
        >>> import flo_rfm
        >>> h = [0, 2, 5, 1, 3], [0, 10, 30, 4, 20], [40, 40, 40, 30, 35]
        >>> pnbd = flo_rfm.ParetoNBDFitter(0.01).fit(*h)
        >>> p = sum(pnbd.conditional_probability_of_n_purchases_up_to_time(n, 10, [2], [10], [40])
        ...         for n in range(200))
        >>> p.round(9).tolist()
        [1.0]
        """
        ahead = as_float(t, "t")
        if np.isnan(ahead):
            raise InvalidArgumentError(f"t must be a number, got {t!r}")
        out = _flo_rfm.purchases_probability_conditional(
            self._rust, self._p(), _count(n), ahead, _arr(frequency), _arr(recency), _arr(T)
        )
        return _like(out, frequency)


#: lifetimes' name, so lifetimes code ports by changing the import.
ParetoNBDFitter = ParetoNBD
