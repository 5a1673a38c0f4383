//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987) with the likelihood of Fader & Hardie's
//! 2005 note "A Note on Deriving the Pareto/NBD Model and Related Expressions", as lifetimes'
//! `ParetoNBDFitter` computes it.
//!
//! Over 400 lines because the model is one piece: the likelihood's A0 term (two series, chosen
//! by which rate is smaller) with its gradient, the fit and the predictions read the same
//! parameters and series; split, each half would need the other's private terms.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::core::clv::fit::{checkpoint, fit_log_params_with, FitControl, FitInfo, FitSpec};
use crate::core::clv::history::ScaledHistory;
use crate::core::clv::likelihood::TermSums;
use crate::core::error::{FloError, Result};
use crate::core::numeric::special::{digamma, ln_gamma};
use crate::core::watch::Watch;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoParams {
    pub r: f64,
    pub alpha: f64,
    pub s: f64,
    pub beta: f64,
}

/// A customer's history under a Pareto/NBD, with the horizon-free parts of its expectation.
#[derive(Debug, Clone, Copy)]
pub struct ParetoHistory {
    s: f64,
    beta_t: f64,
    /// `first + second` of the expectation.
    fixed: f64,
    likelihood: f64,
}

impl ParetoHistory {
    /// Expected purchases in `(T, T + t]`.
    pub fn expected_purchases(&self, t: f64) -> f64 {
        let third = ln_one_minus_ratio_power(self.beta_t, t, self.s);
        (self.fixed + third - self.likelihood).exp()
    }
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

    /// The larger and smaller of the two rates' parameters, and the series' `a` and `b`.
    fn series_args(&self, x: f64) -> (f64, f64, f64, f64) {
        let ParetoParams { r, alpha, s, beta } = *self;
        let (min, max, b) = if alpha < beta {
            (alpha, beta, r + x)
        } else {
            (beta, alpha, s + 1.0)
        };
        (min, max, r + s + x, b)
    }

    /// The 2F1 series of A0 at one of a customer's times (`t_x` or `T`): it depends on `x` and
    /// that time only, so a fit computes it once per distinct pair.
    fn series(&self, x: f64, time: f64) -> Option<[f64; 4]> {
        self.series_within(x, time, SERIES_TERMS)
    }

    /// [`Self::series`] given at most `max_terms` terms.
    fn series_within(&self, x: f64, time: f64, max_terms: usize) -> Option<[f64; 4]> {
        let (min, max, a, b) = self.series_args(x);
        hyp2f1_a_a1(a, b, (max - min) / (max + time), max_terms)
    }

    /// ln A0 of eqs. (19)-(20), the integral over the dropout time between `t_x` and `T`,
    /// and its gradient in (r, alpha, s, beta). `-inf` when `t_x == T` (the integral is empty).
    fn ln_a0(&self, x: f64, t_x: f64, big_t: f64) -> (f64, [f64; 4]) {
        self.ln_a0_with(x, t_x, big_t, self.series(x, t_x), self.series(x, big_t))
    }

    /// `ln_a0` with the series at `t_x` and at `T` given.
    fn ln_a0_with(
        &self,
        x: f64,
        t_x: f64,
        big_t: f64,
        f1: Option<[f64; 4]>,
        f2: Option<[f64; 4]>,
    ) -> (f64, [f64; 4]) {
        let ParetoParams { r, alpha, s, beta } = *self;
        // Which parameter is the smaller rate decides the series; d(...)/d(r, alpha, s, beta):
        let (min, max, db, dd, dmax) = if alpha < beta {
            (
                alpha,
                beta,
                [1., 0., 0., 0.],
                [0., -1., 0., 1.],
                [0., 0., 0., 1.],
            )
        } else {
            (
                beta,
                alpha,
                [0., 0., 1., 0.],
                [0., 1., 0., -1.],
                [0., 1., 0., 0.],
            )
        };
        let da = [1., 0., 1., 0.];
        let a = r + s + x;
        let d = max - min;
        let (q1, q2) = (max + t_x, max + big_t);
        let (Some(f1), Some(f2)) = (f1, f2) else {
            // A 2F1 argument near 1: the series would need millions of terms. A0 is then
            // integrated as what it is (no two terms to cancel).
            let (ln_i, [ln_a, inv_a, ln_b, inv_b]) =
                a0::ln_integral([r + x, s + 1.0, 0.0], alpha, beta, t_x, big_t);
            if ln_i == f64::NEG_INFINITY {
                return (ln_i, [0.0; 4]);
            }
            let rsx = r + s + x;
            return (
                rsx.ln() + ln_i,
                [
                    1.0 / rsx - ln_a,
                    -(r + x) * inv_a,
                    1.0 / rsx - ln_b,
                    -(s + 1.0) * inv_b,
                ],
            );
        };
        let (ln_q1, ln_q2) = (q1.ln(), q2.ln());
        let (u, v) = (f1[0] + a * ln_q2, f2[0] + a * ln_q1);
        if u <= v {
            return (f64::NEG_INFINITY, [0.0; 4]);
        }
        let e = (v - u).exp();
        let value = u + (-(v - u).exp_m1()).ln() - a * (ln_q1 + ln_q2);
        let grad = std::array::from_fn(|j| {
            let d_ln_f = |f: &[f64; 4], q: f64| {
                let dz = dd[j] / q - d * dmax[j] / (q * q);
                f[1] * da[j] + f[2] * db[j] + f[3] * dz
            };
            let du = d_ln_f(&f1, q1) + da[j] * ln_q2 + a * dmax[j] / q2;
            let dv = d_ln_f(&f2, q2) + da[j] * ln_q1 + a * dmax[j] / q1;
            (du - e * dv) / (1.0 - e) - da[j] * (ln_q1 + ln_q2) - a * (dmax[j] / q1 + dmax[j] / q2)
        });
        (value, grad)
    }

