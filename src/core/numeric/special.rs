//! Special functions the models need: ln Γ (musl's, via `libm`), digamma, and Gauss'
//! hypergeometric 2F1 on 0 <= z < 1 in log space.

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// ln Γ(x + q) - ln Γ(x) for x, q > 0 without the cancellation of the two ln Γ: for x >= 10
/// by Stirling's series, whose leading terms combine to `(x - 1/2) ln(1 + q/x) + q ln(x + q) - q`
/// and whose corrections are differenced directly (ln Γ(x) at x = 1e7 is 1.5e8, and its
/// difference of 16 from ln Γ(x + 1) would keep 8 digits).
pub fn ln_gamma_ratio(x: f64, q: f64) -> f64 {
    if x < 10.0 || x.is_nan() {
        return ln_gamma(x + q) - ln_gamma(x);
    }
    let y = x + q;
    (x - 0.5) * (q / x).ln_1p() + q * y.ln() - q + stirling_correction(y) - stirling_correction(x)
}

/// ln Γ(y) - ((y - 1/2) ln y - y + ln(2π)/2) for y >= 10: Stirling's series to 1e-17.
fn stirling_correction(y: f64) -> f64 {
    let inv = 1.0 / y;
    let inv2 = inv * inv;
    inv * (1.0 / 12.0
        - inv2
            * (1.0 / 360.0
                - inv2
                    * (1.0 / 1260.0
                        - inv2
                            * (1.0 / 1680.0
                                - inv2
                                    * (1.0 / 1188.0 - inv2 * (691.0 / 360360.0 - inv2 / 156.0))))))
}

/// ψ(x + q) - ψ(x) for x, q > 0 without the cancellation of the two ψ: for x >= 10 by the
/// asymptotic series, whose leading terms give `ln(1 + q/x) + q / (2 x (x + q))`.
pub fn digamma_diff(x: f64, q: f64) -> f64 {
    if x < 10.0 || x.is_nan() {
        return digamma(x + q) - digamma(x);
    }
    let y = x + q;
    (q / x).ln_1p() + q / (2.0 * x * y) - digamma_series(y) + digamma_series(x)
}

/// `sum_k B_2k / (2k y^2k)` of ψ's asymptotic series, for y >= 10.
fn digamma_series(y: f64) -> f64 {
    let inv2 = 1.0 / (y * y);
    inv2 * (1.0 / 12.0
        - inv2
            * (1.0 / 120.0
                - inv2
                    * (1.0 / 252.0
                        - inv2
                            * (1.0 / 240.0
                                - inv2 * (1.0 / 132.0 - inv2 * (691.0 / 32760.0 - inv2 / 12.0))))))
}

/// ψ(x) = d/dx ln Γ(x) for x > 0: recurrence up to x >= 10, then the asymptotic series.
pub fn digamma(mut x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // Bernoulli terms: 1/12, 1/120, 1/252, 1/240, 1/132, 691/32760, 1/12.
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0
                                    - inv2
                                        * (1.0 / 132.0
                                            - inv2 * (691.0 / 32760.0 - inv2 / 12.0))))));
    acc + x.ln() - 0.5 * inv - series
}

/// ψ'(x), the trigamma function, for x > 0: recurrence up to x >= 10, then the asymptotic
/// series (for the fits' Hessians).
pub fn trigamma(mut x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // 1/x + 1/(2x^2) + sum B_2k / x^(2k+1): 1/6, -1/30, 1/42, -1/30, 5/66, -691/2730, 7/6.
    let series = inv
        * inv2
        * (1.0 / 6.0
            - inv2
                * (1.0 / 30.0
                    - inv2
                        * (1.0 / 42.0
                            - inv2
                                * (1.0 / 30.0
                                    - inv2
                                        * (5.0 / 66.0
                                            - inv2 * (691.0 / 2730.0 - inv2 * 7.0 / 6.0))))));
    acc + inv + 0.5 * inv2 + series
}

