"""The CLV models' formulas evaluated with mpmath at 50 digits: the reference flo_rfm's float
evaluation is held to in tests/test_clv_oracle.py. Each is the textbook formula as lifetimes
0.11.3 writes it (Fader, Hardie & Lee 2005; Batislam et al. 2007; Fader & Hardie's Pareto/NBD
and Gamma-Gamma notes), with nothing rearranged: at 50 digits rounding cannot cancel it."""

from __future__ import annotations

import functools

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
    where two evaluations agree. Else Euler's integral where it applies (`hyp2f1_euler`), else
    NoReference, which callers propagate as "no reference here". Agreement is not proof (see
    `hyp2f1_positive`, which the Pareto/NBD uses): a value wrong at every precision would show
    as a failure against flo_rfm's differently computed one, not as a pass."""

    def at(extra, terms):
        with mp.workdps(mp.mp.dps + extra):
            try:
                return mp.hyp2f1(a, b, c, z, maxterms=terms)
            except (mp.libmp.NoConvergence, ValueError):  # ValueError: mpmath's cancellation
                return None

    for n in terms:
        low = at(0, n)
        if low is None:
            continue
        high = at(60, n)
        if _agree(low, high):
            return +high
        highest = at(250, n)
        if _agree(high, highest):
            return +highest
    return hyp2f1_euler(a, b, c, z)


def hyp2f1_positive(a, b, c, z, most_terms=4_000):
    """2F1 where every term of its series is positive (`a, b, c > 0`, `0 <= z < 1`), as the
    Pareto/NBD's are, without mpmath's `hyp2f1`: its transformations can return a value wrong in
    every digit at every precision (2F1(13769.9, 3770.2; 13770.9; 0.84) = 1.6e3009, mpmath
    1.0e4549). Summed term by term (nothing cancels) where the terms' peak plus the fall after
    it (`200 / ln(1/z)` terms) is at most `most_terms`, else by Euler's integral."""
    a, b, c, z = _m(a, b, c, z)
    if not (a > 0 and b > 0 and c > 0 and 0 <= z < 1):
        raise NoReference
    if z == 0:
        return mp.mpf(1)
    # The terms grow while (a + k)(b + k) z > (c + k)(k + 1): up to the positive root of that
    # quadratic, then fall by about z a term.
    qa, qb, qc = 1 - z, c + 1 - (a + b) * z, c - a * b * z
    peak = max(mp.mpf(0), (-qb + mp.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa)) if qb * qb >= 4 * qa * qc else 0
    if peak + 200 / -mp.log(z) > most_terms:
        return hyp2f1_euler(a, b, c, z)
    with mp.workdps(mp.mp.dps + 10):
        total, term, k = mp.mpf(0), mp.mpf(1), 0
        while k <= peak or term > total * mp.mpf(10) ** -(mp.mp.dps + 5):
            total += term
            term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
            k += 1
    return +total


def hyp2f1_euler(a, b, c, z):
    """2F1 by Euler's integral:
    `Gamma(c) / (Gamma(e) Gamma(c - e)) int_0^1 t^(e-1) (1-t)^(c-e-1) (1-z t)^-f dt` for
    either upper parameter `e` with `c > e > 0` (the other is `f`) and `z < 1`. The integrand
    is positive, so nothing cancels; what is left is quadrature error, checked by taking the
    integral twice (at the working precision and 10 digits above, on different cuts) and
    returning a value only where both agree to 1e-35, and where the same nodes integrate
    `f = 0` (2F1 = 1) to 1e-35: mass the cuts miss shows there. `t = (1 - v)^(1/e)` takes the
    `t^(e-1)` singularity away, and `1 - t = -expm1(log1p(-v) / e)` keeps every node off t = 1;
    the mass sits at v = 0 on a scale of about `e / (c + f z / (1 - z))`, so [0, 1] is cut at
    `v = 64^-k` (16^-k) down to below that scale."""
    a, b, c, z = _m(a, b, c, z)
    pairs = [(e, f) for e, f in ((a, b), (b, a)) if c > e > 0]
    if not pairs or z >= 1:
        raise NoReference
    e, f = pairs[0]

    def integral(extra, ratio, power):
        with mp.workdps(mp.mp.dps + extra):
            scale = e / (c + abs(power) * abs(z) / (1 - z))
            points, gap = [mp.mpf(1)], 1 / mp.mpf(ratio)
            while gap > scale / 4:
                points.append(gap)
                gap /= ratio
            points.append(mp.mpf(0))

            def g(v):
                ln_t = mp.log1p(-v) / e
                return mp.exp((c - e - 1) * mp.log(-mp.expm1(ln_t)) - power * mp.log1p(-z * mp.exp(ln_t)))

            area = mp.quad(g, points[::-1], maxdegree=6)
            return mp.exp(lg(c) - lg(e) - lg(c - e)) * area / e

    if _agree(integral(0, 64, f), high := integral(10, 16, f)) and _agree(integral(0, 64, 0), 1):
        return +high
    raise NoReference