    /// A customer's log-likelihood, eq. (18), and its gradient in (r, alpha, s, beta).
    pub fn log_likelihood_grad(&self, x: f64, t_x: f64, big_t: f64) -> (f64, [f64; 4]) {
        self.log_likelihood_grad_with(x, t_x, big_t, self.series(x, t_x), self.series(x, big_t))
    }

    /// `log_likelihood_grad` with A0's series at `t_x` and at `T` given.
    fn log_likelihood_grad_with(
        &self,
        x: f64,
        t_x: f64,
        big_t: f64,
        f1: Option<[f64; 4]>,
        f2: Option<[f64; 4]>,
    ) -> (f64, [f64; 4]) {
        let ParetoParams { r, alpha, s, beta } = *self;
        let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln();
        let d_a1 = [
            digamma(r + x) - digamma(r) + alpha.ln(),
            r / alpha,
            beta.ln(),
            s / beta,
        ];
        let (at, bt) = (alpha + big_t, beta + big_t);
        let alive = -(r + x) * at.ln() - s * bt.ln();
        let d_alive = [-at.ln(), -(r + x) / at, -bt.ln(), -s / bt];
        let (ln_a0, d_a0) = self.ln_a0_with(x, t_x, big_t, f1, f2);
        let rsx = r + s + x;
        let gone = s.ln() + ln_a0 - rsx.ln();
        let d_gone = [
            d_a0[0] - 1.0 / rsx,
            d_a0[1],
            d_a0[2] + 1.0 / s - 1.0 / rsx,
            d_a0[3],
        ];
        let m = alive.max(gone);
        let (e_alive, e_gone) = ((alive - m).exp(), (gone - m).exp());
        let (w_alive, w_gone) = (e_alive / (e_alive + e_gone), e_gone / (e_alive + e_gone));
        let value = a1 + m + (e_alive + e_gone).ln();
        let grad = std::array::from_fn(|j| d_a1[j] + w_alive * d_alive[j] + w_gone * d_gone[j]);
        (value, grad)
    }

    /// The logs of eq. (18)'s two terms without its common factor: alive at `T`,
    /// `-(r + x) ln(alpha + T) - s ln(beta + T)`, and gone since `t_x`, `ln(s / (r + s + x) A0)`.
    pub fn ln_alive_gone(&self, x: f64, t_x: f64, big_t: f64) -> (f64, f64) {
        let ParetoParams { r, alpha, s, beta } = *self;
        let alive = -(r + x) * (alpha + big_t).ln() - s * (beta + big_t).ln();
        let gone = s.ln() - (r + s + x).ln() + self.ln_a0(x, t_x, big_t).0;
        (alive, gone)
    }

    /// A customer's log-likelihood, eq. (18).
    pub fn log_likelihood(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        self.log_likelihood_grad(x, t_x, big_t).0
    }

    /// Expected purchases in `(T, T + t]` given the history, eq. (41).
    pub fn expected_purchases(&self, t: f64, x: f64, t_x: f64, big_t: f64) -> f64 {
        self.history(x, t_x, big_t).expected_purchases(t)
    }

