"""The Pareto/NBD purchase model, as lifetimes' ``ParetoNBDFitter``."""

from __future__ import annotations

from ._purchase import _PurchaseModel

__all__ = ["ParetoNBD"]


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
