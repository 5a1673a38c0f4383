"""Holdout validation numbers against a direct pandas/numpy computation, and its plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter

import flo_rfm
import flo_rfm.plot as fplot


@pytest.fixture(scope="module")
def split():
    log = flo_rfm.datasets.sample_transactions(4000, seed=3)
    return flo_rfm.calibration_holdout(
        log,
        "master_id",
        "date",
        "2020-12-01",
        observation_period_end="2021-06-01",
        freq="W",
        monetary_value_col="amount",
    )


@pytest.mark.parametrize("cls", [flo_rfm.BetaGeo, flo_rfm.ModifiedBetaGeo, flo_rfm.ParetoNBD])
def test_metrics_equal_a_direct_pandas_computation(split, cls):
    ch = split
    model = cls(0.01).fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"], time_unit="W")
    spenders = ch["frequency_cal"] > 0
    ggf = flo_rfm.GammaGamma(0.01).fit(
        ch.loc[spenders, "frequency_cal"], ch.loc[spenders, "monetary_value_cal"]
    )
    v = flo_rfm.holdout_validation(model, ch, spend_model=ggf, bins=5)

    # The reference, written out with pandas the way an analyst would.
    pred = model.predict(ch["duration_holdout"].iloc[0], ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    err = pred - ch["frequency_holdout"]
    ref = v.metrics.loc["purchases"]
    assert ref["customers"] == len(ch)
    assert ref["mae"] == pytest.approx(err.abs().mean(), rel=1e-12)
    assert ref["rmse"] == pytest.approx(np.sqrt((err**2).mean()), rel=1e-12)
    assert ref["bias"] == pytest.approx(err.mean(), rel=1e-12, abs=1e-15)
    pd.testing.assert_series_equal(v.customers["predicted"], pred, check_names=False)

    by = pd.DataFrame({"f": ch["frequency_cal"], "a": ch["frequency_holdout"], "p": pred}).groupby("f")
    np.testing.assert_allclose(v.by_frequency["actual_mean"], by["a"].mean(), rtol=1e-12)
    np.testing.assert_allclose(v.by_frequency["predicted_mean"], by["p"].mean(), rtol=1e-12)
    np.testing.assert_array_equal(v.by_frequency["customers"], by.size())
    assert v.calibration["customers"].sum() == len(ch) and len(v.calibration) == 5

    both = (ch["frequency_cal"] > 0) & (ch["frequency_holdout"] > 0)
    lt = GammaGammaFitter(0.01)
    lt.params_ = ggf.params_.copy()
    spend_pred = lt.conditional_expected_average_profit(
        ch.loc[both, "frequency_cal"], ch.loc[both, "monetary_value_cal"]
    )
    spend_err = spend_pred - ch.loc[both, "monetary_value_holdout"]
    s = v.metrics.loc["spend"]
    assert s["customers"] == both.sum()
    assert s["mae"] == pytest.approx(spend_err.abs().mean(), rel=1e-9)
    assert s["rmse"] == pytest.approx(np.sqrt((spend_err**2).mean()), rel=1e-9)
    assert s["bias"] == pytest.approx(spend_err.mean(), rel=1e-9)


def test_lifetimes_plot_data(split):
    """The by-frequency table is what lifetimes' calibration plot draws."""
    ch = split
    bgf = flo_rfm.BetaGeo(0.01).fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    lt = BetaGeoFitter(0.01)
    lt.params_ = bgf.params_.copy()
    summary = ch.copy()
    summary["model_predictions"] = lt.conditional_expected_number_of_purchases_up_to_time(
        ch["duration_holdout"].iloc[0], ch["frequency_cal"], ch["recency_cal"], ch["T_cal"]
    )
    theirs = summary.groupby("frequency_cal")[["frequency_holdout", "model_predictions"]].mean().iloc[:7]
    ours = flo_rfm.holdout_validation(bgf, ch).by_frequency.iloc[:7]
    np.testing.assert_allclose(ours["actual_mean"], theirs["frequency_holdout"], rtol=1e-12)
    # Here a + b < 1, and lifetimes takes the log of a negative 2F1 for customers with no repeat
    # purchase (NaN, which its groupby mean then skips); those are checked in test_models.
    complete = summary.groupby("frequency_cal")["model_predictions"].apply(lambda p: p.notna().all()).iloc[:7]
    assert complete.iloc[1:].all()
    np.testing.assert_allclose(
        ours["predicted_mean"][complete.to_numpy()], theirs["model_predictions"][complete], rtol=1e-6
    )


def test_validation_errors_and_plots(split, tmp_path):
    ch = split
    bgf = flo_rfm.BetaGeo(0.01).fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    with pytest.raises(ValueError, match="calibration/holdout columns"):
        flo_rfm.holdout_validation(bgf, ch.drop(columns="frequency_holdout"))
    ggf = flo_rfm.GammaGamma(0.01).fit([2, 3, 4, 5], [20.0, 30.0, 10.0, 25.0])
    with pytest.raises(ValueError, match="monetary_value_col"):
        flo_rfm.holdout_validation(bgf, ch.drop(columns="monetary_value_holdout"), spend_model=ggf)
    v = flo_rfm.holdout_validation(bgf, ch)
    assert "purchases MAE" in repr(v)
    for name, ax in (("holdout", fplot.holdout_purchases(v)), ("calibration", fplot.calibration(v))):
        path = tmp_path / f"{name}.png"
        ax.figure.savefig(path, dpi=60)
        plt.close(ax.figure)
        assert path.stat().st_size > 5_000


@pytest.mark.parametrize(("freq", "t", "multiplier"), [("W", 60, 1), ("D", 400, 7), ("D", 200, 1)])
def test_cumulative_transactions_equal_lifetimes(freq, t, multiplier, tmp_path):
    from lifetimes.utils import expected_cumulative_transactions

    log = flo_rfm.datasets.sample_transactions(3000, seed=2)
    s = flo_rfm.summarize_transactions(log, "master_id", "date", freq=freq, freq_multiplier=multiplier)
    bgf = flo_rfm.BetaGeo(0.01).fit(s["frequency"], s["recency"], s["T"])
    ours = flo_rfm.cumulative_transactions(
        bgf, log, "master_id", "date", t=t, freq=freq, freq_multiplier=multiplier
    )
    lt = BetaGeoFitter(0.01)
    lt.params_ = bgf.params_.copy()
    theirs = expected_cumulative_transactions(
        lt, log, "date", "master_id", t=t, freq=freq, freq_multiplier=multiplier
    )
    np.testing.assert_array_equal(ours["actual"].to_numpy(), theirs["actual"].to_numpy())
    np.testing.assert_allclose(ours["predicted"].to_numpy(), theirs["predicted"].to_numpy(), rtol=1e-8)
    ax = fplot.tracking(ours)
    ax.figure.savefig(tmp_path / "tracking.png", dpi=60)
    plt.close(ax.figure)
    assert (tmp_path / "tracking.png").stat().st_size > 5_000
