//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987) with the likelihood of Fader & Hardie's
//! 2005 note "A Note on Deriving the Pareto/NBD Model and Related Expressions", as lifetimes'
//! `ParetoNBDFitter` computes it.

use rayon::prelude::*;

use super::special::{ln_gamma, ln_hyp2f1};
use super::{fit_log_params, FitInfo, ScaledHistory};
use crate::core::error::Result;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoParams {
    pub r: f64,
    pub alpha: f64,
    pub s: f64,
    pub beta: f64,
}

impl ParetoParams {
    pub fn new(p: [f64; 4]) -> Self {
        ParetoParams {
            r: p[0],
            alpha: p[1],
            s: p[2],
            beta: p[3],
        }
    }

    /// ln A0 of eqs. (19)-(20): the integral over the dropout time between `t_x` and `T`.
    /// `-inf` when `t_x == T` (the integral is empty).
    fn ln_a0(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        let ParetoParams { r, alpha, s, beta } = *self;
        let (min, max, b) = if alpha < beta {
            (alpha, beta, r + x)
        } else {
            (beta, alpha, s + 1.0)
        };
        let rsx = r + s + x;
        let (q1, q2) = (max + t_x, max + big_t);
        let ln_p1 = ln_hyp2f1(rsx, b, rsx + 1.0, (max - min) / q1);
        let ln_p2 = ln_hyp2f1(rsx, b, rsx + 1.0, (max - min) / q2);
        let (u, v) = (ln_p1 + rsx * q2.ln(), ln_p2 + rsx * q1.ln());
        if u <= v {
            return f64::NEG_INFINITY;
        }
        u + (-(v - u).exp_m1()).ln() - rsx * (q1.ln() + q2.ln())
    }

    /// A customer's log-likelihood, eq. (18).
    pub fn log_likelihood(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        let ParetoParams { r, alpha, s, beta } = *self;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln();
        let alive = -(r + x) * (alpha + big_t).ln() - s * (beta + big_t).ln();
        let gone = s.ln() + self.ln_a0(x, t_x, big_t) - (r + s + x).ln();
        a1 + log_add_exp(alive, gone)
    }

    /// Expected purchases in `(T, T + t]` given the history, eq. (41).
    pub fn expected_purchases(&self, t: f64, x: f64, t_x: f64, big_t: f64) -> f64 {
        let ParetoParams { r, alpha, s, beta } = *self;
        let first = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln()
            - (r + x) * (alpha + big_t).ln()
            - s * (beta + big_t).ln();
        let second = (r + x).ln() + (beta + big_t).ln() - (alpha + big_t).ln();
        let third = ln_one_minus_ratio_power(beta + big_t, beta + big_t + t, s);
        (first + second + third - self.log_likelihood(x, t_x, big_t)).exp()
    }

    /// P(alive at T | history), eqs. (36)-(37).
    pub fn probability_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        let ParetoParams { r, alpha, s, beta } = *self;
        let ln_ratio = s.ln() - (r + s + x).ln()
            + (r + x) * (alpha + big_t).ln()
            + s * (beta + big_t).ln()
            + self.ln_a0(x, t_x, big_t);
        1.0 / (1.0 + ln_ratio.exp())
    }

    /// Expected purchases of a new customer in `(0, t]`, eq. (27).
    pub fn expected_purchases_new(&self, t: f64) -> f64 {
        let ParetoParams { r, alpha, s, beta } = *self;
        (r * beta / alpha) * ln_one_minus_ratio_power(beta, beta + t, s).exp()
    }
}

/// `ln((1 - (u / v)^(s - 1)) / (s - 1))`, with its limit `ln(ln(v / u))` at `s = 1`.
fn ln_one_minus_ratio_power(u: f64, v: f64, s: f64) -> f64 {
    let k = s - 1.0;
    let l = (u / v).ln();
    if (k * l).abs() < 1e-8 {
        return (-l).ln() + (k * l / 2.0).ln_1p();
    }
    (-(k * l).exp_m1() / k).ln()
}

fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// Scaled, collapsed customers and what lifetimes divides its objective by.
pub struct ParetoData {
    pub x: Vec<f64>,
    pub t_x: Vec<f64>,
    pub t: Vec<f64>,
    pub w: Vec<f64>,
    total_w: f64,
    /// The number of rows the caller passed: lifetimes divides by the mean weight.
    rows: f64,
}

impl ParetoData {
    pub fn new(x: Vec<f64>, t_x: Vec<f64>, t: Vec<f64>, w: Vec<f64>, rows: usize) -> Self {
        let total_w = w.iter().sum();
        ParetoData {
            x,
            t_x,
            t,
            w,
            total_w,
            rows: rows as f64,
        }
    }
}

