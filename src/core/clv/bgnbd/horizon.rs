//! The horizon part of the BG/NBD family's expected purchases,
//! `1 - (1 - z)^A 2F1(A, B; C; z)`, where it would cancel: a short horizon; and the whole
//! expectation as the Beta mean it is, where the 2F1 cannot be had: a long one.

use crate::core::numeric::beta_mean::beta_mean;

/// The expected purchases in a horizon `s` (in units of `alpha + T`) of a customer alive now,
/// `E[(1 - (1 + p s)^-A) / p]` for the dropout probability `p ~ Beta(a, B)` (the purchase
/// rate's Gamma(A, 1) integrated out: an alive customer buys `(1 - e^(-lambda p t)) / p`
/// expected times before dropping out). It equals `C / (a - 1) (1 - (1 - z)^A 2F1(A, B; C; z))`
/// (`C = a + B - 1`, `z = s / (1 + s)`), lifetimes' form, whose 2F1 near `z = 1` needs a
/// series of about `A / (1 - z)` terms and whose transformations cancel (`C - A - B` near a
/// whole number, or large `A`). So past `z = 1/2` (`s > 1`) it is this mean, by quadrature,
/// except where lifetimes' form is accurate and kept with its bits ([`LIFETIMES_ACCURATE`]);
/// elsewhere `None` (the 2F1).
pub(super) fn alive_mean(big_a: f64, a: f64, big_b: f64, s: f64) -> Option<f64> {
    let c = a + big_b - 1.0;
    let ((a_min, a_max), c_min, s_max) = LIFETIMES_ACCURATE;
    let accurate = (a_min..=a_max).contains(&big_a) && c >= c_min && s <= s_max;
    if s <= 1.0 || accurate || !s.is_finite() {
        return None;
    }
    Some(beta_mean(a, big_b, 1e-14, |p, _| {
        let ps = p * s;
        if ps < 1e-300 {
            big_a * s
        } else {
            -(-big_a * ps.ln_1p()).exp_m1() / p
        }
    }))
}

/// The horizon part `1 - (1 - z)^A 2F1(A, B; C; z)` (`z = t / (base + t)`) of the BG/NBD
/// family, where `C - B = a - 1` in both models: by Pfaff's transformation it is
/// `1 - 2F1(A, a - 1; C; w)` with `w = z / (z - 1) = -t / base`, so
/// `-sum_{n >= 1} (A)_n (a - 1)_n / ((C)_n n!) w^n`, with no 1 to cancel against. Used where
/// that series' terms fall by half or faster from the first (`C >= 1`, and
/// `max(A / C, 1) max(|a - 1|, 1) |w| <= 1/2`): the first term then holds the value to a
/// factor 2, and each term is rounded only once; and only where lifetimes' form cancels
/// beyond [`SHORT`]. That form, `1 - (1 - z)^A 2F1`, is 1 less a product rounded to about
/// `eps (1 + A)` (the ratio `1 - z` is rounded, then raised to the power `A`): relative to the
/// value, about twice the first term `|A (a - 1) w / C|`, its error is under
/// `eps / SHORT` (2e-12) where that first term is at least `SHORT (1 + A)`, and lifetimes' form
/// is kept there with its bits (the study's table is lifetimes'). `None` wherever lifetimes'
/// form is kept.
pub(super) fn pfaff_horizon_part(big_a: f64, a_minus_1: f64, c: f64, w: f64) -> Option<f64> {
    let rho = (big_a / c).max(1.0) * a_minus_1.abs().max(1.0) * w.abs();
    let first = (big_a * a_minus_1 * w / c).abs();
    let cancels = first < SHORT * (1.0 + big_a.abs());
    if !(c >= 1.0 && rho <= 0.5 && cancels) || w == 0.0 {
        return None;
    }
    let (mut term, mut sum) = (1.0f64, 0.0f64);
    for n in 0..200 {
        let n = n as f64;
        term *= (big_a + n) * (a_minus_1 + n) / ((c + n) * (n + 1.0)) * w;
        sum += term;
        if term.abs() <= 1e-17 * sum.abs() {
            break;
        }
    }
    Some(-sum)
}

/// A horizon part `1 - (1 - z)^A 2F1` whose first term is below `SHORT (1 + A)` is computed
/// without the 1 it cancels against ([`pfaff_horizon_part`]): lifetimes' form would round it
/// to more than `eps / SHORT` (2e-12) of itself (the oracle's bound is 1e-10).
pub(super) const SHORT: f64 = 1e-4;

/// `(A, C, s)` bounds within which lifetimes' form past `z = 1/2` is kept: `1 <= A <= 100`,
/// `C >= 1` and `s <= 9` (`z <= 0.9`). There its 2F1 series has positive terms and settles
/// in a few hundred, `(1 - z)^A` is rounded to at most `100 eps`, and the `1 - ...` does not
/// cancel far: the mean is at least `1 - 2^-A >= 1/2`, so the part is at least
/// `|a - 1| / (2 C)` (a smaller `A` makes it as small as `A`, and the difference loses the
/// digits). The study's younger customers (`T` below the horizon, at least one repeat
/// purchase) sit there, and keep lifetimes' bits and its speed (the quadrature costs about a
/// hundred times the series).
pub(super) const LIFETIMES_ACCURATE: ((f64, f64), f64, f64) = ((1.0, 100.0), 1.0, 9.0);

/// `ln(base / (base + t))`: for a horizon below 1e-3 of `base` the rounded ratio keeps only
/// the leading digits of its distance from 1, so it is `-ln_1p(t / base)` there (elsewhere the
/// ratio's log, and the study's bits).
pub(super) fn ln_ratio(base: f64, t: f64) -> f64 {
    if t < 1e-3 * base {
        -(t / base).ln_1p()
    } else {
        (base / (base + t)).ln()
    }
}

/// `1 - sign * exp(l)`: for a short horizon `l` is near 0 and `1 - exp(l)` would cancel to
/// the rounding of `exp(l)`, so it is `-expm1(l)` there; elsewhere the plain difference
/// (its bits are lifetimes' and the study's).
pub(super) fn one_minus(sign: f64, l: f64) -> f64 {
    if sign > 0.0 && l.abs() < 1e-3 {
        -l.exp_m1()
    } else {
        1.0 - sign * l.exp()
    }
}