/// ln 2F1(a, b; c; z) by the power series, summed with a running log scale so large terms
/// cannot overflow. `None` if the series has not converged after `max_terms`, or if a term
/// turns negative (then the sum could cancel and the log is not safe).
fn ln_series(a: f64, b: f64, c: f64, z: f64, max_terms: usize) -> Option<f64> {
    ln_series_by(|k| series_coefficients(a, b, c, k), z, max_terms)
}

/// The series' term ratio without `z`, `(a + k)(b + k) / ((c + k)(k + 1))`, and the next one
/// as the tail bound computes it (`a + k + 1` rounds differently from `a + (k + 1)`).
#[inline(always)]
fn series_coefficients(a: f64, b: f64, c: f64, k: usize) -> (f64, f64) {
    let k = k as f64;
    (
        (a + k) * (b + k) / ((c + k) * (k + 1.0)),
        (a + k + 1.0) * (b + k + 1.0) / ((c + k + 1.0) * (k + 2.0)),
    )
}

/// [`ln_series`] with the coefficients of term `k` from `coefficients(k)`.
#[inline(always)]
fn ln_series_by(
    mut coefficients: impl FnMut(usize) -> (f64, f64),
    z: f64,
    max_terms: usize,
) -> Option<f64> {
    if z == 0.0 {
        return Some(0.0);
    }
    let mut log_scale = 0.0f64; // sum and term are stored divided by exp(log_scale)
    let mut sum = 1.0f64;
    let mut term = 1.0f64;
    // The sum less its leading 1 (while unscaled): a short horizon makes 2F1 = 1 + tiny, and
    // ln(1 + tiny) from the rounded sum would keep only the digits of tiny above 1e-16.
    let mut beyond_one = 0.0f64;
    for k in 0..max_terms {
        let (now, after) = coefficients(k);
        let ratio = now * z;
        if ratio < 0.0 {
            return None;
        }
        term *= ratio;
        sum += term;
        beyond_one += term;
        if sum > 1e200 {
            log_scale += sum.ln();
            term /= sum;
            sum = 1.0;
        }
        // The ratio tends to z; bound the tail by a geometric series with the larger of the two.
        let next = after * z;
        let bound = next.max(z);
        if k > 1 && bound < 1.0 && term * bound / (1.0 - bound) <= sum * 1e-17 {
            // Below 1e-4 the rounded sum would lose more than 1e-12 of the log; above it the
            // sum's log is kept as it was (and the predictions keep their bits).
            if log_scale == 0.0 && beyond_one < 1e-4 {
                return Some(beyond_one.ln_1p());
            }
            return Some(log_scale + sum.ln());
        }
    }
    None
}

/// 2F1(a, b; c; z) for one `(a, b, c)` at many `z`: the series' coefficients are computed once
/// and kept, so each further `z` costs a multiply per term. Gives the bits
/// [`signed_ln_hyp2f1`] gives.
#[derive(Debug, Clone)]
pub struct Hyp2f1 {
    a: f64,
    b: f64,
    c: f64,
    coefficients: Vec<(f64, f64)>,
}

impl Hyp2f1 {
    pub fn new(a: f64, b: f64, c: f64) -> Self {
        Hyp2f1 {
            a,
            b,
            c,
            coefficients: Vec::new(),
        }
    }

    /// Whether this is the function of `(a, b, c)`.
    pub fn is(&self, a: f64, b: f64, c: f64) -> bool {
        (self.a.to_bits(), self.b.to_bits(), self.c.to_bits())
            == (a.to_bits(), b.to_bits(), c.to_bits())
    }

    /// As [`signed_ln_hyp2f1`]`(a, b, c, z)`.
    pub fn signed_ln(&mut self, z: f64) -> (f64, f64) {
        let (a, b, c) = (self.a, self.b, self.c);
        if c > 0.0 {
            let known = &mut self.coefficients;
            let direct = ln_series_by(
                |k| {
                    while known.len() <= k {
                        known.push(series_coefficients(a, b, c, known.len()));
                    }
                    known[k]
                },
                z,
                DIRECT_TERMS,
            );
            if let Some(v) = direct {
                return (1.0, v);
            }
        }
        beyond_direct_series(a, b, c, z)
    }
}

