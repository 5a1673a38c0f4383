"""Every CLV model formula against the same formula at 50 digits (tests/clv_oracle.py, mpmath),
over parameters and histories out to the boundaries fits reach: a, b from 1e-35 to 1e3; r,
alpha (and s, beta) from 1e-3 to 1e4; x up to 10,000; t_x = 0 and t_x = T; T from 1e-3 to 1e4;
horizons up to ten years of days. Each value is finite and within a relative 1e-10 of the
reference (or 1e-15 of it near 0), probabilities in [0, 1], expectations >= 0 and
non-decreasing in the horizon.

CI runs a fixed sample of the grid (POINTS per function, seeded); FLO_RFM_ORACLE_POINTS=n
runs n per function (200: about 10 minutes for the Pareto/NBD). Run with -s to print the
worst relative error per function."""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Callable
from typing import ClassVar

import numpy as np
import pytest

mp = pytest.importorskip("mpmath")
oracle = pytest.importorskip("clv_oracle")

from flo_rfm import _flo_rfm  # noqa: E402

POINTS = int(os.environ.get("FLO_RFM_ORACLE_POINTS", "40"))
REL, ABS = 1e-10, 1e-15
FREQUENCIES = [0, 1, 2, 3, 10, 100, 1000, 10000]
HORIZONS = [1e-3, 1.0, 30.0, 365.25, 3652.5]


def _not_below(value: float, earlier: float) -> bool:
    """Non-decreasing to the last bits: an expectation that has stopped growing (every
    customer surely dropped out) is flat to 50 digits, and two evaluations of it (the 2F1
    below z = 1/2, the Beta mean's quadrature above) may round it an ulp or two apart."""
    return value >= earlier * (1 - 4 * np.finfo(float).eps)


def _over_horizons(model: str, p: list[float], h: tuple[float, float, float], reference) -> list:
    """A customer's expected purchases at every horizon, each non-decreasing from the last, with
    `reference(t)` beside it."""
    out, last = [], 0.0
    for t in HORIZONS:
        ours = _one(_flo_rfm.purchases_expected(model, p, t, *_arr(*h)))
        assert _not_below(ours, last), f"{p} {h}: decreasing at t={t}"
        last = ours
        out.append((ours, reference(t), f"{p} t={t} {h}"))
    return out


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(10 ** rng.uniform(math.log10(low), math.log10(high)))


def _bg_params(rng: np.random.Generator) -> list[float]:
    r, alpha = _log_uniform(rng, 1e-3, 1e4), _log_uniform(rng, 1e-3, 1e4)
    # a = 1 is the removable singularity of eq. (10) (0 / 0): kept a factor 2 away from it.
    a = 1.0
    while 0.5 < a < 2.0:
        a = _log_uniform(rng, 1e-35, 1e3)
    return [r, alpha, a, _log_uniform(rng, 1e-35, 1e3)]


def _pareto_params(rng: np.random.Generator) -> list[float]:
    # s = 1 is the removable singularity of the expectation's (1 - ratio^(s - 1)) / (s - 1).
    return [_log_uniform(rng, 1e-3, 1e4) for _ in range(4)]


def _history(rng: np.random.Generator, frequencies: list[int] | None = None) -> tuple[float, float, float]:
    x = float(rng.choice(frequencies or FREQUENCIES))
    big_t = _log_uniform(rng, 1e-3, 1e4)
    t_x = 0.0 if x == 0 else float(rng.choice([0.0, big_t, big_t * rng.uniform()]))
    return x, t_x, big_t


class Worst:
    """The largest relative error seen per function, and the point it was at."""

    seen: ClassVar[dict[str, tuple[float, str, int]]] = {}

    skipped: ClassVar[dict[str, int]] = {}

    @classmethod
    def check(cls, name: str, ours: float, ref, where: str, scale: float = 0.0) -> None:
        if ref is None:  # the oracle has no value here (NoReference): counted, not checked
            cls.skipped[name] = cls.skipped.get(name, 0) + 1
            return
        assert math.isfinite(ours), f"{name} at {where}: {ours}"
        exact = float(ref)
        err = abs(ours - exact)
        size = max(abs(exact), scale)
        rel = err / size if size != 0 else (0.0 if err == 0 else math.inf)
        before = cls.seen.get(name, (0.0, "", 0))
        worst = max(before[:2], (rel if err > ABS else 0.0, where))
        cls.seen[name] = (worst[0], worst[1], before[2] + 1)
        assert err <= ABS or rel <= REL, f"{name} at {where}: {ours!r} vs {exact!r} (relative {rel:.3g})"


