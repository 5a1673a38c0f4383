//! The horizon part of the BG/NBD family's expected purchases,
//! `1 - (1 - z)^A 2F1(A, B; C; z)`, where it would cancel: a short horizon.

/// The horizon part `1 - (1 - z)^A 2F1(A, B; C; z)` (`z = t / (base + t)`) of the BG/NBD
/// family, where `C - B = a - 1` in both models: by Pfaff's transformation it is
/// `1 - 2F1(A, a - 1; C; w)` with `w = z / (z - 1) = -t / base`, so
/// `-sum_{n >= 1} (A)_n (a - 1)_n / ((C)_n n!) w^n`, with no 1 to cancel against. Used where
/// that series' terms fall by half or faster from the first (`C >= 1`, and
/// `max(A / C, 1) max(|a - 1|, 1) |w| <= 1/2`): the first term then holds the value to a
/// factor 2, and each term is rounded only once. `None` elsewhere.
pub(super) fn pfaff_horizon_part(big_a: f64, a_minus_1: f64, c: f64, w: f64) -> Option<f64> {
    let rho = (big_a / c).max(1.0) * a_minus_1.abs().max(1.0) * w.abs();
    if !(c >= 1.0 && rho <= 0.5) || w == 0.0 {
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
