"""Customer lifetime value: the purchase models (BG/NBD, MBG/NBD, Pareto/NBD), the Gamma-Gamma
spend model, the bootstrap interval, the CLTV study and the holdout validation, one per module."""

from __future__ import annotations

from ._model import PERIODS_PER_MONTH
from .bgnbd import BetaGeo, ModifiedBetaGeo
from .bootstrap import bootstrap_clv
from .gamma_gamma import GammaGamma
from .pareto import ParetoNBD
from .study import CltvResult, cltv
from .validation import HoldoutValidation, cumulative_transactions, error_metrics, holdout_validation

__all__ = [
    "PERIODS_PER_MONTH",
    "BetaGeo",
    "CltvResult",
    "GammaGamma",
    "HoldoutValidation",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "bootstrap_clv",
    "cltv",
    "cumulative_transactions",
    "error_metrics",
    "holdout_validation",
]
