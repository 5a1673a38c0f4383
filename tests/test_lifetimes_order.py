"""The CLTV study on the real file evaluates its formulas in lifetimes' order, bit for bit.

The cancellation-free forms (tests/test_clv_oracle.py) are used only where lifetimes' order
loses digits: Gamma-Gamma frequencies with p x > 4096, BG/NBD horizon parts below 1e-4 (1 + r + x)
of their first term. The study's fitted models stay well inside lifetimes' region, so its table
keeps lifetimes' bits: here the Gamma-Gamma objective per customer and the 3- and 6-month
expected purchases are written as lifetimes writes them (with the core's ln Γ and 2F1, and the
C library's exp, log and pow through `math`) and must equal ours exactly."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import flo_rfm
from flo_rfm import _flo_rfm


@pytest.fixture(scope="module")
def study(real_raw):
    return flo_rfm.cltv(real_raw)


def _special(name, a, b=None, c=None, z=None):
    zero = np.zeros_like(a)
    return _flo_rfm.special(
        name, a, zero if b is None else b, zero if c is None else c, zero if z is None else z
    )


def test_gamma_gamma_objective_in_lifetimes_order(study):
    table = study.table
    x = table["frequency"].to_numpy(float)
    m = table["monetary_cltv_avg"].to_numpy(float)
    logs = [math.log(v) for v in study.ggf.params_.to_numpy()]
    p, q, v = (math.exp(lv) for lv in logs)
    assert p * x.max() <= 4096  # lifetimes' region of the Gamma-Gamma terms
    px = p * x
    lg_pxq, lg_px = _special("ln_gamma", px + q), _special("ln_gamma", px)
    lg_q = float(_special("ln_gamma", np.array([q]))[0])
    one = np.array([1.0])
    for i in range(len(x)):
        xi, mi = float(x[i]), float(m[i])
        big_l = math.log(xi * mi + v)
        ln_m = math.log(mi)
        # lifetimes: ln Γ(px + q) - ln Γ(px) - ln Γ(q) + q ln v + px ln x + px (ln m - L) - ln m - q L,
        # with x (ln m - L) the exact difference rounded once.
        freq = float(lg_pxq[i]) - float(lg_px[i]) - lg_q + q * math.log(v) + float(px[i]) * math.log(xi)
        x_diff = float(Fraction(xi) * Fraction(ln_m) - Fraction(xi) * Fraction(big_l))
        value = freq + p * x_diff - ln_m - q * big_l
        ours = _flo_rfm.gg_objective(logs, np.array([xi]), np.array([mi]), one, 0.0)
        assert ours == -value, (i, ours, -value)


@pytest.mark.parametrize(("column", "weeks"), [("exp_sales_3_month", 12.0), ("exp_sales_6_month", 24.0)])
def test_bgnbd_expectations_in_lifetimes_order(study, column, weeks):
    table = study.table
    x = table["frequency"].to_numpy(float)
    t_x = table["recency_cltv_weekly"].to_numpy(float)
    big_t = table["T_weekly"].to_numpy(float)
    r, alpha, a, b = study.bgf.params_.to_numpy()
    # eq. (10): (a + b + x - 1) / (a - 1) [1 - ((alpha + T) / (alpha + T + t))^(r + x) 2F1(...)]
    # / (1 + a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)), the power and 2F1 in logs.
    z = weeks / (alpha + big_t + weeks)
    ln_hyp = _special("ln_hyp2f1", r + x, b + x + 0.0, a + b + x - 1.0 + 0.0, z)
    expected = np.empty_like(x)
    for i in range(len(x)):
        xi, ti, txi = float(x[i]), float(big_t[i]), float(t_x[i])
        first = (a + b + xi - 1.0 + 0.0) / (a - 1.0)
        denom = 1.0 + (a / (b + xi - 1.0 + 0.0)) * math.pow((alpha + ti) / (alpha + txi), r + xi)
        part = 1.0 - math.exp(float(ln_hyp[i]) + (r + xi) * math.log((alpha + ti) / (alpha + weeks + ti)))
        expected[i] = first * part / denom
    got = table[column].to_numpy(float)
    differ = np.flatnonzero(got != expected)
    assert differ.size == 0, (differ.size, differ[:5], got[differ[:5]], expected[differ[:5]])
    ours = _flo_rfm.purchases_expected("bgnbd", [r, alpha, a, b], weeks, x, t_x, big_t)
    np.testing.assert_array_equal(ours, expected)
