"""The CLV models' formulas evaluated with mpmath at 50 digits: the reference flo_rfm's float
evaluation is held to in tests/test_clv_oracle.py. Each is the textbook formula as lifetimes
0.11.3 writes it (Fader, Hardie & Lee 2005; Batislam et al. 2007; Fader & Hardie's Pareto/NBD
and Gamma-Gamma notes), with nothing rearranged: at 50 digits rounding cannot cancel it."""

from __future__ import annotations

import os

import mpmath as mp

mp.mp.dps = 50

lg = mp.loggamma


def _hyp2f1(a, b, c, z, terms=(4_000,)):
    """mpmath's 2F1, at the working precision and 60 digits above it, with each number of
    `terms` in turn (large parameters next to z = 1 can need millions; the BG/NBD family's
    expectations ask for 40,000 after 4,000). mpmath's transformations
    (1 - z, 1/z) cancel where their gamma terms' arguments come near whole numbers, and it can
    then return a value wrong in every digit without saying so: where the two evaluations
    disagree beyond 1e-35 it is taken again at 250 digits more, and a value is returned only
    where two evaluations agree. Else NoReference, which callers propagate as "no reference
    here"."""

    def at(extra, terms):
        with mp.workdps(mp.mp.dps + extra):
            try:
                return mp.hyp2f1(a, b, c, z, maxterms=terms)
            except (mp.libmp.NoConvergence, ValueError):  # ValueError: mpmath's cancellation
                return None

    def agree(u, v):
        return u is not None and v is not None and abs(u - v) <= mp.mpf(10) ** -35 * abs(v)

    for n in terms:
        low = at(0, n)
        if low is None:
            continue
        high = at(60, n)
        if agree(low, high):
            return +high
        highest = at(250, n)
        if agree(high, highest):
            return +highest
    raise NoReference


class NoReference(Exception):
    """mpmath could not evaluate the reference at this point."""