    /// A customer's history with the parts of its expectation that do not depend on the
    /// horizon (the likelihood among them: its series is summed once, not once per horizon).
    pub fn history(&self, x: f64, t_x: f64, big_t: f64) -> ParetoHistory {
        let ParetoParams { r, alpha, s, beta } = *self;
        let first = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln()
            - (r + x) * (alpha + big_t).ln()
            - s * (beta + big_t).ln();
        let second = (r + x).ln() + (beta + big_t).ln() - (alpha + big_t).ln();
        ParetoHistory {
            s,
            beta_t: beta + big_t,
            fixed: first + second,
            likelihood: self.log_likelihood(x, t_x, big_t),
        }
    }

    /// P(alive at T | history), eqs. (36)-(37).
    pub fn probability_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        let ParetoParams { r, alpha, s, beta } = *self;
        let ln_ratio = s.ln() - (r + s + x).ln()
            + (r + x) * (alpha + big_t).ln()
            + s * (beta + big_t).ln()
            + self.ln_a0(x, t_x, big_t).0;
        1.0 / (1.0 + ln_ratio.exp())
    }

    /// Expected purchases of a new customer in `(0, t]`, eq. (27).
    pub fn expected_purchases_new(&self, t: f64) -> f64 {
        let ParetoParams { r, alpha, s, beta } = *self;
        (r * beta / alpha) * ln_one_minus_ratio_power(beta, t, s).exp()
    }
}

/// `ln((1 - (u / (u + t))^(s - 1)) / (s - 1))`, with its limit `ln(ln((u + t) / u))` at
/// `s = 1`. `ln(u / (u + t))` is `-ln(1 + t / u)`: the rounded ratio would keep only the
/// digits of a short horizon `t` above 1e-16 of `u`.
fn ln_one_minus_ratio_power(u: f64, t: f64, s: f64) -> f64 {
    let k = s - 1.0;
    let l = -(t / u).ln_1p();
    if (k * l).abs() < 1e-8 {
        return (-l).ln() + (k * l / 2.0).ln_1p();
    }
    (-(k * l).exp_m1() / k).ln()
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
    /// The distinct `(x, time)` pairs among `(x, t_x)` and `(x, T)`, and each row's two.
    pairs: Vec<(f64, f64)>,
    at_tx: Vec<u32>,
    at_t: Vec<u32>,
}

impl ParetoData {
    pub fn new(x: Vec<f64>, t_x: Vec<f64>, t: Vec<f64>, w: Vec<f64>, rows: usize) -> Self {
        let total_w = w.iter().sum();
        let mut index: FxHashMap<(u64, u64), u32> = FxHashMap::default();
        let mut pairs = Vec::new();
        let mut pair = |xi: f64, time: f64| -> u32 {
            *index
                .entry((xi.to_bits(), time.to_bits()))
                .or_insert_with(|| {
                    pairs.push((xi, time));
                    (pairs.len() - 1) as u32
                })
        };
        let at_tx = x.iter().zip(&t_x).map(|(&a, &b)| pair(a, b)).collect();
        let at_t = x.iter().zip(&t).map(|(&a, &b)| pair(a, b)).collect();
        ParetoData {
            x,
            t_x,
            t,
            w,
            total_w,
            rows: rows as f64,
            pairs,
            at_tx,
            at_t,
        }
    }

    /// The rows in the subsample of `shift` ([`crate::core::clv::history::in_sample`]). Its objective keeps the
    /// caller's row count, so that the penalty weighs as much against its mean log-likelihood
    /// as in the full objective.
    pub fn sample(&self, shift: u32) -> ParetoData {
        let keep: Vec<usize> = (0..self.x.len())
            .filter(|&i| {
                crate::core::clv::history::in_sample([self.x[i], self.t_x[i], self.t[i]], shift)
            })
            .collect();
        let pick = |c: &[f64]| keep.iter().map(|&i| c[i]).collect();
        let mut out = ParetoData::new(
            pick(&self.x),
            pick(&self.t_x),
            pick(&self.t),
            pick(&self.w),
            0,
        );
        out.rows = self.rows;
        out
    }
}

/// lifetimes' objective at `params` (not logs): `-sum(w LL) / mean(w) + penalizer sum(p^2)`.
pub fn lifetimes_objective(params: [f64; 4], data: &ParetoData, penalizer: f64) -> f64 {
    let lp: [f64; 4] = std::array::from_fn(|j| params[j].ln());
    let mut g = [0.0; 4];
    mean_objective(&lp, data, penalizer, &mut g) * data.rows
}