/// lifetimes' objective at `params` (not logs): `-sum(w LL) / mean(w) + penalizer sum(p^2)`.
pub fn lifetimes_objective(params: [f64; 4], data: &ParetoData, penalizer: f64) -> f64 {
    let lp: [f64; 4] = std::array::from_fn(|j| params[j].ln());
    let mut g = [0.0; 4];
    mean_objective(&lp, data, penalizer, &mut g) * data.rows
}

/// Central-difference step in the log-parameters.
const STEP: f64 = 1e-5;

/// lifetimes' objective divided by the number of rows (so it is a mean, of order one), in
/// log-parameters, and its gradient by central differences: the likelihood runs through 2F1
/// in its parameters, whose derivatives have no closed form. All nine points are evaluated
/// in one pass over the customers.
pub fn mean_objective(
    log_params: &[f64],
    data: &ParetoData,
    penalizer: f64,
    grad: &mut [f64],
) -> f64 {
    let point = |k: usize| -> [f64; 4] {
        std::array::from_fn(|j| {
            let shift = match k {
                0 => 0.0,
                _ if (k - 1) / 2 == j => STEP * if k % 2 == 1 { 1.0 } else { -1.0 },
                _ => 0.0,
            };
            (log_params[j] + shift).exp()
        })
    };
    let points: [[f64; 4]; 9] = std::array::from_fn(point);
    let models: [ParetoParams; 9] = std::array::from_fn(|k| ParetoParams::new(points[k]));
    let sums = (0..data.x.len())
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| {
            let w = data.w[i];
            std::array::from_fn::<f64, 9, _>(|k| {
                w * models[k].log_likelihood(data.x[i], data.t_x[i], data.t[i])
            })
        })
        .reduce(|| [0.0; 9], |a, b| std::array::from_fn(|k| a[k] + b[k]));
    let value = |k: usize| {
        let pen: f64 = points[k].iter().map(|v| v * v).sum();
        -sums[k] / data.total_w + penalizer * pen / data.rows
    };
    for (j, g) in grad.iter_mut().enumerate().take(4) {
        *g = (value(1 + 2 * j) - value(2 + 2 * j)) / (2.0 * STEP);
    }
    value(0)
}

#[derive(Debug, Clone)]
pub struct ParetoFit {
    pub params: ParetoParams,
    pub scale: f64,
    /// `objective` is lifetimes' (a sum over customers); the Hessian is of the mean.
    pub info: FitInfo,
}

/// Maximum-likelihood fit (lifetimes minimises the same objective with Nelder-Mead from
/// parameters near 1; here quasi-Newton from log-parameters 0.1).
pub fn fit(
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    weights: Option<&[f64]>,
    penalizer: f64,
) -> Result<ParetoFit> {
    let scaled = ScaledHistory::new(x, t_x, t, weights)?;
    let data = ParetoData::new(scaled.x, scaled.t_x, scaled.t, scaled.w, x.len());
    let (e, mut info) = fit_log_params::<4>(
        |lp, g| mean_objective(lp, &data, penalizer, g),
        data.x.len(),
        data.total_w,
        "Pareto/NBD",
        "Try a larger penalizer_coef (e.g. 0.01 or 0.1), or check the data for customers with extreme frequencies.",
    )?;
    info.objective *= data.rows;
    Ok(ParetoFit {
        params: ParetoParams::new([e[0], e[1] / scaled.scale, e[2], e[3] / scaled.scale]),
        scale: scaled.scale,
        info,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a0_integral_vanishes_when_last_purchase_is_now() {
        let p = ParetoParams::new([0.55, 10.6, 0.61, 11.7]);
        assert_eq!(p.ln_a0(3.0, 20.0, 20.0), f64::NEG_INFINITY);
        let ll = p.log_likelihood(3.0, 20.0, 20.0);
        assert!(ll.is_finite());
    }

    #[test]
    fn probability_alive_is_a_probability_and_falls_with_inactivity() {
        let p = ParetoParams::new([0.55, 10.6, 0.61, 11.7]);
        let recent = p.probability_alive(4.0, 38.0, 39.0);
        let stale = p.probability_alive(4.0, 5.0, 39.0);
        assert!(recent > stale && stale > 0.0 && recent < 1.0);
    }

    #[test]
    fn s_equal_one_uses_the_limit() {
        let near = ln_one_minus_ratio_power(2.0, 3.0, 1.0 + 1e-7);
        let at = ln_one_minus_ratio_power(2.0, 3.0, 1.0);
        assert!((near - at).abs() < 1e-6, "{near} vs {at}");
    }
}
