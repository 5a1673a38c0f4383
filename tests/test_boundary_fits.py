"""Fits that start or end at the boundary of the parameter space, on generated data built to
drive one parameter to its limit: each converges (every parameter finite and > 0, every
prediction finite, probabilities in [0, 1]) or raises ConvergenceError naming the parameter
that runs to its limit; never NaN. And the issue's case: a single repeat buyer under the real
file's boundary optimum (a ~ 1e-32, b ~ 1e-17) is alive, as the formula at 50 digits says."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import flo_rfm
from flo_rfm.exceptions import ConvergenceError

mp = pytest.importorskip("mpmath")
oracle = pytest.importorskip("clv_oracle")

BOUNDARY = {"r": 3.6633817129046884, "alpha": 76.1723123020761, "a": 9.7e-33, "b": 1.7e-17}


def _model(cls, params: dict[str, float]):
    m = cls()
    m.params_ = pd.Series(params)
    return m


def test_single_repeat_buyer_at_the_boundary_is_alive() -> None:
    bgf = _model(flo_rfm.BetaGeo, BOUNDARY)
    got = float(np.asarray(bgf.conditional_probability_alive(1, 50, 100)))
    exact = oracle.bg_palive(list(BOUNDARY.values()), 1, 50, 100, False)
    assert abs(got - float(exact)) <= 1e-15 and got > 0.999
    # lifetimes 0.11.3 gives 0 here: it evaluates b + 1 - 1, which rounds b away.
    from lifetimes import BetaGeoFitter

    theirs = BetaGeoFitter()
    theirs.params_ = pd.Series(BOUNDARY)
    assert np.asarray(theirs.conditional_probability_alive(1, 50, 100)).ravel()[0] == 0.0
    # The expectation of the same customer is finite, and the band of the P(alive) matrix is gone.
    assert np.isfinite(bgf.predict(10, 1, 50, 100))
    f, r = np.meshgrid(np.arange(0, 31.0), np.linspace(0, 100, 21))
    p = np.asarray(
        bgf.conditional_probability_alive(
            f.ravel(), np.where(f.ravel() == 0, 0, r.ravel()), np.full(f.size, 100.0)
        )
    )
    assert (p > 0.999).all()


def _customers(rng: np.random.Generator, n: int, rate, life, big_t: float = 52.0):
    """Poisson purchases at per-customer `rate` until an exponential dropout time `life`
    (np.inf: nobody drops out), observed for `big_t`: lifetimes' (frequency, recency, T)."""
    freq, rec = np.zeros(n), np.zeros(n)
    for i in range(n):
        end = min(life[i], big_t)
        times = np.cumsum(rng.exponential(1 / rate[i], size=int(rate[i] * big_t * 3) + 20))
        times = times[times <= end]
        if len(times) > 1:
            freq[i], rec[i] = len(times) - 1, times[-1] - times[0]
    return freq, rec, np.full(n, big_t)


def _scenarios():
    rng = np.random.default_rng(7)
    n = 3000
    same_rate = np.full(n, 0.8)
    never = np.full(n, np.inf)
    return {
        # No one drops out: the dropout probability's Beta collapses onto 0 (a -> 0 or b -> inf).
        "no dropout": _customers(rng, n, rng.gamma(2.0, 0.4, n), never),
        # Everyone buys at one rate: the Gamma of rates collapses (r, alpha -> inf).
        "one rate": _customers(rng, n, same_rate, never),
        # One rate and quick dropouts: both at once.
        "one rate, quick dropouts": _customers(rng, n, same_rate, rng.exponential(5.0, n)),
        # Mostly single buyers with one repeat: the real file's shape with frequency - 1.
        "one repeat": (
            np.where(rng.random(n) < 0.7, 1.0, 2.0),
            np.full(n, 30.0),
            np.full(n, 52.0),
        ),
    }


@pytest.mark.parametrize("scenario", list(_scenarios()))
@pytest.mark.parametrize("cls", [flo_rfm.BetaGeo, flo_rfm.ModifiedBetaGeo, flo_rfm.ParetoNBD])
def test_fits_driven_to_the_boundary_converge_or_name_the_parameter(cls, scenario: str) -> None:
    freq, rec, big_t = _scenarios()[scenario]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = cls().fit(freq, rec, big_t)
        except ConvergenceError as err:
            names = "r|alpha|a|b" if cls is not flo_rfm.ParetoNBD else "r|alpha|s|beta"
            assert re.search(rf"\b({names}) (runs to (0|infinity)|is not a number)", str(err)) or (
                "did not converge" in str(err)
            ), str(err)
            return
    params = np.asarray(m.params_, dtype=float)
    assert np.isfinite(params).all() and (params > 0).all(), params
    p = np.asarray(m.conditional_probability_alive(freq, rec, big_t))
    e = np.asarray(m.predict(26, freq, rec, big_t))
    assert np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
    assert np.isfinite(e).all() and (e >= 0).all()


def test_gamma_gamma_driven_to_the_boundary() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(1, 20, 2000).astype(float)
    # Every customer spends the same mean: the population's spread collapses (q, v -> inf).
    m = np.full(2000, 50.0) * rng.gamma(400.0, 1 / 400.0, 2000)
    try:
        gg = flo_rfm.GammaGamma().fit(x, m)
    except ConvergenceError as err:
        assert re.search(r"\b(p|q|v) (runs to (0|infinity)|is not a number)", str(err)) or (
            "did not converge" in str(err)
        ), str(err)
        return
    e = np.asarray(gg.conditional_expected_average_profit(x, m))
    assert np.isfinite(e).all() and (e > 0).all()
