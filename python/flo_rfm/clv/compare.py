"""Purchase models side by side on one calibration/holdout table: how well each fits the
calibration period (log-likelihood, AIC, BIC) and how well it predicts the holdout period
(MAE, RMSE, bias of predicted against actual holdout purchases)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import _flo_rfm
from .._frames import to_pandas
from ..exceptions import ArgumentTypeError, InputError, MissingColumnsError
from ._model import _arr
from ._purchase import _PurchaseModel
from .pareto import ParetoNBD
from .validation import _PURCHASE_COLUMNS, holdout_validation

__all__ = ["compare_models", "log_likelihood"]

_HISTORY = ["frequency_cal", "recency_cal", "T_cal"]
_HOLDOUT = ["frequency_holdout", "duration_holdout"]
_COLUMNS = ["k", "n", "log_likelihood", "aic", "bic", "mae", "rmse", "bias", "actual_mean", "predicted_mean"]


def log_likelihood(model: _PurchaseModel, frequency: Any, recency: Any, T: Any) -> float:
    """The log-likelihood of these customers' histories under the fitted ``model``, summed over
    customers, without the penalty: lifetimes' per-customer likelihood (the one the fit
    maximises) in the time unit of ``recency`` and ``T``.

    Examples
    --------
    >>> import flo_rfm
    >>> from flo_rfm.clv.compare import log_likelihood
    >>> h = [0, 2, 5, 1, 3], [0, 10, 30, 4, 20], [40, 40, 40, 30, 35]
    >>> bgf = flo_rfm.BetaGeo(0.01).fit(*h)
    >>> log_likelihood(bgf, *h) < 0
    True
    """
    if not isinstance(model, _PurchaseModel):
        raise ArgumentTypeError(
            f"model must be a fitted BetaGeo, ModifiedBetaGeo or ParetoNBD, got {model!r}"
        )
    x, t_x, big_t = _arr(frequency), _arr(recency), _arr(T)
    ones = np.ones_like(x)
    params = model._p()
    if isinstance(model, ParetoNBD):
        # lifetimes' Pareto/NBD objective: -sum(w * LL) / mean(w), in the parameters.
        return -_flo_rfm.purchases_objective(model._rust, params, x, t_x, big_t, ones, 0.0)
    # The BG/NBD family's: -sum(w * LL) / sum(w), in the log-parameters.
    logs = [float(v) for v in np.log(params)]
    return -_flo_rfm.purchases_objective(model._rust, logs, x, t_x, big_t, ones, 0.0) * len(x)


def _table(history: Any, holdout: Any) -> pd.DataFrame:
    history = to_pandas(history)
    missing = [c for c in _HISTORY if c not in history.columns]
    if holdout is None:
        missing += [c for c in _HOLDOUT if c not in history.columns]
    if missing:
        err = MissingColumnsError(
            f"history lacks the columns {missing}: use flo_rfm.calibration_holdout "
            "(or lifetimes' calibration_and_holdout_data)"
        )
        err.columns = missing
        raise err
    if holdout is None:
        return history
    holdout = to_pandas(holdout)
    lacking = [c for c in _HOLDOUT if c not in holdout.columns]
    if lacking:
        err = MissingColumnsError(f"holdout lacks the columns {lacking}")
        err.columns = lacking
        raise err
    if not holdout.index.is_unique or not history.index.isin(holdout.index).all():
        raise InputError("holdout must have one row for every customer (index) of history")
    return history[_HISTORY].join(holdout[_HOLDOUT])


def compare_models(history: Any, holdout: Any = None, *, models: Sequence[_PurchaseModel]) -> pd.DataFrame:
    """One row per purchase model: its fit to the calibration period and its predictions for
    the holdout period.

    Columns: ``k`` (parameters), ``n`` (customers), ``log_likelihood`` (summed over customers,
    without the penalty, in the table's time unit: :func:`log_likelihood`), ``aic``
    (``2k - 2 LL``), ``bic`` (``k ln(n) - 2 LL``), then the holdout numbers of
    :func:`flo_rfm.holdout_validation` for purchases: ``mae``, ``rmse``, ``bias`` (mean of
    predicted - actual holdout purchases), ``actual_mean`` and ``predicted_mean``.

    Parameters
    ----------
    history : pandas.DataFrame
        A :func:`flo_rfm.calibration_holdout` table (or lifetimes'
        ``calibration_and_holdout_data``): ``frequency_cal``, ``recency_cal``, ``T_cal``, and
        unless ``holdout`` is given, ``frequency_holdout`` and ``duration_holdout``.
    holdout : pandas.DataFrame, optional
        ``frequency_holdout`` and ``duration_holdout`` for every customer of ``history`` (same
        index), when ``history`` does not hold them.
    models : list of BetaGeo, ModifiedBetaGeo or ParetoNBD
        Fitted on ``history``'s calibration columns; a model not yet fitted is fitted on them
        here (in place, with its ``penalizer_coef``). Rows are named by class, with ``#2``,
        ``#3``... for repeats.

    Examples
    --------
    >>> import flo_rfm
    >>> log = flo_rfm.datasets.sample_transactions(2000, seed=5)
    >>> ch = flo_rfm.calibration_holdout(log, "master_id", "date", "2020-12-31",
    ...                                  observation_period_end="2021-05-30", freq="W")
    >>> models = [flo_rfm.BetaGeo(0.001), flo_rfm.ModifiedBetaGeo(0.001), flo_rfm.ParetoNBD(0.001)]
    >>> table = flo_rfm.compare_models(ch, models=models)
    >>> table.index.tolist()
    ['BetaGeo', 'ModifiedBetaGeo', 'ParetoNBD']
    >>> table["aic"].idxmin()
    'BetaGeo'
    >>> table.columns.tolist()
    ['k', 'n', 'log_likelihood', 'aic', 'bic', 'mae', 'rmse', 'bias', 'actual_mean', 'predicted_mean']
    """
    data = _table(history, holdout)
    if isinstance(models, _PurchaseModel) or not isinstance(models, Sequence):
        raise ArgumentTypeError(f"models must be a list of purchase models, got {models!r}")
    cal = [data[c] for c in _HISTORY]
    n = len(data)
    rows: dict[str, dict[str, float]] = {}
    for model in models:  # one row per model; every per-customer sum runs in the core
        if not isinstance(model, _PurchaseModel):
            raise ArgumentTypeError(
                f"models must be BetaGeo, ModifiedBetaGeo or ParetoNBD instances, got {model!r}"
            )
        if model._params is None:
            model.fit(*cal)
        k = len(model._names)
        ll = log_likelihood(model, *cal)
        metrics = holdout_validation(model, data[_PURCHASE_COLUMNS]).metrics.loc["purchases"]
        name, i = type(model).__name__, 2
        while name in rows:
            name, i = f"{type(model).__name__}#{i}", i + 1
        rows[name] = {
            "k": k,
            "n": n,
            "log_likelihood": ll,
            "aic": 2 * k - 2 * ll,
            "bic": k * np.log(n) - 2 * ll,
            **{c: float(metrics[c]) for c in ("mae", "rmse", "bias", "actual_mean", "predicted_mean")},
        }
    table = pd.DataFrame(list(rows.values()), index=list(rows), columns=_COLUMNS)
    return table.astype({"k": "int64", "n": "int64"})
