//! Probabilities of a number of purchases, as lifetimes 0.11.3 computes them: for a new
//! customer under the BG/NBD family (`probability_of_n_purchases_up_to_time`) and for a customer
//! with a history under the Pareto/NBD (`conditional_probability_of_n_purchases_up_to_time`).

use crate::core::clv::bgnbd::BgNbdParams;
use crate::core::clv::pareto::ParetoParams;
use crate::core::numeric::special::{ln_gamma, ln_hyp2f1};

fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

impl BgNbdParams {
    /// P(N(t) = n) for a new customer: eq. (8) of Fader, Hardie & Lee (2005); for the modified
    /// model, lifetimes' `ModifiedBetaGeoFitter` version of it, whose Beta terms read `b + n + 1`
    /// and `b + n` and whose second term is there for `n = 0` too (dropout right after the first
    /// purchase).
    pub fn probability_of_purchases(&self, t: f64, n: u32) -> f64 {
        let BgNbdParams { r, alpha, a, b, .. } = *self;
        let nf = f64::from(n);
        let k = if self.modified { 1.0 } else { 0.0 };
        let (p, q) = (alpha / (alpha + t), t / (alpha + t));
        // Gamma(r + n) / (Gamma(r) n!) p^r q^n: the NBD probability of n purchases while alive.
        // (q^0 is 1 at t = 0, where ln q is -inf.)
        let q_n = if n == 0 { 0.0 } else { nf * q.ln() };
        let nbd = ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0) + r * p.ln() + q_n;
        let first = (ln_beta(a, b + nf + k) - ln_beta(a, b) + nbd).exp();
        if n == 0 && !self.modified {
            return first;
        }
        // b + n - 1 (+ 1 for the modified model) is b itself at n = 1 (n = 0): summed from
        // the left, a boundary fit's b (below 1e-16) is rounded away to 0 or to a multiple of
        // 1e-16, and the dropout term with it.
        let b_rest = if nf - 1.0 + k == 0.0 {
            b
        } else {
            b + nf - 1.0 + k
        };
        let second = (ln_beta(a + 1.0, b_rest) - ln_beta(a, b)).exp();
        first + second * nbd_at_least(r, p, q, n)
    }
}

/// P(N >= n) for the NBD with `Gamma(r + j) / (Gamma(r) j!) p^r q^j` at `j` (`q = 1 - p`): one
/// minus the finite sum below `n` (lifetimes' form), or where that sum is most of the mass and
/// the difference would cancel to rounding, the tail itself summed from `n` up.
fn nbd_at_least(r: f64, p: f64, q: f64, n: u32) -> f64 {
    let p_r = p.powf(r);
    // The terms Gamma(r + j) / (Gamma(r) j!) q^j, each made from the one before.
    let (mut term, mut below) = (1.0, 0.0);
    for j in 0..n {
        below += term;
        let jf = f64::from(j);
        term *= (r + jf) / (jf + 1.0) * q;
    }
    if p_r * below <= 0.5 {
        return 1.0 - p_r * below;
    }
    // Past j >= r q / p the terms fall geometrically (ratio -> q < 1 here, since p_r > 0).
    let mut tail = 0.0;
    for j in u64::from(n)..u64::from(n) + 10_000_000 {
        tail += term;
        let jf = j as f64;
        let ratio = (r + jf) / (jf + 1.0) * q;
        term *= ratio;
        if term <= tail * 1e-17 && ratio < 1.0 {
            break;
        }
    }
    p_r * tail
}