/// lifetimes' objective divided by the number of rows (so it is a mean, of order one), in
/// log-parameters, and its gradient.
pub fn mean_objective(
    log_params: &[f64],
    data: &ParetoData,
    penalizer: f64,
    grad: &mut [f64],
) -> f64 {
    mean_objective_within(log_params, data, penalizer, grad, SERIES_TERMS, true).unwrap_or(f64::NAN)
}

/// [`mean_objective`] with A0's series given at most `max_terms` terms each; where one of
/// them needs more, A0 by quadrature (`integrate`) or `None`.
fn mean_objective_within(
    log_params: &[f64],
    data: &ParetoData,
    penalizer: f64,
    grad: &mut [f64],
    max_terms: usize,
    integrate: bool,
) -> Option<f64> {
    let e: [f64; 4] = std::array::from_fn(|j| log_params[j].exp());
    let p = ParetoParams::new(e);
    // The series once per distinct (x, time): far fewer than rows (times come from days).
    let series: Vec<Option<[f64; 4]>> = data
        .pairs
        .par_iter()
        .with_min_len(256)
        .map(|&(x, time)| p.series_within(x, time, max_terms))
        .collect();
    if !integrate && series.iter().any(Option::is_none) {
        return None;
    }
    // Exact sums: the same numbers whatever the thread count or the order of the rows.
    let sums = TermSums::<4>::over(data.x.len(), &data.w, |i| {
        let (f1, f2) = (
            series[data.at_tx[i] as usize],
            series[data.at_t[i] as usize],
        );
        p.log_likelihood_grad_with(data.x[i], data.t_x[i], data.t[i], f1, f2)
    });
    let sum_ll = sums.value.value();
    let sum_g: [f64; 4] = std::array::from_fn(|j| sums.grad[j].value());
    for j in 0..4 {
        grad[j] = e[j] * (-sum_g[j] / data.total_w + 2.0 * penalizer * e[j] / data.rows);
    }
    Some(-sum_ll / data.total_w + penalizer * e.iter().map(|v| v * v).sum::<f64>() / data.rows)
}

/// The most terms A0's series is given in a prediction and in the objective; past it, A0 by
/// quadrature. A longer series carries its rounding into the gradient, whose log-parameter
/// components are sums of terms like `r ln(alpha)` cancelling to about 1: with 120,000 terms
/// (r = 688, the oracle's points) the r component was 1.6e-10 off, by quadrature 8e-13.
/// Fits keep [`FIT_SERIES_TERMS`]: their steps need no such digits, and past it they stop.
const SERIES_TERMS: usize = 20_000;

/// The most terms A0's series is given in a fit's objective. The series needs about
/// 40 (max(alpha, beta) + T) / (min(alpha, beta) + T) terms. Beyond this, either the rates'
/// scales are small (A0 then by quadrature) or r and alpha (or s and beta) run off to
/// infinity together (one purchase rate for everyone, or no dropout), where every evaluation
/// would cost seconds: the fit stops and says so.
const FIT_SERIES_TERMS: usize = 100_000;

/// A parameter above this, on the time axis scaled to 1, runs to infinity.
const RUNS_OFF: f64 = 1e3;

/// The error of a fit whose A0 series ran past [`FIT_SERIES_TERMS`] at `p` (scaled time)
/// with some parameter above [`RUNS_OFF`]: those run to infinity, any below 1e-3 to 0.
fn series_runs_off(p: [f64; 4]) -> FloError {
    let names = ["r", "alpha", "s", "beta"];
    let off: Vec<usize> = (0..4).filter(|&j| p[j] > RUNS_OFF).collect();
    let named: Vec<String> = (0..4)
        .filter_map(|j| {
            if off.contains(&j) {
                Some(format!("{} runs to infinity ({:e})", names[j], p[j]))
            } else if p[j] < 1e-3 {
                Some(format!("{} runs to 0 ({:e})", names[j], p[j]))
            } else {
                None
            }
        })
        .collect();
    FloError::Convergence(format!(
        "Pareto/NBD did not converge: {} (on the time axis scaled to 1, parameters r = {:e}, \
         alpha = {:e}, s = {:e}, beta = {:e}); the likelihood's A0 series needs more than {} \
         terms there. The data may have one purchase rate for everyone or no dropout: a \
         BG/NBD fit, or a larger penalizer_coef (e.g. 0.01 or 0.1), may suit it.",
        named.join(", "),
        p[0],
        p[1],
        p[2],
        p[3],
        FIT_SERIES_TERMS
    ))
}

