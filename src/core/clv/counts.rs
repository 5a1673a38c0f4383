//! Probabilities of a number of purchases, as lifetimes 0.11.3 computes them: for a new
//! customer under the BG/NBD family (`probability_of_n_purchases_up_to_time`) and for a customer
//! with a history under the Pareto/NBD (`conditional_probability_of_n_purchases_up_to_time`).

use crate::core::clv::bgnbd::BgNbdParams;
use crate::core::clv::pareto::a0;
use crate::core::clv::pareto::ParetoParams;
use crate::core::numeric::special::{ln_gamma, ln_gamma_ratio};

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
        // At most 1 (the modified model's P(N = 0) is (a + b p^r) / (a + b)): the two rounded
        // terms can add up to 1 + 1e-14.
        (first + second * nbd_at_least(r, p, q, n)).min(1.0)
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
    /// the Conditional PMF of the Pareto/NBD Model" (2006), as lifetimes 0.11.3 writes it,
    /// except that its `B_2 - sum_i B_3(i)` (a difference of 2F1 terms that cancels) is the
    /// integral it equals. 0 for `t <= 0`.
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
        // Eq. (16) over the likelihood L, with L's common factor Gamma(r + x) alpha^r beta^s /
        // Gamma(r) taken out of every term (it is e^5e4 at r = 6e3, and its rounding would
        // stay in the difference): L / factor = e^alive + e^gone.
        let (alive, gone) = self.ln_alive_gone(x, t_x, big_t);
        let top = alive.max(gone);
        let ln_mix = top + ((alive - top).exp() + (gone - top).exp()).ln();
        // 1 - P(alive at T | history) = P(gone), for n = 0.
        let zeroth = if n == 0 { (gone - ln_mix).exp() } else { 0.0 };
        let ratio = ln_gamma_ratio(r + x, nf) - ln_gamma(nf + 1.0);
        // Alive through T + t with n purchases: P(alive) times the NBD's n in t, the change of
        // its power from (alpha + T) to (alpha + T + t) as ln(1 + t / (alpha + T)).
        let p_n = if n == 0 {
            0.0
        } else {
            nf * (t / (alpha + big_t + t)).ln()
        };
        let first = ratio + p_n
            - (r + x) * (t / (alpha + big_t)).ln_1p()
            - s * (t / (beta + big_t)).ln_1p()
            + (alive - ln_mix);
        // lifetimes' B2 - sum_i B3(i) is the probability of n purchases and then the dropout
        // in (T, T + t]: int_0^t Gamma(r + x + n) / (Gamma(r) n!) alpha^r s beta^s tau^n
        // (alpha + T + tau)^-(r + x + n) (beta + T + tau)^-(s + 1) dtau. The difference of the
        // 2F1 terms cancels (to 4e-7) and their series fail near z = 1; the integral of a
        // positive function does neither.
        let (ln_j, _) = a0::ln_integral([r + x + nf, s + 1.0, nf], alpha, beta, big_t, big_t + t);
        let second = ratio + s.ln() + ln_j - ln_mix;
        // At most 1: the three rounded terms of P(0) can add up to 1 + 1e-15.
        (zeroth + first.exp() + second.exp()).min(1.0)
    }
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
