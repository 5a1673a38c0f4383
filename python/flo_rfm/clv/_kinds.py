"""The purchase models by name (the ``model=`` argument of :func:`bootstrap_clv`)."""

from __future__ import annotations

from typing import Union

from ._purchase import _PurchaseModel
from .bgnbd import BetaGeo, ModifiedBetaGeo
from .pareto import ParetoNBD

PurchaseModel = Union[BetaGeo, ModifiedBetaGeo, ParetoNBD]
_PURCHASE_MODELS: dict[str, type[_PurchaseModel]] = {
    "BetaGeo": BetaGeo,
    "ModifiedBetaGeo": ModifiedBetaGeo,
    "ParetoNBD": ParetoNBD,
}
