"""flo_rfm.compare_models: each row's log-likelihood is lifetimes' own likelihood function at the
model's parameters (computed here by lifetimes), AIC and BIC recomputed from it, and the holdout
errors recomputed with numpy from the model's predictions and the holdout counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

import flo_rfm
from flo_rfm import exceptions as E

LIFETIMES = {"BetaGeo": BetaGeoFitter, "ModifiedBetaGeo": ModifiedBetaGeoFitter, "ParetoNBD": ParetoNBDFitter}


@pytest.fixture(scope="module")
def ch() -> pd.DataFrame:
    log = flo_rfm.datasets.sample_transactions(3000, seed=5)
    return flo_rfm.calibration_holdout(
        log, "master_id", "date", "2020-12-31", observation_period_end="2021-05-30", freq="W"
    )


def _models() -> list:
    return [flo_rfm.BetaGeo(0.001), flo_rfm.ModifiedBetaGeo(0.001), flo_rfm.ParetoNBD(0.001)]


def _lifetimes_ll(name: str, params: pd.Series, x, t_x, big_t) -> float:
    """The summed log-likelihood by lifetimes' own objective, unpenalised, in the data's units."""
    x, t_x, big_t = np.asarray(x).astype(int), np.asarray(t_x, float), np.asarray(big_t, float)
    w = np.ones(len(x), dtype=np.int64)
    p = params.to_numpy()
    if name == "ParetoNBD":  # -sum(w LL) / mean(w)
        return -float(ParetoNBDFitter._negative_log_likelihood(p, x, t_x, big_t, w, 0.0))
    return -float(LIFETIMES[name]._negative_log_likelihood(np.log(p), x, t_x, big_t, w, 0.0)) * len(x)


def test_rows_are_lifetimes_likelihoods_and_numpy_errors(ch: pd.DataFrame) -> None:
    models = _models()
    table = flo_rfm.compare_models(ch, models=models)
    assert table.index.tolist() == ["BetaGeo", "ModifiedBetaGeo", "ParetoNBD"]
    cal = ch["frequency_cal"], ch["recency_cal"], ch["T_cal"]
    n = len(ch)
    for model in models:
        row = table.loc[type(model).__name__]
        ll = _lifetimes_ll(type(model).__name__, model.params_, *cal)
        assert row["log_likelihood"] == pytest.approx(ll, rel=1e-12)
        assert (row["k"], row["n"]) == (4, n)
        assert row["aic"] == pytest.approx(2 * 4 - 2 * ll, rel=1e-12)
        assert row["bic"] == pytest.approx(4 * np.log(n) - 2 * ll, rel=1e-12)
        err = (
            np.asarray(model.predict(float(ch["duration_holdout"].iloc[0]), *cal))
            - ch["frequency_holdout"].to_numpy()
        )
        assert row["mae"] == pytest.approx(np.mean(np.abs(err)), rel=1e-12)
        assert row["rmse"] == pytest.approx(np.sqrt(np.mean(err**2)), rel=1e-12)
        assert row["bias"] == pytest.approx(np.mean(err), rel=1e-12)
        assert row["actual_mean"] == pytest.approx(ch["frequency_holdout"].mean(), rel=1e-12)


def test_unfitted_models_are_fitted_and_fitted_ones_kept(ch: pd.DataFrame) -> None:
    cal = ch["frequency_cal"], ch["recency_cal"], ch["T_cal"]
    fitted = flo_rfm.BetaGeo(0.001).fit(*cal)
    unfitted = flo_rfm.BetaGeo(0.001)
    other = flo_rfm.BetaGeo(0.1).fit(*cal)
    table = flo_rfm.compare_models(ch, models=[fitted, unfitted, other])
    assert table.index.tolist() == ["BetaGeo", "BetaGeo#2", "BetaGeo#3"]
    assert unfitted.params_.equals(fitted.params_)
    pd.testing.assert_series_equal(table.iloc[0], table.iloc[1], check_names=False)
    assert (
        table.iloc[2]["log_likelihood"] < table.iloc[0]["log_likelihood"]
    )  # penalised away from the optimum


def test_holdout_as_its_own_table(ch: pd.DataFrame) -> None:
    together = flo_rfm.compare_models(ch, models=_models())
    history = ch[["frequency_cal", "recency_cal", "T_cal"]]
    holdout = ch[["frequency_holdout", "duration_holdout"]].sample(frac=1.0, random_state=1)
    apart = flo_rfm.compare_models(history, holdout, models=_models())
    pd.testing.assert_frame_equal(apart, together)
    with pytest.raises(E.InputError, match="one row for every customer"):
        flo_rfm.compare_models(history, holdout.iloc[1:], models=_models())
    with pytest.raises(E.MissingColumnsError, match="frequency_holdout"):
        flo_rfm.compare_models(history, models=_models())
    with pytest.raises(E.ArgumentTypeError):
        flo_rfm.compare_models(ch, models=flo_rfm.BetaGeo())
    with pytest.raises(E.ArgumentTypeError):
        flo_rfm.compare_models(ch, models=[flo_rfm.GammaGamma()])
