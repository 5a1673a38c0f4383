"""CLTV against lifetimes 0.11.3 (test-only dependency) on the real file and on generated data:
our objective is no worse than lifetimes' (1e-9) and every prediction agrees to relative 1e-4."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import seeds
from lifetimes import BetaGeoFitter, GammaGammaFitter

import flo_rfm
from flo_rfm import _flo_rfm
from flo_rfm.exceptions import InvalidArgumentError

PREDICTIONS = ["exp_sales_3_month", "exp_sales_6_month", "exp_average_value", "cltv"]


def _lifetimes_objectives(ours: flo_rfm.CltvResult, theirs_bgf, theirs_ggf, frame: pd.DataFrame):
    """Both optima scored by lifetimes' own objective functions, on the same data."""
    f = frame["frequency"].to_numpy().astype(int)
    rec, T = frame["recency_cltv_weekly"].to_numpy(), frame["T_weekly"].to_numpy()
    scale = 1.0 / T.max()
    w = np.ones_like(rec, dtype=int)

    def bg_obj(params: pd.Series) -> float:
        p = params.to_numpy().copy()
        p[1] *= scale  # lifetimes fits alpha on the scaled time axis
        return BetaGeoFitter._negative_log_likelihood(np.log(p), f, rec * scale, T * scale, w, 0.001)

    m = frame["monetary_cltv_avg"].to_numpy()

    def gg_obj(params: pd.Series) -> float:
        return GammaGammaFitter._negative_log_likelihood(
            np.log(params.to_numpy()), f.astype(float), m, w, 0.01
        )

    return (bg_obj(ours.bgf.params_), bg_obj(theirs_bgf.params_)), (
        gg_obj(ours.ggf.params_),
        gg_obj(theirs_ggf.params_),
    )


def _check_against_lifetimes(raw: pd.DataFrame) -> flo_rfm.CltvResult:
    theirs, bgf, ggf = seeds.cltv_study(raw)
    ours = flo_rfm.cltv(raw)
    # The same prepared frame.
    expected = theirs.set_index("customer_id")[
        ["recency_cltv_weekly", "T_weekly", "frequency", "monetary_cltv_avg"]
    ]
    got = ours.table[expected.columns]
    np.testing.assert_array_equal(got.index.to_numpy(), expected.index.to_numpy())
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    # Objective no worse than lifetimes' at its optimum (both scored by lifetimes' code).
    (bg_ours, bg_theirs), (gg_ours, gg_theirs) = _lifetimes_objectives(ours, bgf, ggf, theirs)
    assert bg_ours <= bg_theirs + 1e-9, (bg_ours, bg_theirs)
    assert gg_ours <= gg_theirs + 1e-9, (gg_ours, gg_theirs)
    assert bg_theirs == pytest.approx(bgf._negative_log_likelihood_, abs=1e-12)
    # Every prediction column to a relative 1e-4.
    for col in PREDICTIONS:
        np.testing.assert_allclose(ours.table[col].to_numpy(), theirs[col].to_numpy(), rtol=1e-4, err_msg=col)
    # Segments: identical, except a customer whose CLV sits within 1e-4 of a quartile edge.
    _, edges = pd.qcut(theirs["cltv"], 4, retbins=True)
    near = np.zeros(len(theirs), dtype=bool)
    for e in edges[1:-1]:
        near |= np.isclose(theirs["cltv"].to_numpy(), e, rtol=1e-4)
    same = ours.table["cltv_segment"].to_numpy(object) == theirs["cltv_segment"].to_numpy(object)
    assert (same | near).all()
    return ours


def test_real_file_matches_lifetimes_and_spec(real_raw):
    ours = _check_against_lifetimes(real_raw)
    assert len(ours.table) == 19945
    np.testing.assert_allclose(ours.ggf.params_.to_numpy(), [4.1512, 0.4701, 4.0772], atol=1e-4)
    a_mean = ours.table.loc[ours.table["cltv_segment"] == "A", "cltv"].mean()
    assert a_mean == pytest.approx(362.32, abs=0.005)
    info = ours.bgf.fit_info_
    assert info["gradient_norm"] < 1e-7 and info["iterations"] > 0 and info["groups"] <= 19945


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_data_matches_lifetimes(seed):
    _check_against_lifetimes(flo_rfm.datasets.sample_frame(6000, seed=seed))


