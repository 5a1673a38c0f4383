//! The Pareto/NBD likelihood's A0 as the integral it is, for where its 2F1 series does not
//! settle (a 2F1 argument near 1: one of alpha, beta far above the other and above T).
//!
//! `A0 = (r + s + x) I`, `I = int_{t_x}^{T} (alpha + tau)^-(r + x) (beta + tau)^-(s + 1) dtau`
//! (the dropout between `t_x` and `T`; each of A0's two 2F1 terms is the same integral from
//! `t_x`, or `T`, to infinity). The conditional P(n purchases)'s `B2 - sum_i B3(i)` is one
//! too, with a factor `(tau - T)^n` (the dropout at `tau` after n purchases since `T`). The
//! integrands are positive, so nothing cancels: each is integrated in
//! `w = ln(1 + (tau - t0) / (m + t0))` (`m = min(alpha, beta)`, `t0` the lower end), where its
//! log is concave, over the interval where it is within e^-60 of its largest value, by
//! adaptive Gauss-Legendre.

use std::sync::OnceLock;

/// Nodes and weights of the 20-point Gauss-Legendre rule on [-1, 1].
fn gauss_legendre() -> &'static [(f64, f64)] {
    static RULE: OnceLock<Vec<(f64, f64)>> = OnceLock::new();
    RULE.get_or_init(|| {
        let n = 20usize;
        (0..n)
            .map(|i| {
                // Newton's method on P_n from the Chebyshev guess.
                let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
                let mut dp = 1.0;
                for _ in 0..100 {
                    let (mut p0, mut p1) = (1.0f64, x);
                    for k in 2..=n {
                        let k = k as f64;
                        (p0, p1) = (p1, ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k);
                    }
                    dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
                    let dx = p1 / dp;
                    x -= dx;
                    if dx.abs() < 1e-17 {
                        break;
                    }
                }
                (x, 2.0 / ((1.0 - x * x) * dp * dp))
            })
            .collect()
    })
}

/// The integrand's parts at `w` (`tau = t0 + c0 (e^w - 1)`, `c0 = m + t0`): its log `E(w)`
/// (with the Jacobian `c0 e^w`), `ln(alpha + tau)` and `ln(beta + tau)`.
struct Integrand {
    big_a: f64,
    big_b: f64,
    n: f64,
    c0: f64,
    /// `(alpha - m) / c0` and `(beta - m) / c0` (one of them 0).
    da: f64,
    db: f64,
}

impl Integrand {
    fn logs(&self, w: f64) -> (f64, f64, f64) {
        let ln_m = self.c0.ln() + w; // ln(m + tau)
        let ln_plus = |d: f64| ln_m + (d * (-w).exp()).ln_1p();
        let (la, lb) = (ln_plus(self.da), ln_plus(self.db));
        let power = if self.n > 0.0 {
            self.n * (self.c0.ln() + w.exp_m1().ln())
        } else {
            0.0
        };
        (ln_m + power - self.big_a * la - self.big_b * lb, la, lb)
    }

    /// `E'(w)`, decreasing in `w`.
    fn slope(&self, w: f64) -> f64 {
        let share = |d: f64| 1.0 / (1.0 + d * (-w).exp());
        let power = if self.n > 0.0 {
            self.n / (-(-w).exp_m1())
        } else {
            0.0
        };
        1.0 + power - self.big_a * share(self.da) - self.big_b * share(self.db)
    }

    /// `int exp(E - shift) [1, ln(alpha + tau), 1 / (alpha + tau), ln(beta + tau), 1 / (beta + tau)] dv`
    /// over `[lo, hi]` by the 20-point rule.
    fn panel(&self, lo: f64, hi: f64, shift: f64) -> [f64; 5] {
        let (mid, half) = ((lo + hi) / 2.0, (hi - lo) / 2.0);
        let mut out = [0.0; 5];
        for &(x, w) in gauss_legendre() {
            let (e, la, lb) = self.logs(mid + half * x);
            let f = w * half * (e - shift).exp();
            if f == 0.0 {
                continue;
            }
            out[0] += f;
            out[1] += f * la;
            out[2] += f * (-la).exp();
            out[3] += f * lb;
            out[4] += f * (-lb).exp();
        }
        out
    }