def _agree(u, v):
    """Two evaluations of one value, both finite and equal to 35 digits."""
    return u is not None and v is not None and mp.isfinite(v) and abs(u - v) <= mp.mpf(10) ** -35 * abs(v)


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
    minimise), by a central difference at 60 digits with step 1e-15: its truncation error is
    about 1e-31 of the third derivative and its rounding error 1e-45 of the value, far below
    what the test asks. (mpmath's `diff` doubles the precision and costs the Pareto/NBD's
    Euler integrals minutes a point.)"""

    def at(j):
        def f(u):
            p = list(_m(*params))
            p[j] = mp.exp(u)
            return -log_likelihood(p, *history)

        with mp.workdps(mp.mp.dps + 10):
            u, h = mp.log(mp.mpf(float(params[j]))), mp.mpf(10) ** -15
            return +((f(u + h) - f(u - h)) / (2 * h))

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
    try:
        return new_customer_form(r, alpha, a, b, t, modified)
    except NoReference:
        return new_customer_mean(r, a, b, t / alpha, modified)


def new_customer_form(r, alpha, a, b, t, modified):
    """A new customer's expected purchases in the 2F1 form lifetimes writes."""
    if modified:
        return b / (a - 1) * _one_minus_horizon(r, b + 1, a + b, t / alpha)
    return (a + b - 1) / (a - 1) * _one_minus_horizon(r, b, a + b - 1, t / alpha)


def new_customer_mean(r, a, b, s, modified):
    """A new customer's expected purchases as the mean they are where the 2F1 form has no
    value: `E[q (1 - (1 + p s)^-r) / p]` over the dropout probability p ~ Beta(a, b) (the
    purchase rate's Gamma mixed out), `q = 1 - p` for MBG/NBD (a dropout at time 0 too), 1 for
    BG/NBD. Nothing cancels: `1 - (1 + p s)^-r` is `-expm1(-r log1p(p s))`, and `g(1)` is
    taken out (its mean is itself) so that what is left vanishes at the `(1 - p)^(b-1)` end.
    [0, 1] is cut at the Beta's mean and multiples of its standard deviation either side, and
    geometrically towards both ends; for `a < 1`, `p = w^(1/a)` takes `p^(a-1)` away. Two
    quadratures on different cuts and precisions must agree to 1e-35, and the same nodes must
    give `E[1 - p] = b / (a + b)` to 1e-35 (mass the cuts miss shows there)."""

    def g(p):
        q = 1 - p if modified else 1
        return q * -mp.expm1(-r * mp.log1p(p * s)) / p if p > 0 else r * s

    def integral(extra, ratio, h):
        with mp.workdps(mp.mp.dps + extra):
            mean = a / (a + b)
            sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
            cuts = {mean + j * sd for j in (-64, -16, -4, -1, 0, 1, 4, 16, 64)}
            gap = 1 / mp.mpf(ratio)
            while gap > mp.mpf(10) ** -12:
                cuts |= {gap * mean, 1 - gap * (1 - mean)}
                gap /= ratio
            ps = sorted(c for c in cuts if 0 < c < 1)
            # Both integrands vanish at p = 1 (as (1 - p)^b), where a node can round.
            if a < 1:  # in w = p^a: dp p^(a-1) = dw / a
                at_w = lambda p: mp.exp((b - 1) * mp.log1p(-p)) * h(p) / a if p < 1 else 0  # noqa: E731
                f = lambda w: at_w(w ** (1 / a))  # noqa: E731
                points = [mp.mpf(0)] + [p**a for p in ps] + [mp.mpf(1)]
            else:
                f = lambda p: mp.exp((a - 1) * mp.log(p) + (b - 1) * mp.log1p(-p)) * h(p) if p < 1 else 0  # noqa: E731
                points = [mp.mpf(0), *ps, mp.mpf(1)]
            return mp.quad(f, points, maxdegree=6) * mp.exp(-_ln_beta(a, b))

    at_one = g(mp.mpf(1))
    rest = lambda p: g(p) - at_one  # noqa: E731
    high = integral(10, 4, rest) + at_one
    if _agree(integral(0, 8, rest) + at_one, high) and _agree(integral(0, 8, lambda p: 1 - p), b / (a + b)):
        return +high
    raise NoReference


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


def _pareto_a0(params, x, t_x, big_t):
    r, alpha, s, beta = params
    rsx = r + s + x
    if alpha >= beta:
        big, second = alpha, s + 1
    else:
        big, second = beta, r + x
    gap = abs(alpha - beta)
    at = lambda time: hyp2f1_positive(rsx, second, rsx + 1, gap / (big + time)) / (big + time) ** rsx  # noqa: E731
    return at(t_x) - at(big_t)


@reference
def pareto_log_likelihood(params, x, t_x, big_t):
    return _pareto_log_likelihood(*_m(*params), *_m(x, t_x, big_t), mp.mp.dps)


@functools.lru_cache(maxsize=64)
def _pareto_log_likelihood(r, alpha, s, beta, x, t_x, big_t, dps):
    """Kept for the expectation's every horizon and a CLV's every month (one A0 each)."""
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
    b2 = mp.exp(common + lg(r + s + x) - (r + s + x) * mp.log(big + big_t)) * hyp2f1_positive(
        r + s + x, p2, c, gap / (big + big_t)
    )
    b3 = mp.fsum(
        t**i
        / mp.factorial(i)
        * mp.exp(common + lg(r + s + x + i) - (r + s + x + i) * mp.log(big + big_t + t))
        * hyp2f1_positive(r + s + x + i, p2, c, gap / (big + big_t + t))
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