def test_series_in_series_out_and_json_round_trip(tmp_path):
    res = flo_rfm.cltv(flo_rfm.datasets.sample(2000, seed=4))
    t = res.table
    pred = res.bgf.predict(12, t["frequency"], t["recency_cltv_weekly"], t["T_weekly"])
    assert isinstance(pred, pd.Series) and pred.index.equals(t.index)
    path = tmp_path / "bgf.json"
    res.bgf.save(path)
    loaded = flo_rfm.BetaGeo.load(path)
    pdt.assert_series_equal(loaded.params_, res.bgf.params_)
    again = loaded.predict(12, t["frequency"], t["recency_cltv_weekly"], t["T_weekly"])
    pdt.assert_series_equal(again, pred)
    gg = flo_rfm.GammaGamma.from_json(res.ggf.to_json())
    pdt.assert_series_equal(gg.params_, res.ggf.params_)
    with pytest.raises(ValueError, match="not 'GammaGamma'"):
        flo_rfm.GammaGamma.from_json(res.bgf.to_json())


def test_probability_alive_matches_lifetimes():
    res = flo_rfm.cltv(flo_rfm.datasets.sample(3000, seed=6))
    t = res.table
    lt = BetaGeoFitter()
    lt.params_ = res.bgf.params_.copy()
    args = (t["frequency"].to_numpy(), t["recency_cltv_weekly"].to_numpy(), t["T_weekly"].to_numpy())
    np.testing.assert_allclose(
        res.bgf.conditional_probability_alive(*args), lt.conditional_probability_alive(*args), rtol=1e-12
    )
    np.testing.assert_allclose(
        res.bgf.predict(30, *args),
        lt.conditional_expected_number_of_purchases_up_to_time(30, *args),
        rtol=1e-10,
    )


def test_repeat_orders_definition():
    raw = flo_rfm.datasets.sample_frame(3000, seed=8)
    seeds_def = flo_rfm.cltv(raw)
    textbook = flo_rfm.cltv(raw, frequency="repeat_orders")
    np.testing.assert_array_equal(textbook.table["frequency"], seeds_def.table["frequency"] - 1)
    lt = BetaGeoFitter(penalizer_coef=0.001).fit(
        textbook.table["frequency"], textbook.table["recency_cltv_weekly"], textbook.table["T_weekly"]
    )
    np.testing.assert_allclose(textbook.bgf.params_[["r", "alpha"]], lt.params_[["r", "alpha"]], rtol=1e-3)


# --- edge cases -------------------------------------------------------------------------------


def test_one_customer():
    bgf = flo_rfm.BetaGeo(0.001).fit([3], [10.0], [20.0])
    assert np.isfinite(bgf.params_).all()
    lt = BetaGeoFitter(penalizer_coef=0.001).fit(np.array([3]), np.array([10.0]), np.array([20.0]))
    np.testing.assert_allclose(bgf.predict(5, [3], [10.0], [20.0]), lt.predict(5, 3, 10.0, 20.0), rtol=1e-4)


def test_all_customers_identical():
    n = 500
    x, r, T, m = np.full(n, 4.0), np.full(n, 30.0), np.full(n, 50.0), np.full(n, 80.0)
    bgf = flo_rfm.BetaGeo(0.001).fit(x, r, T)
    assert bgf.fit_info_["groups"] == 1
    ggf = flo_rfm.GammaGamma(0.01).fit(x, m)
    assert np.isfinite(ggf.conditional_expected_average_profit(x, m)).all()


def test_very_large_frequencies():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 3000, 400).astype(float)
    T = rng.uniform(100, 200, 400)
    r = T * rng.uniform(0.5, 1.0, 400)
    bgf = flo_rfm.BetaGeo(0.001).fit(x, r, T)
    pred = bgf.predict(24, x, r, T)
    assert np.isfinite(pred).all() and (pred >= 0).all()


def test_recency_zero_and_recency_equal_t():
    x = np.array([1.0, 2.0, 5.0, 1.0, 3.0])
    r = np.array([0.0, 10.0, 20.0, 0.0, 30.0])
    T = np.array([10.0, 10.0, 40.0, 5.0, 30.0])
    bgf = flo_rfm.BetaGeo(0.01).fit(x, r, T)
    lt = BetaGeoFitter(penalizer_coef=0.01).fit(x, r, T)
    np.testing.assert_allclose(bgf.predict(10, x, r, T), lt.predict(10, x, r, T), rtol=1e-4)


def test_monetary_zero_is_a_clear_error():
    with pytest.raises(InvalidArgumentError, match="monetary_value > 0"):
        flo_rfm.GammaGamma(0.01).fit([2, 3], [10.0, 0.0])
    with pytest.raises(InvalidArgumentError, match="recency is larger than T"):
        flo_rfm.BetaGeo().fit([2], [30.0], [10.0])