/// The most terms the direct series is given.
const DIRECT_TERMS: usize = 200_000;

/// ln 2F1(a, b; c; z) for 0 <= z < 1 and a, b, c > 0 (the range of the BG/NBD expectation).
/// The direct series first; where it does not settle, Euler's transformation
/// 2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z).
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (sign, ln_abs) = signed_ln_hyp2f1(a, b, c, z);
    if sign > 0.0 {
        ln_abs
    } else {
        f64::NAN
    }
}

/// 2F1(a, b; c; z) as `(sign, ln |value|)`, for any c > -1 not an integer: a BG/NBD fit with
/// a + b < 1 makes c = a + b - 1 negative, and then the terms (and the sum) can be negative.
pub fn signed_ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> (f64, f64) {
    if c > 0.0 {
        if let Some(v) = ln_series(a, b, c, z, DIRECT_TERMS) {
            return (1.0, v);
        }
    }
    beyond_direct_series(a, b, c, z)
}

/// [`signed_ln_hyp2f1`] with `c` also given as `c_frac + c_whole` (`c_whole` a whole
/// number): the BG/NBD's `c = a + b - 1` at a boundary fit (`a + b` about 1e-17) is -1 to
/// the last bit, and the series' `c + 1` would be 0 instead of `a + b`. Where `c > 0` it is
/// [`signed_ln_hyp2f1`] itself (same bits); else the series' `c + k` is `c_frac + (c_whole + k)`.
pub fn signed_ln_hyp2f1_split(
    a: f64,
    b: f64,
    c: f64,
    (c_frac, c_whole): (f64, f64),
    z: f64,
) -> (f64, f64) {
    if c > 0.0 {
        return signed_ln_hyp2f1(a, b, c, z);
    }
    signed_series_by(a, b, |k| c_frac + (c_whole + k), z, 200_000).unwrap_or((f64::NAN, f64::NAN))
}

/// [`signed_ln_hyp2f1`] where the direct series did not settle (or `c <= 0`).
fn beyond_direct_series(a: f64, b: f64, c: f64, z: f64) -> (f64, f64) {
    if c > 0.0 {
        if let Some(v) = ln_series(c - a, c - b, c, z, DIRECT_TERMS) {
            return (1.0, v + (c - a - b) * (1.0 - z).ln());
        }
    }
    signed_series(a, b, c, z, 200_000).unwrap_or((f64::NAN, f64::NAN))
}

/// 2F1(a, b; c; z) summed directly, as `(sign, ln |value|)`; `None` unless the terms shrink
/// below 1e-17 of the sum.
fn signed_series(a: f64, b: f64, c: f64, z: f64, max_terms: usize) -> Option<(f64, f64)> {
    signed_series_by(a, b, |k| c + k, z, max_terms)
}

/// [`signed_series`] with `c + k` from `c_plus(k)`.
fn signed_series_by(
    a: f64,
    b: f64,
    c_plus: impl Fn(f64) -> f64,
    z: f64,
    max_terms: usize,
) -> Option<(f64, f64)> {
    // Sum and term are held divided by exp(log_scale): a large r makes the terms grow past
    // f64 (to about (1 - z)^-r) before they fall, all of one sign once c + k > 0.
    let (mut sum, mut term, mut log_scale) = (1.0f64, 1.0f64, 0.0f64);
    for k in 0..max_terms {
        let k = k as f64;
        let ck = c_plus(k);
        term *= (a + k) * (b + k) / (ck * (k + 1.0)) * z;
        sum += term;
        if !sum.is_finite() {
            return None;
        }
        if sum.abs() > 1e200 {
            let size = sum.abs();
            log_scale += size.ln();
            term /= size;
            sum /= size;
        }
        if k > 2.0 && ck > 0.0 && term.abs() <= sum.abs() * 1e-17 && z < 1.0 {
            return Some((sum.signum(), log_scale + sum.abs().ln()));
        }
    }
    None
}

#[cfg(test)]
mod tests;