impl ParetoParams {
    /// P(n purchases in `(T, T + t]` | x, t_x, T): eq. (16) of Fader & Hardie's note "Deriving
    /// the Conditional PMF of the Pareto/NBD Model" (2006), term by term as lifetimes 0.11.3
    /// (its `B_1`, `B_2`, `B_3(i)` in logs; like lifetimes, the magnitude of
    /// `B_1 + B_2 - sum_i B_3(i)`, which rounding can make a hair negative). 0 for `t <= 0`.
    pub fn conditional_probability_of_purchases(
        &self,
        n: u32,
        t: f64,
        x: f64,
        t_x: f64,
        big_t: f64,
    ) -> f64 {
        if t <= 0.0 {
            return 0.0;
        }
        let ParetoParams { r, alpha, s, beta } = *self;
        let nf = f64::from(n);
        // The 2F1's second argument follows the smaller of alpha and beta, as A0 of eq. (18).
        let (min, max, p2) = if alpha < beta {
            (alpha, beta, r + x + nf)
        } else {
            (beta, alpha, s + 1.0)
        };
        let ln_l = self.log_likelihood(x, t_x, big_t);
        let prior = r * alpha.ln() + s * beta.ln() - ln_gamma(r);
        let ln_p_alive_none = ln_gamma(r + x) + prior
            - (r + x) * (alpha + big_t).ln()
            - s * (beta + big_t).ln()
            - ln_l;
        let zeroth = if n == 0 {
            1.0 - ln_p_alive_none.exp()
        } else {
            0.0
        };
        let ln_b1 = ln_gamma(r + x + nf) + prior
            - (r + x + nf) * (alpha + big_t + t).ln()
            - s * (beta + big_t + t).ln();
        let c = r + s + x + nf + 1.0;
        let b_common = prior + ln_beta(r + x + nf, s + 1.0) - ln_gamma(s);
        let ln_b2 = b_common
            + ln_gamma(r + s + x)
            + ln_hyp2f1(r + s + x, p2, c, (max - min) / (max + big_t))
            - (r + s + x) * (max + big_t).ln();
        let ln_b3 = |i: f64| {
            b_common
                + ln_gamma(r + s + x + i)
                + ln_hyp2f1(r + s + x + i, p2, c, (max - min) / (max + big_t + t))
                - (r + s + x + i) * (max + big_t + t).ln()
        };
        let first = nf * t.ln() - ln_gamma(nf + 1.0) + ln_b1 - ln_l;
        let second = ln_b2 - ln_l;
        let thirds: Vec<f64> = (0..=n)
            .map(|i| {
                let i = f64::from(i);
                i * t.ln() - ln_gamma(i + 1.0) + ln_b3(i) - ln_l
            })
            .collect();
        let third = ln_sum_exp(&thirds);
        let m = first.max(second).max(third);
        let rest = ((first - m).exp() + (second - m).exp() - (third - m).exp()).abs();
        zeroth + rest * m.exp()
    }
}

/// `ln(sum(exp(v)))` without overflow.
fn ln_sum_exp(v: &[f64]) -> f64 {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bgnbd_probabilities_of_a_new_customer_add_up_to_one() {
        for modified in [false, true] {
            let p = BgNbdParams::new([0.243, 4.414, 0.793, 2.426], modified);
            let total: f64 = (0..400).map(|n| p.probability_of_purchases(39.0, n)).sum();
            assert!((total - 1.0).abs() < 1e-9, "modified {modified}: {total}");
        }
    }

    #[test]
    fn bgnbd_probabilities_at_time_zero_and_in_the_far_tail() {
        let p = BgNbdParams::new([0.243, 4.414, 0.793, 2.426], false);
        assert_eq!(p.probability_of_purchases(0.0, 0), 1.0);
        assert_eq!(p.probability_of_purchases(0.0, 3), 0.0);
        // Far in the tail the tail is summed, not 1 minus almost 1: it stays positive and
        // falls with n as the first term does.
        let (far, farther) = (
            p.probability_of_purchases(1.0, 20),
            p.probability_of_purchases(1.0, 21),
        );
        assert!(
            far > 0.0 && farther > 0.0 && farther < far,
            "{far} {farther}"
        );
    }

    #[test]
    fn pareto_conditional_probabilities_add_up_to_one() {
        let p = ParetoParams::new([0.553, 10.578, 0.606, 11.669]);
        for (x, t_x, big_t) in [(0.0, 0.0, 38.86), (2.0, 30.43, 38.86), (7.0, 35.0, 38.0)] {
            let total: f64 = (0..300)
                .map(|n| p.conditional_probability_of_purchases(n, 10.0, x, t_x, big_t))
                .sum();
            assert!((total - 1.0).abs() < 1e-8, "({x}, {t_x}, {big_t}): {total}");
        }
        assert_eq!(
            p.conditional_probability_of_purchases(1, 0.0, 2.0, 30.0, 38.0),
            0.0
        );
    }
}