def test_unfitted_model_says_so():
    with pytest.raises(ValueError, match="not fitted"):
        flo_rfm.BetaGeo().predict(1, [1], [1], [2])


def test_objective_binding_agrees_with_lifetimes_formula():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, 200).astype(float)
    T = rng.uniform(0.2, 1.0, 200)
    r = np.where(x > 0, T * rng.uniform(0, 1, 200), 0.0)
    w = rng.integers(1, 4, 200).astype(float)
    lp = [0.3, -1.0, 0.2, 0.5]
    ours = _flo_rfm.purchases_objective("bgnbd", lp, x, r, T, w, 0.01)
    theirs = BetaGeoFitter._negative_log_likelihood(np.array(lp), x.astype(int), r, T, w, 0.01)
    assert ours == pytest.approx(theirs, rel=1e-13)


def test_cdnow_published_parameters_and_lifetimes():
    """The CDNOW data lifetimes ships: BG/NBD r=0.243, alpha=4.414, a=0.793, b=2.426 (Fader, Hardie
    & Lee 2005, table 1) and Gamma-Gamma p=6.25, q=3.74, v=15.44 (Fader & Hardie's note)."""
    from lifetimes.datasets import load_cdnow_summary, load_cdnow_summary_data_with_monetary_value

    d = load_cdnow_summary()
    ours = flo_rfm.BetaGeo(0.0).fit(d["frequency"], d["recency"], d["T"])
    np.testing.assert_allclose(ours.params_.to_numpy(), [0.243, 4.414, 0.793, 2.426], atol=5e-4)
    theirs = BetaGeoFitter(0.0).fit(d["frequency"], d["recency"], d["T"])
    assert ours.fit_info_["objective"] <= theirs._negative_log_likelihood_ + 1e-9
    args = (d["frequency"], d["recency"], d["T"])
    np.testing.assert_allclose(ours.predict(39, *args), theirs.predict(39, *args), rtol=1e-4)
    m = load_cdnow_summary_data_with_monetary_value()
    m = m[m["frequency"] > 0]
    gg = flo_rfm.GammaGamma(0.0).fit(m["frequency"], m["monetary_value"])
    np.testing.assert_allclose(
        gg.params_.to_numpy(), [6.25, 3.74, 15.44], atol=1e-2
    )  # published to 2 decimals
    lt = GammaGammaFitter(0.0).fit(m["frequency"], m["monetary_value"])
    assert gg.fit_info_["objective"] <= lt._negative_log_likelihood_ + 1e-9


def test_mismatched_array_lengths_are_a_clear_error():
    # These once reached an index panic inside the core.
    bgf = flo_rfm.BetaGeo(0.001).fit([2, 3, 4], [5.0, 6.0, 7.0], [10.0, 12.0, 14.0])
    with pytest.raises(InvalidArgumentError, match="same length, got lengths 3, 2, 3"):
        bgf.predict(4, [1, 2, 3], [1.0, 2.0], [3.0, 4.0, 5.0])
    with pytest.raises(InvalidArgumentError, match="same length"):
        bgf.conditional_probability_alive([1, 2], [1.0, 2.0], [3.0])
    with pytest.raises(InvalidArgumentError, match="3 weights for 2 customers"):
        flo_rfm.BetaGeo().fit([1, 2], [1.0, 2.0], [3.0, 4.0], weights=[1, 1, 1])
    ggf = flo_rfm.GammaGamma(0.01).fit([2, 3, 5, 2, 4], [90.0, 120.0, 95.0, 80.0, 100.0])
    with pytest.raises(InvalidArgumentError, match="same length"):
        ggf.conditional_expected_average_profit([2, 3], [100.0])


def _pandas_segment_summary(res: flo_rfm.CltvResult) -> pd.DataFrame:
    t = res.to_pandas()
    numbers = t.drop(columns=["cltv_segment"])
    return numbers.groupby(t["cltv_segment"], observed=False).agg(["count", "mean", "sum"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_segment_summary_is_pandas_groupby(seed: int) -> None:
    res = flo_rfm.cltv(flo_rfm.datasets.sample(1500 * seed, seed=seed), segments=3 + seed)
    pd.testing.assert_frame_equal(res.segment_summary(), _pandas_segment_summary(res), check_exact=True)


def test_segment_summary_is_pandas_groupby_on_real_file(real_path) -> None:
    res = flo_rfm.cltv(real_path)
    pd.testing.assert_frame_equal(res.segment_summary(), _pandas_segment_summary(res), check_exact=True)
