"""The BG/NBD purchase model and its modified variant, as lifetimes' ``BetaGeoFitter`` and
``ModifiedBetaGeoFitter`` (both names are exported too, as the same classes)."""

from __future__ import annotations

from typing import Any

from .. import _flo_rfm
from ._model import ArrayLike
from ._purchase import _count, _PurchaseModel, _scalar_or_like, _times

__all__ = ["BetaGeo", "BetaGeoFitter", "ModifiedBetaGeo", "ModifiedBetaGeoFitter"]


class _BgNbdFamily(_PurchaseModel):
    """What the BG/NBD and the modified BG/NBD have that the Pareto/NBD has not (in lifetimes)."""

    def probability_of_n_purchases_up_to_time(self, t: ArrayLike | float, n: int) -> Any:
        """P(N(t) = n): the probability that a new customer makes exactly ``n`` repeat purchases
        in ``t`` time units (eq. 8 of Fader, Hardie & Lee 2005; lifetimes' variant of it for the
        modified model). A number for a number ``t``, an array for an array (lifetimes takes a
        number only). Where lifetimes' ``1 - sum`` would cancel to rounding (a tiny probability
        far in the tail) the tail is summed instead, so such values are accurate, not noise.

        Examples
        --------
        >>> import flo_rfm
        >>> bgf = flo_rfm.BetaGeoFitter(0.01).fit([0, 2, 5, 1, 3], [0, 10, 30, 4, 20], [40, 40, 40, 30, 35])
        >>> p = [bgf.probability_of_n_purchases_up_to_time(10, n) for n in range(200)]
        >>> round(sum(p), 12), isinstance(p[0], float)
        (1.0, True)
        """
        out = _flo_rfm.purchases_probability_new(self._rust, self._p(), _times(t), _count(n))
        return _scalar_or_like(out, t)


class BetaGeo(_BgNbdFamily):
    """BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005), as lifetimes'
    ``BetaGeoFitter`` (also exported under that name).

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty on the parameters (the CLTV study uses 0.001).

    Examples
    --------
    >>> import flo_rfm
    >>> res = flo_rfm.cltv(flo_rfm.datasets.sample(3000))
    >>> list(res.bgf.params_.index)
    ['r', 'alpha', 'a', 'b']
    >>> flo_rfm.BetaGeoFitter is flo_rfm.BetaGeo
    True

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "Counting Your Customers the Easy Way:
    An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284.
    """

    _names = ("r", "alpha", "a", "b")
    _kind = "BetaGeo"
    _rust = "bgnbd"


class ModifiedBetaGeo(_BgNbdFamily):
    """Modified BG/NBD (Batislam, Denizel & Filiztekin 2007), as lifetimes'
    ``ModifiedBetaGeoFitter`` (also exported under that name): a customer may also drop out
    right after the first purchase, so customers with no repeat purchase are not all alive.

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


#: lifetimes' names, so lifetimes code ports by changing the import.
BetaGeoFitter = BetaGeo
ModifiedBetaGeoFitter = ModifiedBetaGeo