def _run(name: str, point: Callable[[np.random.Generator], list[tuple[float, object, str]]]) -> None:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    failures = []
    for _ in range(POINTS):
        try:
            for ours, ref, where, *scale in point(rng):
                Worst.check(name, ours, ref, where, *scale)
        except AssertionError as err:
            failures.append(str(err).splitlines()[0])
    if failures:
        FAILED[name] = failures


FAILED: dict[str, list[str]] = {}


def _assert_clean(prefix: str) -> None:
    """Every function of the test run over all its points before any failure is reported."""
    bad = {name: f for name, f in FAILED.items() if name.startswith(prefix)}
    report = "\n".join(
        f"{n}: {len(f)} of {POINTS} points, e.g.\n  " + "\n  ".join(f[:3]) for n, f in bad.items()
    )
    assert not bad, report
    # A value without a reference is not checked: at most 2 % of a function's (at least one).
    for name, skipped in Worst.skipped.items():
        if name.startswith(prefix):
            total = skipped + Worst.seen.get(name, (0.0, "", 0))[2]
            assert skipped <= max(1, total // 50), f"{name}: {skipped} of {total} values without a reference"


def _one(values) -> float:
    return float(np.asarray(values)[0])


def _arr(*v: float) -> list[np.ndarray]:
    return [np.array([float(x)]) for x in v]


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd"])
def test_bgnbd_family(model: str) -> None:
    modified = model == "mbgnbd"

    def palive(rng):
        p, (x, t_x, big_t) = _bg_params(rng), _history(rng)
        ours = _one(_flo_rfm.purchases_palive(model, p, *_arr(x, t_x, big_t)))
        assert 0.0 <= ours <= 1.0
        return [(ours, oracle.bg_palive(p, x, t_x, big_t, modified), f"{p} {(x, t_x, big_t)}")]

    def expected(rng):
        p, h = _bg_params(rng), _history(rng)
        return _over_horizons(model, p, h, lambda t: oracle.bg_expected(p, t, *h, modified))

    def expected_new(rng):
        p = _bg_params(rng)
        times = HORIZONS
        ours = _flo_rfm.purchases_expected_new(model, p, np.array(times))
        assert (np.diff(ours) >= 0).all() and (ours >= 0).all(), f"{p}: {ours}"
        return [(float(o), oracle.bg_expected_new(p, t, modified), f"{p} t={t}") for o, t in zip(ours, times)]

    def probability(rng):
        p = _bg_params(rng)
        t = float(rng.choice(HORIZONS))
        n = int(rng.choice([0, 1, 2, 5, 20]))
        ours = _one(_flo_rfm.purchases_probability_new(model, p, np.array([t]), n))
        assert 0.0 <= ours <= 1.0
        return [(ours, oracle.bg_probability(p, t, n, modified), f"{p} t={t} n={n}")]

    def likelihood(rng):
        p, h = _bg_params(rng), _history(rng)
        logp = [math.log(v) for v in p]
        ours = -_flo_rfm.purchases_objective(model, logp, *_arr(*h), np.array([1.0]), 0.0)
        return [(ours, oracle.bg_log_likelihood(p, *h, modified), f"{p} {h}", 1.0)]

    def gradient(rng):
        p, h = _bg_params(rng), _history(rng)
        _, ours = _flo_rfm.purchases_objective_gradient(
            model, [math.log(v) for v in p], *_arr(*h), np.array([1.0]), 0.0
        )
        ref = oracle.log_gradient(lambda q, *hh: oracle.bg_log_likelihood(q, *hh, modified), p, *h)
        return _components(ours, ref, f"{p} {h}")

    for name, f in [("palive", palive), ("expected", expected), ("expected_new", expected_new)]:
        _run(f"{model} {name}", f)
    _run(f"{model} probability", probability)
    _run(f"{model} log_likelihood", likelihood)
    _run(f"{model} gradient", gradient)
    _assert_clean(model)


def _components(ours, ref, where: str) -> list[tuple[float, object, str, float]]:
    """Each gradient component against the reference's, relative to the largest component
    (and at least 1): a component is the sum of terms the size of the others."""
    if ref is None:
        return [(float(o), None, where) for o in ours]
    scale = max(1.0, *(abs(float(v)) for v in ref))
    return [(float(o), v, f"{where} d/dlog p[{j}]", scale) for j, (o, v) in enumerate(zip(ours, ref))]


def test_pareto_nbd() -> None:
    model = "pareto_nbd"

    def palive(rng):
        p, h = _pareto_params(rng), _history(rng)
        ours = _one(_flo_rfm.purchases_palive(model, p, *_arr(*h)))
        assert 0.0 <= ours <= 1.0
        return [(ours, oracle.pareto_palive(p, *h), f"{p} {h}")]

    def expected(rng):
        p, h = _pareto_params(rng), _history(rng)
        return _over_horizons(model, p, h, lambda t: oracle.pareto_expected(p, t, *h))

    def expected_new(rng):
        p = _pareto_params(rng)
        ours = _flo_rfm.purchases_expected_new(model, p, np.array(HORIZONS))
        assert (np.diff(ours) >= 0).all() and (ours >= 0).all(), f"{p}: {ours}"
        return [(float(o), oracle.pareto_expected_new(p, t), f"{p} t={t}") for o, t in zip(ours, HORIZONS)]

    def probability(rng):
        p, h = _pareto_params(rng), _history(rng, [0, 1, 2, 10, 100])
        t, n = float(rng.choice(HORIZONS)), int(rng.choice([0, 1, 3]))
        ours = _one(_flo_rfm.purchases_probability_conditional(model, p, n, t, *_arr(*h)))
        assert 0.0 <= ours <= 1.0
        return [(ours, oracle.pareto_conditional_probability(p, n, t, *h), f"{p} n={n} t={t} {h}")]

    def likelihood(rng):
        p, h = _pareto_params(rng), _history(rng)
        ours = -_flo_rfm.purchases_objective(model, p, *_arr(*h), np.array([1.0]), 0.0)
        return [(ours, oracle.pareto_log_likelihood(p, *h), f"{p} {h}", 1.0)]

    def gradient(rng):
        p, h = _pareto_params(rng), _history(rng)
        _, ours = _flo_rfm.purchases_objective_gradient(
            model, [math.log(v) for v in p], *_arr(*h), np.array([1.0]), 0.0
        )
        return _components(ours, oracle.log_gradient(oracle.pareto_log_likelihood.raw, p, *h), f"{p} {h}")

    for name, f in [("palive", palive), ("expected", expected), ("expected_new", expected_new)]:
        _run(f"{model} {name}", f)
    _run(f"{model} probability", probability)
    _run(f"{model} log_likelihood", likelihood)
    _run(f"{model} gradient", gradient)
    _assert_clean(model)


def _gg_params(rng: np.random.Generator) -> list[float]:
    return [_log_uniform(rng, 1e-3, 1e4), _log_uniform(rng, 1.0 + 1e-12, 1e4), _log_uniform(rng, 1e-3, 1e4)]


def test_pareto_gradient_past_a_long_series() -> None:
    """Where A0's series ran 120,000 terms its rounding put 1.6e-10 into d/dlog r (a sum of
    terms near 2,700 cancelling to -1): past 20,000 terms A0 is taken by quadrature."""
    p = [687.8410348416437, 53.79784293506138, 0.16159556356659185, 9624.215077570223]
    h = (2.0, 0.0, 6.220684444405275)
    _, ours = _flo_rfm.purchases_objective_gradient(
        "pareto_nbd", [math.log(v) for v in p], *_arr(*h), np.array([1.0]), 0.0
    )
    ref = oracle.log_gradient(oracle.pareto_log_likelihood.raw, p, *h)
    for o, exact, where, scale in _components(ours, ref, "past a long series"):
        assert abs(o - float(exact)) <= REL * scale, f"{where}: {o} vs {exact}"


def test_gamma_gamma() -> None:
    def expected(rng):
        p = _gg_params(rng)
        x, m = float(rng.choice(FREQUENCIES[1:])), _log_uniform(rng, 1e-3, 1e6)
        ours = _one(_flo_rfm.gg_expected_profit(p, *_arr(x, m)))
        assert ours >= 0
        return [(ours, oracle.gg_expected(p, x, m), f"{p} {(x, m)}")]

    def likelihood(rng):
        p = _gg_params(rng)
        x, m = float(rng.choice(FREQUENCIES[1:])), _log_uniform(rng, 1e-3, 1e6)
        ours = -_flo_rfm.gg_objective([math.log(v) for v in p], *_arr(x, m), np.array([1.0]), 0.0)
        return [(ours, oracle.gg_log_likelihood(p, x, m), f"{p} {(x, m)}", 1.0)]

    def gradient(rng):
        p = _gg_params(rng)
        x, m = float(rng.choice(FREQUENCIES[1:])), _log_uniform(rng, 1e-3, 1e6)
        _, ours = _flo_rfm.gg_objective_gradient([math.log(v) for v in p], *_arr(x, m), np.array([1.0]), 0.0)
        return _components(ours, oracle.log_gradient(oracle.gg_log_likelihood, p, x, m), f"{p} {(x, m)}")

    _run("gamma_gamma expected", expected)
    _run("gamma_gamma log_likelihood", likelihood)
    _run("gamma_gamma gradient", gradient)
    _assert_clean("gamma_gamma")


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "pareto_nbd"])
def test_clv(model: str) -> None:
    def value(rng):
        p = _pareto_params(rng) if model == "pareto_nbd" else _bg_params(rng)
        h = _history(rng)
        gg = [_log_uniform(rng, 1e-3, 1e2), _log_uniform(rng, 1.5, 1e2), _log_uniform(rng, 1e-3, 1e4)]
        m = _log_uniform(rng, 1e-2, 1e4)
        months, factor = int(rng.choice([1, 6, 120])), float(rng.choice([1.0, 4.345, 30.0]))
        ours = _one(_flo_rfm.customer_lifetime_value(model, p, gg, *_arr(*h, m), (months, 0.01, factor)))
        if model == "pareto_nbd":
            expect = lambda t: oracle.pareto_expected.raw(p, t, *h) if t > 0 else 0  # noqa: E731
        else:
            expect = lambda t: oracle.bg_expected.raw(p, t, *h, model == "mbgnbd") if t > 0 else 0  # noqa: E731
        ref = oracle.clv(expect, oracle.gg_expected(gg, h[0], m), months, factor, 0.01)
        return [(ours, ref, f"{p} gg={gg} {h} m={m} months={months} f={factor}")]

    _run(f"{model} clv", value)
    _assert_clean(f"{model} clv")


