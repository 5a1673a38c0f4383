"""Customer lifetime value: the purchase models (BG/NBD, MBG/NBD, Pareto/NBD), the Gamma-Gamma
spend model, the bootstrap interval, the CLTV study, the holdout validation and the model
comparison, one per module. lifetimes' class names (``BetaGeoFitter``, ...) are exported too, so
lifetimes code ports by changing the import."""

from __future__ import annotations

from ._model import PERIODS_PER_MONTH
from .bgnbd import BetaGeo, BetaGeoFitter, ModifiedBetaGeo, ModifiedBetaGeoFitter
from .bootstrap import bootstrap_clv
from .compare import compare_models
from .gamma_gamma import CORRELATION_THRESHOLD, GammaGamma, GammaGammaFitter, frequency_monetary_correlation
from .pareto import ParetoNBD, ParetoNBDFitter
from .study import CltvResult, cltv
from .validation import HoldoutValidation, cumulative_transactions, error_metrics, holdout_validation

__all__ = [
    "CORRELATION_THRESHOLD",
    "PERIODS_PER_MONTH",
    "BetaGeo",
    "BetaGeoFitter",
    "CltvResult",
    "GammaGamma",
    "GammaGammaFitter",
    "HoldoutValidation",
    "ModifiedBetaGeo",
    "ModifiedBetaGeoFitter",
    "ParetoNBD",
    "ParetoNBDFitter",
    "bootstrap_clv",
    "cltv",
    "compare_models",
    "cumulative_transactions",
    "error_metrics",
    "frequency_monetary_correlation",
    "holdout_validation",
]
