"""The BG/NBD purchase model and its modified variant, as lifetimes' ``BetaGeoFitter`` and
``ModifiedBetaGeoFitter``."""

from __future__ import annotations

from ._purchase import _PurchaseModel

__all__ = ["BetaGeo", "ModifiedBetaGeo"]


class BetaGeo(_PurchaseModel):
    """BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005), as lifetimes'
    ``BetaGeoFitter``.

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