@pytest.mark.parametrize(
    ("a", "b", "c", "z"),
    [
        (2.5, 1.5, 3.5, 0.3),
        (0.002, 3.0, 1.002, 0.5),
        (50.3, 7.1, 53.3, 0.99),
        (10000.5, 0.3, 10003.5, 0.2),
        # mpmath's hyp2f1 returns 1.0e4549 here, at any precision.
        (13769.929455100416, 3770.2264458005702, 13770.929455100416, 0.840872266763022),
    ],
)
def test_oracle_positive_2f1(a: float, b: float, c: float, z: float) -> None:
    """The Pareto/NBD reference's 2F1, summed term by term and as Euler's integral, agree to 35
    digits: two evaluations that share no step."""
    series = oracle.hyp2f1_positive(a, b, c, z, most_terms=10**6)
    euler = oracle.hyp2f1_euler(*oracle._m(a, b, c, z))
    assert abs(series - euler) <= mp.mpf(10) ** -35 * euler


@pytest.mark.parametrize(
    ("params", "t", "modified"),
    [
        ([2.3, 10.0, 3.5, 4.2], 30.0, False),
        ([2.3, 10.0, 3.5, 4.2], 30.0, True),
        ([0.7, 1.0, 0.3, 2.2], 365.25, False),
        ([1e3, 1e-3, 1e-30, 1e2], 3652.5, True),
        ([6475.0, 10.0, 3.0, 2.2e-32], 365.25, True),  # b tiny, as where the fallback is used
    ],
)
def test_oracle_new_customer_mean(params: list[float], t: float, modified: bool) -> None:
    """The oracle's fallback for a new customer's expectation (the mean over the dropout
    probability) agrees with its 2F1 form to 35 digits; both must have a value here."""
    r, alpha, a, b = oracle._m(*params)
    mean = oracle.new_customer_mean(r, a, b, mp.mpf(t) / alpha, modified)
    form = oracle.new_customer_form(r, alpha, a, b, mp.mpf(t), modified)
    assert abs(mean - form) <= mp.mpf(10) ** -35 * abs(form)


def test_oracle_new_customer_mean_finds_its_mass() -> None:
    """Where the Beta's mass is narrow (a = b = 1000) and the cuts miss part of it, the
    fallback gives no value rather than a wrong one: the same nodes' E[1 - p] shows the gap."""
    r, alpha, a, b = oracle._m(2.3, 1.0, 1e3, 1e3)
    t = mp.mpf(3)
    form = oracle.new_customer_form(r, alpha, a, b, t, False)
    try:
        mean = oracle.new_customer_mean(r, a, b, t / alpha, False)
    except oracle.NoReference:
        return
    assert abs(mean - form) <= mp.mpf(10) ** -35 * abs(form)


def teardown_module() -> None:
    for name, (rel, where, count) in sorted(Worst.seen.items()):
        skipped = Worst.skipped.get(name, 0)
        print(
            f"{name:28s} {count:6d} points ({skipped} without a reference), "
            f"worst relative error {rel:.2e} at {where}"
        )
