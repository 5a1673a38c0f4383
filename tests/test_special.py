"""The Rust special functions against scipy on grids covering what the models use.

Worst errors seen when this was written (scipy 1.17), relative to max(|scipy|, 1): ln Γ 4.5e-16,
ψ 6.4e-16, ln 2F1 1.1e-14 (on 20,000 draws of the BG/NBD's range). The bounds below are those
with margin.
"""

from __future__ import annotations

import numpy as np
from scipy import special as sp

from flo_rfm import _flo_rfm


def _run(name, a, b=None, c=None, z=None):
    zero = np.zeros_like(a)
    return _flo_rfm.special(
        name, a, zero if b is None else b, zero if c is None else c, zero if z is None else z
    )


def _worst(ours, ref, floor):
    return float(np.max(np.abs(ours - ref) / np.maximum(np.abs(ref), floor)))


GRID = np.concatenate(
    [np.geomspace(1e-8, 1.0, 400), np.linspace(1.0, 50.0, 2000), np.geomspace(50.0, 1e6, 400)]
)


def test_ln_gamma():
    assert _worst(_run("ln_gamma", GRID), sp.gammaln(GRID), 1.0) < 1e-14


def test_digamma():
    assert _worst(_run("digamma", GRID), sp.digamma(GRID), 1.0) < 1e-13


def test_ln_hyp2f1_on_the_bgnbd_range():
    rng = np.random.default_rng(0)
    n = 20_000
    # a = r + x, b = b + x, c = a + b + x - 1 and z = t / (alpha + T + t) as the BG/NBD uses them.
    r, bb, aa = rng.uniform(0.05, 10, n), rng.uniform(0.05, 10, n), rng.uniform(0.05, 10, n)
    x = rng.integers(0, 200, n).astype(float)
    z = rng.uniform(0.0, 0.95, n)
    a, b, c = r + x, bb + x, aa + bb + x
    ref = np.log(sp.hyp2f1(a, b, c, z))
    ok = np.isfinite(ref)
    ours = _run("ln_hyp2f1", a, b, c, z)
    assert ok.mean() > 0.9
    assert _worst(ours[ok], ref[ok], 1.0) < 1e-12
    assert np.isfinite(ours).all()