def reference(f):
    """`f`'s value, or None where mpmath gives none."""

    def wrapped(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except NoReference:
            return None

    wrapped.__name__ = f.__name__
    wrapped.raw = f  # type: ignore[attr-defined]
    return wrapped


def _ln_beta(a, b):
    return lg(a) + lg(b) - lg(a + b)


def _m(*values):
    """mpmath numbers: floats exactly, mpmath numbers (a derivative's step) as they are."""
    return [v if isinstance(v, mp.mpf) else mp.mpf(float(v)) for v in values]


@reference
def log_gradient(log_likelihood, params, *history):
    """The gradient of `-log_likelihood(params, *history)` in the log-parameters (what the fits
    minimise), by mpmath's numerical differentiation at 50 digits."""

    def at(j):
        def f(u):
            p = list(_m(*params))
            p[j] = mp.exp(u)
            return -log_likelihood(p, *history)

        return mp.diff(f, mp.log(mp.mpf(float(params[j]))))

    return [at(j) for j in range(len(params))]


def bg_palive(params, x, t_x, big_t, modified):
    r, alpha, a, b = _m(*params)
    x, t_x, big_t = _m(x, t_x, big_t)
    if x == 0 and not modified:
        return mp.mpf(1)
    bx = b + x if modified else b + x - 1
    return 1 / (1 + a / bx * ((alpha + big_t) / (alpha + t_x)) ** (r + x))


@reference
def bg_expected(params, t, x, t_x, big_t, modified):
    r, alpha, a, b = _m(*params)
    t, x, t_x, big_t = _m(t, x, t_x, big_t)
    k = 1 if modified else 0
    c = a + b + x - 1 + k
    top = c / (a - 1) * _one_minus_horizon(r + x, b + x + k, c, t / (alpha + big_t))
    odds = a / (b + x - 1 + k) * ((alpha + big_t) / (alpha + t_x)) ** (r + x) if (x > 0 or modified) else 0
    return top / (1 + odds)


@reference
def bg_expected_new(params, t, modified):
    r, alpha, a, b = _m(*params)
    t = mp.mpf(float(t))
    if modified:
        return b / (a - 1) * _one_minus_horizon(r, b + 1, a + b, t / alpha)
    return (a + b - 1) / (a - 1) * _one_minus_horizon(r, b, a + b - 1, t / alpha)


def _one_minus_horizon(big_a, big_b, c, s):
    """`1 - (1 - z)^A 2F1(A, B; C; z)` with `z = s / (1 + s)`, as lifetimes writes it; where
    mpmath's series for it does not settle (z near 1), Pfaff's `1 - 2F1(A, C - B; C; -s)`,
    which mpmath takes to 1/z (its own transformations, not flo_rfm's)."""
    z = s / (1 + s)
    try:
        return 1 - (1 / (1 + s)) ** big_a * _hyp2f1(big_a, big_b, c, z, MORE_TERMS)
    except NoReference:
        return 1 - _hyp2f1(big_a, c - big_b, c, -s, MORE_TERMS)


MORE_TERMS = (4_000, 40_000)


def bg_probability(params, t, n, modified):
    r, alpha, a, b = _m(*params)
    t = mp.mpf(float(t))
    k = 1 if modified else 0
    p, q = alpha / (alpha + t), t / (alpha + t)
    nbd = lambda j: mp.exp(lg(r + j) - lg(r) - lg(j + 1)) * p**r * q**j  # noqa: E731
    first = mp.exp(_ln_beta(a, b + n + k) - _ln_beta(a, b)) * nbd(n)
    if n == 0 and not modified:
        return first
    below = mp.fsum(nbd(j) for j in range(n))
    return first + mp.exp(_ln_beta(a + 1, b + n - 1 + k) - _ln_beta(a, b)) * (1 - below)


def bg_log_likelihood(params, x, t_x, big_t, modified):
    r, alpha, a, b = _m(*params)
    x, t_x, big_t = _m(x, t_x, big_t)
    k = 1 if modified else 0
    a1 = lg(r + x) - lg(r) + r * mp.log(alpha)
    a2 = lg(a + b) + lg(b + x + k) - lg(b) - lg(a + b + x + k)
    a3 = -(r + x) * mp.log(alpha + big_t)
    if x == 0 and not modified:
        return a1 + a2 + a3
    bx = b + x if modified else b + x - 1
    a4 = mp.log(a) - mp.log(bx) - (r + x) * mp.log(alpha + t_x)
    return a1 + a2 + mp.log(mp.exp(a3) + mp.exp(a4))


# Where mpmath's 2F1 does not converge, A0 by quadrature instead (FLO_RFM_ORACLE_INTEGRAL=1):
# every Pareto/NBD point then has a reference, at about ten times the run time.
INTEGRAL = os.environ.get("FLO_RFM_ORACLE_INTEGRAL") == "1"


def _pareto_a0(params, x, t_x, big_t):
    try:
        return _pareto_a0_series(params, x, t_x, big_t)
    except NoReference:
        if not INTEGRAL:
            raise
        return _pareto_a0_integral(params, x, t_x, big_t)


def _pareto_a0_integral(params, x, t_x, big_t):
    """A0 as the integral it is, `(r + s + x) int_{t_x}^{T} (alpha + tau)^-(r + x)
    (beta + tau)^-(s + 1) dtau`, by mpmath's tanh-sinh quadrature on pieces that grow
    geometrically from t_x (the integrand falls on the scale (min + t_x) / (r + s + x))."""
    r, alpha, s, beta = params
    if t_x >= big_t:
        return mp.mpf(0)
    width = (min(alpha, beta) + t_x) / (r + s + x + 1)
    points, step = [t_x], width / 16
    while t_x + step < big_t:
        points.append(t_x + step)
        step *= 4
    points.append(big_t)
    f = lambda tau: (alpha + tau) ** (-(r + x)) * (beta + tau) ** (-(s + 1))  # noqa: E731
    return (r + s + x) * mp.quad(f, points)


def _pareto_a0_series(params, x, t_x, big_t):
    r, alpha, s, beta = params
    rsx = r + s + x
    if alpha >= beta:
        big, second = alpha, s + 1
    else:
        big, second = beta, r + x
    gap = abs(alpha - beta)
    at = lambda time: _hyp2f1(rsx, second, rsx + 1, gap / (big + time)) / (big + time) ** rsx  # noqa: E731
    return at(t_x) - at(big_t)


@reference
def pareto_log_likelihood(params, x, t_x, big_t):
    r, alpha, s, beta = _m(*params)
    x, t_x, big_t = _m(x, t_x, big_t)
    a0 = _pareto_a0((r, alpha, s, beta), x, t_x, big_t)
    alive = mp.exp(-(r + x) * mp.log(alpha + big_t) - s * mp.log(beta + big_t))
    return lg(r + x) - lg(r) + r * mp.log(alpha) + s * mp.log(beta) + mp.log(alive + s / (r + s + x) * a0)


@reference
def pareto_palive(params, x, t_x, big_t):
    r, alpha, s, beta = _m(*params)
    x, t_x, big_t = _m(x, t_x, big_t)
    a0 = _pareto_a0((r, alpha, s, beta), x, t_x, big_t)
    return 1 / (1 + s / (r + s + x) * (alpha + big_t) ** (r + x) * (beta + big_t) ** s * a0)


@reference
def pareto_expected(params, t, x, t_x, big_t):
    r, alpha, s, beta = _m(*params)
    t, x, t_x, big_t = _m(t, x, t_x, big_t)
    first = lg(r + x) - lg(r) + r * mp.log(alpha) + s * mp.log(beta)
    first -= (r + x) * mp.log(alpha + big_t) + s * mp.log(beta + big_t)
    second = mp.log(r + x) + mp.log(beta + big_t) - mp.log(alpha + big_t)
    third = (1 - ((beta + big_t) / (beta + big_t + t)) ** (s - 1)) / (s - 1)
    return mp.exp(first + second - pareto_log_likelihood.raw(params, x, t_x, big_t)) * third


def pareto_expected_new(params, t):
    r, alpha, s, beta = _m(*params)
    t = mp.mpf(float(t))
    return r * beta / alpha * (1 - (beta / (beta + t)) ** (s - 1)) / (s - 1)


@reference
def pareto_conditional_probability(params, n, t, x, t_x, big_t):
    """Eq. (16) of Fader & Hardie's "Deriving the Conditional PMF of the Pareto/NBD Model"."""
    r, alpha, s, beta = _m(*params)
    t, x, t_x, big_t = _m(t, x, t_x, big_t)
    ll = pareto_log_likelihood.raw(params, x, t_x, big_t)
    big, p2 = (beta, r + x + n) if alpha < beta else (alpha, s + 1)
    gap = abs(alpha - beta)
    prior = r * mp.log(alpha) + s * mp.log(beta) - lg(r)
    p_zero = mp.exp(lg(r + x) + prior - (r + x) * mp.log(alpha + big_t) - s * mp.log(beta + big_t) - ll)
    b1 = mp.exp(
        lg(r + x + n) + prior - (r + x + n) * mp.log(alpha + big_t + t) - s * mp.log(beta + big_t + t)
    )
    common = prior + _ln_beta(r + x + n, s + 1) - lg(s)
    c = r + s + x + n + 1
    b2 = mp.exp(common + lg(r + s + x) - (r + s + x) * mp.log(big + big_t)) * _hyp2f1(
        r + s + x, p2, c, gap / (big + big_t)
    )
    b3 = mp.fsum(
        t**i
        / mp.factorial(i)
        * mp.exp(common + lg(r + s + x + i) - (r + s + x + i) * mp.log(big + big_t + t))
        * _hyp2f1(r + s + x + i, p2, c, gap / (big + big_t + t))
        for i in range(n + 1)
    )
    rest = (t**n / mp.factorial(n) * b1 + b2 - b3) / mp.exp(ll)
    return (1 - p_zero if n == 0 else 0) + rest


def gg_expected(params, x, m):
    p, q, v = _m(*params)
    x, m = _m(x, m)
    return p * (v + x * m) / (p * x + q - 1)


def gg_log_likelihood(params, x, m):
    p, q, v = _m(*params)
    x, m = _m(x, m)
    return (
        lg(p * x + q)
        - lg(p * x)
        - lg(q)
        + q * mp.log(v)
        + (p * x - 1) * mp.log(m)
        + p * x * mp.log(x)
        - (p * x + q) * mp.log(x * m + v)
    )


@reference
def clv(expected, spend, months, factor, discount):
    """lifetimes' CLV: each month's expected purchases times the spend, discounted."""
    return mp.fsum(
        (expected(i * factor) - expected((i - 1) * factor)) * spend / (1 + mp.mpf(discount)) ** i
        for i in range(1, months + 1)
    )