/// 2F1(a, b; a + 1; z) for a, b > 0 and 0 <= z < 1 as `[ln F, F_a / F, F_b / F, F_z / F]`, by
/// the series `sum_n a / (a + n) (b)_n z^n / n!` (all terms positive) and its term-by-term
/// derivatives. `None` if it has not converged after many terms.
fn hyp2f1_a_a1(a: f64, b: f64, z: f64, max_terms: usize) -> Option<[f64; 4]> {
    if z == 0.0 {
        return Some([0.0, 0.0, 0.0, a * b / (a + 1.0)]);
    }
    let inv_a = 1.0 / a;
    // t = (b)_n z^n / n!, h = sum_{k<n} 1 / (b + k). The sums (of the terms, and of the terms
    // times n / (a (a + n)), h and n) are held divided by exp(log_scale).
    let (mut t, mut h) = (1.0f64, 0.0f64);
    let (mut s0, mut sa, mut sb, mut sn) = (1.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut log_scale = 0.0f64;
    for n in 1..max_terms {
        let nf = n as f64;
        let bk = b + nf - 1.0;
        t *= bk * z / nf;
        h += 1.0 / bk;
        let c = a / (a + nf);
        let term = c * t;
        s0 += term;
        sa += term * (1.0 - c) * inv_a;
        sb += term * h;
        sn += term * nf;
        if s0 > 1e200 {
            log_scale += s0.ln();
            let k = 1.0 / s0;
            (t, s0, sa, sb, sn) = (t * k, 1.0, sa * k, sb * k, sn * k);
        }
        if n % 4 == 0 {
            // Later term ratios are below max((b + n) z / (n + 1), z); the factors n, h and
            // n / (a + n) grow by at most (n + 1) / n a step.
            let g = ((b + nf) * z / (nf + 1.0)).max(z) * (nf + 1.0) / nf;
            if g < 1.0 {
                let tail = term * g / (1.0 - g) * 1e17;
                if tail <= s0
                    && tail * (1.0 - c) * inv_a <= sa
                    && tail * (h + 1.0 / bk) <= sb
                    && tail * nf <= sn
                {
                    return Some([log_scale + s0.ln(), sa / s0, sb / s0, sn / (z * s0)]);
                }
            }
        }
    }
    None
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
    [x, t_x, t]: [&[f64]; 3],
    weights: Option<&[f64]>,
    penalizer: f64,
    watch: Option<&Watch>,
    control: &FitControl,
) -> Result<ParetoFit> {
    let scaled = ScaledHistory::new(x, t_x, t, weights)?;
    let data = ParetoData::new(scaled.x, scaled.t_x, scaled.t, scaled.w, x.len());
    let sample = crate::core::clv::history::sample_shift(data.total_w, data.x.len())
        .map(|shift| data.sample(shift));
    let spec = FitSpec {
        groups: data.x.len(),
        total_weight: data.total_w,
        model: "Pareto/NBD",
        advice: "Try a larger penalizer_coef (e.g. 0.01 or 0.1), or check the data for customers with extreme frequencies.",
        analytic_hessian: false,
        samples: true,
    };
    let (e, mut info) = fit_log_params_with::<4>(
        |lp, ask, g| {
            checkpoint(watch, "Pareto/NBD fit")?;
            let rows = ask.rows(&data, &sample);
            // A long series on the way to an optimum with small rates is fine (A0 by
            // quadrature); a long one because the rates' scales run off is the fit diverging.
            // Which of the two depends on the parameters alone: one pass over the series.
            let p: [f64; 4] = std::array::from_fn(|j| lp[j].exp());
            let runs_off = p.iter().any(|&v| v > RUNS_OFF);
            match mean_objective_within(lp, rows, penalizer, g, FIT_SERIES_TERMS, !runs_off) {
                Some(v) => Ok((v, None)),
                None => Err(series_runs_off(p)),
            }
        },
        &spec,
        control,
    )?;
    info.objective *= data.rows;
    Ok(ParetoFit {
        params: ParetoParams::new([e[0], e[1] / scaled.scale, e[2], e[3] / scaled.scale]),
        scale: scaled.scale,
        info,
    })
}

pub(crate) mod a0;
#[cfg(test)]
mod tests;
