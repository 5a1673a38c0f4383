"""CLV with a customer-bootstrap interval: both models refitted on resampled customers."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from .. import _flo_rfm
from .._frames import argument_errors, as_float, as_int
from ..exceptions import InvalidArgumentError
from ._kinds import _PURCHASE_MODELS
from ._model import ArrayLike, TimeUnit, _arr, _months

__all__ = ["bootstrap_clv"]


def bootstrap_clv(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    freq: TimeUnit,
    model: Literal["BetaGeo", "ModifiedBetaGeo", "ParetoNBD"] = "BetaGeo",
    time: int = 6,
    discount_rate: float = 0.01,
    penalizer_coef: float = 0.0,
    gg_penalizer_coef: float = 0.0,
    replicates: int = 200,
    seed: int = 0,
    level: float = 0.95,
    progress: bool = False,
) -> pd.DataFrame:
    """CLV of every customer with a customer-bootstrap interval.

    Each of ``replicates`` resamples draws the customers with replacement (seeded: the same
    ``seed`` gives the same table), refits the purchase model and Gamma-Gamma (on customers with
    repeat purchases and spend > 0) and predicts every original customer's CLV; replicates run in parallel in
    Rust. Columns: ``clv`` (the models fitted on all customers), ``clv_mean``, ``clv_std`` and
    the ``level`` interval ``lower`` / ``upper`` (linear percentiles). ``attrs["failed"]`` counts
    replicates that did not converge (left out). ``progress=True`` shows the replicates done
    (``tqdm.auto``'s bar when tqdm is installed, a widget in Jupyter; else a line on stderr when
    it is a terminal).
    Ctrl-C stops the run once the replicates under way finish (``KeyboardInterrupt``).

    Examples
    --------
    >>> import flo_rfm
    >>> t = flo_rfm.cltv(flo_rfm.datasets.sample(1500)).to_pandas()
    >>> b = flo_rfm.bootstrap_clv(t["frequency"], t["recency_cltv_weekly"], t["T_weekly"],
    ...                           t["monetary_cltv_avg"], freq="W", replicates=20, seed=1,
    ...                           penalizer_coef=0.001, gg_penalizer_coef=0.01)
    >>> b.columns.tolist()
    ['clv', 'clv_mean', 'clv_std', 'lower', 'upper']
    >>> bool((b["lower"] <= b["upper"]).all())
    True
    """
    if not isinstance(model, str) or model not in _PURCHASE_MODELS:
        raise InvalidArgumentError(f"model must be one of {sorted(_PURCHASE_MODELS)}, got {model!r}")
    x, rec, big_t, m = (_arr(v) for v in (frequency, recency, T, monetary_value))
    n_replicates = as_int(replicates, "replicates")
    if n_replicates < 2:
        raise InvalidArgumentError(f"the bootstrap needs at least 2 replicates, got {replicates!r}")
    penalizers = (
        as_float(penalizer_coef, "penalizer_coef"),
        as_float(gg_penalizer_coef, "gg_penalizer_coef"),
    )
    horizon = _months(freq, time, discount_rate)
    seed_value, level_value = as_int(seed, "seed", 0), as_float(level, "level")
    model_name = _PURCHASE_MODELS[model]._rust

    def work(counter: _flo_rfm.Progress) -> _flo_rfm.Bootstrap:
        return _flo_rfm.bootstrap_clv(
            model_name, x, rec, big_t, m, penalizers, horizon, n_replicates, seed_value, level_value, counter
        )

    from ..progress import run_watched, with_step_progress

    with argument_errors():
        if progress:
            out = with_step_progress(n_replicates, work, "replicates", "bootstrap")
        else:
            out = run_watched(work)
    index = frequency.index if isinstance(frequency, pd.Series) else None
    table = pd.DataFrame(
        {"clv": out.point, "clv_mean": out.mean, "clv_std": out.std, "lower": out.lower, "upper": out.upper},
        index=index,
    )
    table.attrs.update({"replicates": int(replicates), "failed": int(out.failed), "level": float(level)})
    return table
