"""How many examples the property tests try: ``FLO_EXAMPLES=0.1`` (the compat matrix,
``scripts/compat.sh``) runs a tenth of them; unset, all of them."""

from __future__ import annotations

import os

SCALE = float(os.environ.get("FLO_EXAMPLES", "1"))


def examples(n: int) -> int:
    """``n`` examples scaled by ``FLO_EXAMPLES``, at least 20."""
    return max(20, round(n * SCALE))
