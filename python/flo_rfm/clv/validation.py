"""Holdout validation with numbers: a purchase model (and a spend model) fitted on the
calibration period, judged on the holdout period of a ``calibration_holdout`` table.

The tables are the data behind lifetimes' ``plot_calibration_purchases_vs_holdout_purchases``
(mean actual and predicted holdout purchases by calibration frequency) and a calibration table
(customers in equal-size bins of predicted purchases); ``flo_rfm.plot.holdout_purchases`` and
``flo_rfm.plot.calibration`` draw them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._frames import as_int, to_pandas
from ..exceptions import ArgumentTypeError, InputError, InvalidArgumentError, MissingColumnsError
from ._kinds import PurchaseModel
from ._model import _arr
from ._purchase import _PurchaseModel
from .gamma_gamma import GammaGamma

__all__ = ["HoldoutValidation", "cumulative_transactions", "error_metrics", "holdout_validation"]

_PURCHASE_COLUMNS = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
_SPEND_COLUMNS = ["monetary_value_cal", "monetary_value_holdout"]


def error_metrics(actual: Any, predicted: Any) -> dict[str, float]:
    """Customers, MAE, RMSE, bias (mean of predicted - actual) and both means.

    Examples
    --------
    >>> from flo_rfm.clv.validation import error_metrics
    >>> error_metrics([1.0, 2.0, 0.0], [1.5, 1.0, 0.0])["mae"]
    0.5
    """
    a = _arr(actual)
    p = _arr(predicted)
    if a.shape != p.shape:
        raise InvalidArgumentError(
            f"actual and predicted must have the same length, got {a.shape} and {p.shape}"
        )
    if a.size == 0:
        nan = float("nan")
        return {
            "customers": 0,
            "mae": nan,
            "rmse": nan,
            "bias": nan,
            "actual_mean": nan,
            "predicted_mean": nan,
        }
    err = p - a
    return {
        "customers": int(a.size),
        "mae": float(np.mean(np.abs(err))),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "bias": float(np.mean(err)),
        "actual_mean": float(np.mean(a)),
        "predicted_mean": float(np.mean(p)),
    }


def _compare(frame: pd.DataFrame, key: pd.Series | np.ndarray) -> pd.DataFrame:
    """Customers, mean actual and mean predicted per value of ``key``."""
    out = frame.groupby(key, sort=True, observed=True).agg(
        customers=("actual", "size"), actual_mean=("actual", "mean"), predicted_mean=("predicted", "mean")
    )
    out["difference"] = out["predicted_mean"] - out["actual_mean"]
    return out


class HoldoutValidation:
    """Predicted against actual holdout behaviour.

    Attributes
    ----------
    customers : pandas.DataFrame
        Per customer: ``frequency_cal``, ``actual`` (holdout purchases), ``predicted``, ``error``
        (predicted - actual) and, with a spend model, ``spend_actual`` / ``spend_predicted``
        (mean holdout spend against Gamma-Gamma's expected average, for customers with repeat
        purchases in both periods).
    metrics : pandas.DataFrame
        Rows ``purchases`` (and ``spend``): customers, MAE, RMSE, bias, both means.
    by_frequency : pandas.DataFrame
        Per calibration frequency: customers, mean actual and predicted holdout purchases.
    calibration : pandas.DataFrame
        Customers in ``bins`` equal-size bins of predicted purchases: mean actual and predicted.
    """

    def __init__(
        self,
        customers: pd.DataFrame,
        metrics: pd.DataFrame,
        by_frequency: pd.DataFrame,
        calibration: pd.DataFrame,
    ) -> None:
        self.customers = customers
        self.metrics = metrics
        self.by_frequency = by_frequency
        self.calibration = calibration

    def __repr__(self) -> str:
        m = self.metrics.loc["purchases"]
        return (
            f"<HoldoutValidation: {int(m['customers'])} customers, purchases MAE {m['mae']:.4g}, "
            f"RMSE {m['rmse']:.4g}, bias {m['bias']:+.4g}>"
        )


def holdout_validation(
    model: PurchaseModel,
    data: pd.DataFrame,
    spend_model: GammaGamma | None = None,
    bins: int = 10,
) -> HoldoutValidation:
    """Judge ``model`` (fitted on ``data``'s calibration columns) on its holdout columns.

    Parameters
    ----------
    model : BetaGeo, ModifiedBetaGeo or ParetoNBD
        Fitted on ``frequency_cal``, ``recency_cal``, ``T_cal``.
    data : pandas.DataFrame
        A ``flo_rfm.calibration_holdout`` (or lifetimes' ``calibration_and_holdout_data``) table.
    spend_model : GammaGamma, optional
        Fitted on the calibration spend; needs ``monetary_value_cal`` / ``_holdout`` columns.
    bins : int
        Bins of the calibration table.

    Examples
    --------
    >>> import flo_rfm
    >>> log = flo_rfm.datasets.sample_transactions(3000)
    >>> ch = flo_rfm.calibration_holdout(log, "master_id", "date", "2020-12-01",
    ...                                  observation_period_end="2021-06-01", freq="W")
    >>> bgf = flo_rfm.BetaGeo(0.01).fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    >>> v = flo_rfm.holdout_validation(bgf, ch)
    >>> v.metrics.columns.tolist()
    ['customers', 'mae', 'rmse', 'bias', 'actual_mean', 'predicted_mean']
    """
    if not isinstance(model, _PurchaseModel):
        raise ArgumentTypeError(
            f"model must be a fitted BetaGeo, ModifiedBetaGeo or ParetoNBD, got {model!r}"
        )
    if spend_model is not None and not isinstance(spend_model, GammaGamma):
        raise ArgumentTypeError(f"spend_model must be a fitted GammaGamma, got {spend_model!r}")
    bins = as_int(bins, "bins", 1)
    data = to_pandas(data)
    missing = [c for c in _PURCHASE_COLUMNS if c not in data.columns]
    if missing:
        err = MissingColumnsError(
            f"data lacks the calibration/holdout columns {missing}: use flo_rfm.calibration_holdout"
        )
        err.columns = missing
        raise err
    predicted = pd.Series(np.nan, index=data.index, dtype="float64")
    # Every customer has the same holdout length in a calibration_holdout table; grouping keeps
    # any table with several lengths right too.
    for duration, rows in data.groupby("duration_holdout").groups.items():
        part = data.loc[rows]
        predicted.loc[rows] = np.asarray(
            model.predict(float(duration), part["frequency_cal"], part["recency_cal"], part["T_cal"])
        )
    customers = pd.DataFrame(
        {
            "frequency_cal": data["frequency_cal"],
            "actual": data["frequency_holdout"].astype("float64"),
            "predicted": predicted,
        }
    )
    customers["error"] = customers["predicted"] - customers["actual"]
    rows = {"purchases": error_metrics(customers["actual"], customers["predicted"])}
    if spend_model is not None:
        lacking = [c for c in _SPEND_COLUMNS if c not in data.columns]
        if lacking:
            err = MissingColumnsError(f"a spend check needs the columns {lacking}: pass monetary_value_col")
            err.columns = lacking
            raise err
        both = (data["frequency_cal"] > 0) & (data["frequency_holdout"] > 0)
        expected = spend_model.conditional_expected_average_profit(
            data.loc[both, "frequency_cal"], data.loc[both, "monetary_value_cal"]
        )
        customers["spend_actual"] = data["monetary_value_holdout"].where(both)
        customers["spend_predicted"] = pd.Series(np.asarray(expected), index=data.index[both.to_numpy()])
        rows["spend"] = error_metrics(data.loc[both, "monetary_value_holdout"], np.asarray(expected))
    metrics = pd.DataFrame.from_dict(rows, orient="index")
    by_frequency = _compare(customers, customers["frequency_cal"])
    ranks = customers["predicted"].rank(method="first")
    bin_of = pd.qcut(ranks, min(bins, len(customers)), labels=False) + 1
    calibration = _compare(customers, bin_of.rename("bin"))
    return HoldoutValidation(customers, metrics, by_frequency, calibration)


def cumulative_transactions(
    model: PurchaseModel,
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    t: int,
    freq: str = "D",
    freq_multiplier: int = 1,
) -> pd.DataFrame:
    """The data of the tracking plot: cumulative repeat transactions, actual and predicted, for
    ``t`` periods from the log's first date, as lifetimes' ``expected_cumulative_transactions``
    computes them (a customer's first purchase period is its birth; every later period with a
    purchase is one repeat transaction; the prediction adds the model's expected purchases of
    each cohort since its birth). ``model`` is fitted in units of ``freq_multiplier`` periods.

    Examples
    --------
    >>> import flo_rfm
    >>> log = flo_rfm.datasets.sample_transactions(1000)
    >>> s = flo_rfm.summarize_transactions(log, "master_id", "date", freq="W")
    >>> bgf = flo_rfm.BetaGeo(0.01).fit(s["frequency"], s["recency"], s["T"])
    >>> track = flo_rfm.cumulative_transactions(bgf, log, "master_id", "date", t=52, freq="W")
    >>> track.columns.tolist(), len(track)
    (['actual', 'predicted'], 52)
    """
    if not isinstance(model, _PurchaseModel):
        raise ArgumentTypeError(
            f"model must be a fitted BetaGeo, ModifiedBetaGeo or ParetoNBD, got {model!r}"
        )
    t, freq_multiplier = as_int(t, "t"), as_int(freq_multiplier, "freq_multiplier")
    if t < 1 or freq_multiplier < 1:
        raise InvalidArgumentError("t and freq_multiplier must be whole numbers >= 1")
    transactions = to_pandas(transactions)
    missing = [c for c in (customer_id_col, datetime_col) if c not in transactions.columns]
    if missing:
        err = MissingColumnsError(f"<DataFrame>: missing required column(s): {', '.join(map(str, missing))}")
        err.columns = missing
        raise err
    try:
        dates = pd.to_datetime(transactions[datetime_col])
    except (TypeError, ValueError) as e:
        raise InputError(f"column {datetime_col}: cannot read the dates: {e}") from e
    start = dates.min()
    try:
        end = start.to_period(freq) + t
    except (TypeError, ValueError, AttributeError) as e:
        if pd.isna(start):
            raise InputError("the transactions hold no dates") from e
        raise InvalidArgumentError(
            f"freq must be a pandas period frequency such as 'D' or 'W', got {freq!r}"
        ) from e
    log = pd.DataFrame({"id": transactions[customer_id_col].to_numpy(), "period": dates.dt.to_period(freq)})
    visits = log[log["period"] <= end].drop_duplicates()
    first = visits["period"] == visits.groupby("id")["period"].transform("min")
    births = visits.loc[first, "period"].value_counts().sort_index()
    repeats = visits.loc[~first, "period"].value_counts()
    periods = pd.date_range(start, periods=t + 1, freq=freq).to_period(freq)
    birth_periods = births.index
    predicted = []
    for i, period in enumerate(periods):
        if i % freq_multiplier == 0 and i > 0:
            age = np.array([(period - b).n for b in birth_periods], dtype="float64")
            born = age > 0
            expected = model.expected_number_of_purchases_up_to_time(age[born] / freq_multiplier)
            predicted.append(float(np.sum(expected * births.to_numpy()[born])))
    per_period = repeats.reindex(periods, fill_value=0).to_numpy()
    actual = [float(per_period[: j * freq_multiplier].sum()) for j in range(1, t // freq_multiplier + 1)]
    return pd.DataFrame(
        {"actual": actual, "predicted": predicted}, index=pd.RangeIndex(len(actual), name="period")
    )