    /// `panel(lo, hi)` (given as `whole`) refined until halving changes no sum by more than
    /// 4e-15 (the logs' sums against the integral itself, as they may be near 0), to `depth`
    /// halvings and at most `budget` panels in all.
    fn adaptive(
        &self,
        (lo, hi): (f64, f64),
        shift: f64,
        whole: [f64; 5],
        depth: u32,
        budget: &mut u32,
    ) -> [f64; 5] {
        let m = (lo + hi) / 2.0;
        let (left, right) = (self.panel(lo, m, shift), self.panel(m, hi, shift));
        let halves: [f64; 5] = std::array::from_fn(|j| left[j] + right[j]);
        let size = |j: usize| halves[j].abs() + if j % 2 == 1 { halves[0] } else { 0.0 };
        let settled = (0..5).all(|j| (halves[j] - whole[j]).abs() <= 4e-15 * size(j));
        if settled || depth == 0 || *budget < 2 {
            return halves;
        }
        *budget -= 2;
        let l = self.adaptive((lo, m), shift, left, depth - 1, budget);
        let r = self.adaptive((m, hi), shift, right, depth - 1, budget);
        std::array::from_fn(|j| l[j] + r[j])
    }
}

/// `ln I` for `I = int_{t0}^{t1} (tau - t0)^n (alpha + tau)^-big_a (beta + tau)^-big_b dtau`
/// and the means under its integrand of `ln(alpha + tau)`, `1 / (alpha + tau)`,
/// `ln(beta + tau)` and `1 / (beta + tau)`. `-inf` (and zero means) when `t0 >= t1`.
pub fn ln_integral(
    [big_a, big_b, n]: [f64; 3],
    alpha: f64,
    beta: f64,
    t0: f64,
    t1: f64,
) -> (f64, [f64; 4]) {
    if t0 >= t1 {
        return (f64::NEG_INFINITY, [0.0; 4]);
    }
    let m = alpha.min(beta);
    let c0 = m + t0;
    let g = Integrand {
        big_a,
        big_b,
        n,
        c0,
        da: (alpha - m) / c0,
        db: (beta - m) / c0,
    };
    let (v1, v2) = (0.0, ((t1 - t0) / c0).ln_1p());
    // The peak of the concave E on [v1, v2], then where E has fallen 60 below it.
    let bisect = |mut lo: f64, mut hi: f64, above: &dyn Fn(f64) -> bool| {
        for _ in 0..200 {
            let mid = (lo + hi) / 2.0;
            if mid <= lo || mid >= hi {
                break;
            }
            if above(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        (lo + hi) / 2.0
    };
    let peak = if g.slope(v1) <= 0.0 {
        v1
    } else if g.slope(v2) >= 0.0 {
        v2
    } else {
        bisect(v1, v2, &|v| g.slope(v) > 0.0)
    };
    let top = g.logs(peak).0;
    let floor = top - 60.0;
    let lo = if g.logs(v1).0 >= floor {
        v1
    } else {
        bisect(v1, peak, &|v| g.logs(v).0 < floor)
    };
    let hi = if g.logs(v2).0 >= floor {
        v2
    } else {
        bisect(peak, v2, &|v| g.logs(v).0 >= floor)
    };
    // Panels on either side of the peak, each refined until halving it changes nothing.
    let mut sums = [0.0; 5];
    let mut budget = 20_000;
    for (a, b) in [(lo, peak), (peak, hi)] {
        if b > a {
            let whole = g.panel(a, b, top);
            let part = g.adaptive((a, b), top, whole, 40, &mut budget);
            for j in 0..5 {
                sums[j] += part[j];
            }
        }
    }
    let means = std::array::from_fn(|j| sums[j + 1] / sums[0]);
    (top + sums[0].ln(), means)
}
