//! Gamma-Gamma spend model (Fader & Hardie, "The Gamma-Gamma model of monetary value", 2013).
//!
//! Over 400 lines because the model is one piece: its likelihood with gradient and Hessian, the
//! fit from whole data or from part sums, and the expected spend share the same terms.

use crate::core::numeric::special::{digamma, digamma_diff, ln_gamma, ln_gamma_ratio, trigamma};

use crate::core::clv::fit::{
    checkpoint, fit_log_params_with, Ask, Evaluation, FitControl, FitInfo, FitSpec,
};

use crate::core::clv::history::{
    collapse, frequency_slots, frequency_sums, in_sample, sorted_by_frequency, weight_by_value,
};

use crate::core::clv::likelihood::{log_hessian, TermSums};
use crate::core::error::{FloError, Result};
use crate::core::numeric::fixed_sum::FixedSum;
use crate::core::watch::Watch;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGammaParams {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

pub fn check_inputs(x: &[f64], m: &[f64]) -> Result<()> {
    if x.is_empty() {
        return Err(FloError::invalid("no customers to fit"));
    }
    if x.len() != m.len() {
        return Err(FloError::invalid(
            "frequency and monetary_value must have the same length",
        ));
    }
    for i in 0..x.len() {
        if !(x[i].is_finite() && x[i] > 0.0 && x[i].fract() == 0.0) {
            return Err(FloError::invalid(format!(
                "customer {i}: Gamma-Gamma needs a whole frequency > 0, got {}",
                x[i]
            )));
        }
        if !(m[i].is_finite() && m[i] > 0.0) {
            return Err(FloError::invalid(format!(
                "customer {i}: Gamma-Gamma needs monetary_value > 0, got {}",
                m[i]
            )));
        }
    }
    Ok(())
}

/// The terms of a customer's log-likelihood that depend on the frequency only, and their
/// gradient with respect to (p, q, v).
fn frequency_part(par: &GammaGammaParams, x: f64) -> (f64, [f64; 3]) {
    let GammaGammaParams { p, q, v } = *par;
    let px = p * x;
    let d_q = digamma(px + q) - digamma(q) + v.ln();
    if lifetimes_order(px) {
        // lifetimes' terms, in its order (and with its bits).
        let value = ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q) + q * v.ln() + px * x.ln();
        let d_p = x * (digamma(px + q) - digamma(px) + x.ln());
        return (value, [d_p, d_q, q / v]);
    }
    // p x ln x is left to the spend sums: with p x (ln m - ln(x m + v)) it is
    // -p x ln(1 + v / (x m)), which the two would round away (x = 1e4, p x = 6e7: 8 digits).
    let value = ln_gamma_ratio(px, q) - ln_gamma(q) + q * v.ln();
    let d_p = x * digamma_diff(px, q);
    (value, [d_p, d_q, q / v])
}

/// Whether a frequency's terms are lifetimes' (`p x <= 2^12`) or the cancellation-free ones.
/// lifetimes' log-likelihood holds terms of size about `p x ln(p x)` (ln Γ(p x + q) and
/// ln Γ(p x)) and `p x |ln(x m + v)|` (against `p x (ln x + ln m)`) whose differences are
/// O(q ln(p x)) and O(p x v / (x m)): each rounded to `eps` of its size, they leave an error of
/// about `eps p x (ln(p x) + |ln(x m + v)|)`, under 1e-11 for `p x <= 2^12` and the oracle's
/// `x m` up to 1e10. Beyond, the differences are formed without cancellation
/// ([`ln_gamma_ratio`], [`digamma_diff`], `ln(1 + v / (x m))`).
fn lifetimes_order(px: f64) -> bool {
    px <= LIFETIMES_PX
}

/// The largest `p x` evaluated in lifetimes' order ([`lifetimes_order`]).
const LIFETIMES_PX: f64 = 4096.0;

/// The Hessian of [`frequency_part`], upper triangle row by row (p, q, v).
fn frequency_hessian(par: &GammaGammaParams, x: f64) -> [f64; 6] {
    let GammaGammaParams { p, q, v } = *par;
    let px = p * x;
    let t = trigamma(px + q);
    [
        x * x * (t - trigamma(px)),
        x * t,
        0.0,
        t - trigamma(q),
        1.0 / v,
        -q / (v * v),
    ]
}

/// Customers' `(x, m)` with weights, sorted by frequency (the sums do not depend on the order,
/// and rows of one frequency next to each other share the multiply by `x`), and the distinct
/// frequencies with their total weight.
pub struct GammaGammaData {
    pub x: Vec<f64>,
    pub m: Vec<f64>,
    pub w: Vec<f64>,
    x_values: Vec<f64>,
    x_weights: Vec<f64>,
    total_w: f64,
    xm: Vec<f64>,
    /// Per row, the index of its frequency among `x_values`.
    x_slot: Vec<u32>,
    /// `sum(w ln m)`: the same at every evaluation.
    ln_m_sum: FixedSum,
}

impl GammaGammaData {
    pub fn new(x: Vec<f64>, m: Vec<f64>, w: Vec<f64>) -> Self {
        let [x, m, w] = sorted_by_frequency([x, m, w]);
        let (x_values, x_weights) = weight_by_value(&x, &w);
        let total_w = w.iter().sum();
        let xm = x.iter().zip(&m).map(|(a, b)| a * b).collect();
        let x_slot = frequency_slots(&x_values, &x);
        let (_, [ln_m]) = by_frequency((&x_values, &x_slot), &w, |i| [m[i].ln()]);
        GammaGammaData {
            x,
            m,
            w,
            x_values,
            x_weights,
            total_w,
            xm,
            x_slot,
            ln_m_sum: ln_m,
        }
    }

    /// The rows in the subsample of `shift` ([`in_sample`]).
    pub fn sample(&self, shift: u32) -> GammaGammaData {
        let keep: Vec<usize> = (0..self.x.len())
            .filter(|&i| in_sample([self.x[i], self.m[i]], shift))
            .collect();
        let pick = |c: &[f64]| keep.iter().map(|&i| c[i]).collect();
        GammaGammaData::new(pick(&self.x), pick(&self.m), pick(&self.w))
    }
}

/// For each of `K` terms, `sum(w x t)` and `sum(w t)` over the rows, the first as `x` times
/// the sum over each frequency (exact: `x` is a whole number).
fn by_frequency<const K: usize>(
    data_x: (&[f64], &[u32]),
    w: &[f64],
    term: impl Fn(usize) -> [f64; K] + Sync,
) -> ([FixedSum; K], [FixedSum; K]) {
    let (x_values, slot) = data_x;
    let mut by_x: [FixedSum; K] = std::array::from_fn(|_| FixedSum::default());
    let mut plain = by_x.clone();
    for (sums, &x) in frequency_sums(slot, x_values.len(), w, term)
        .iter()
        .zip(x_values)
    {
        for k in 0..K {
            by_x[k].merge(&sums[k].times(x));
            plain[k].merge(&sums[k]);
        }
    }
    (by_x, plain)
}

/// Gamma-Gamma's likelihood sums at some parameters, order-free (the same numbers whatever the
/// order of the customers or how they were split). A customer's spend terms are
/// `p x (A - B) - ln m - q L` with `L = ln(x m + v)` (`A = ln m`, `B = L` in lifetimes' order,
/// `A = 0`, `B = ln(1 + v / (x m))` where that cancels: [`log_likelihood_sums`]), so the spend
/// part of the value and of the gradient is a combination of six sums: `sum(w x A)`,
/// `sum(w ln m)`, `sum(w x B)`, `sum(w L)`, `sum(w x R)` and `sum(w R)` with
/// `R = 1 / (x m + v)`. The frequency terms are summed once per distinct frequency.
#[derive(Debug, Clone)]
pub struct SpendSums {
    pub spend: [FixedSum; 6],
    pub by_frequency: TermSums<3>,
    /// For the Hessian: `sum(w x R^2)` and `sum(w R^2)`, or empty.
    pub curvature: Vec<FixedSum>,
}

impl SpendSums {
    pub fn merge(mut self, other: Self) -> Self {
        for (a, b) in self.spend.iter_mut().zip(&other.spend) {
            a.merge(b);
        }
        self.by_frequency = self.by_frequency.merge(other.by_frequency);
        if self.curvature.is_empty() {
            self.curvature = other.curvature;
        } else {
            for (a, b) in self.curvature.iter_mut().zip(&other.curvature) {
                a.merge(b);
            }
        }
        self
    }

    /// The six spend sums' partials, the curvature sums' if any, then the frequency sums' (to
    /// merge elsewhere).
    pub fn to_parts(&self) -> Vec<Vec<f64>> {
        let mut out: Vec<Vec<f64>> = self
            .spend
            .iter()
            .chain(&self.curvature)
            .map(FixedSum::partials)
            .collect();
        out.extend(self.by_frequency.to_parts());
        out
    }

    /// The sums of several parts (each as [`SpendSums::to_parts`] gave), merged.
    pub fn from_parts(parts: &[Vec<Vec<f64>>]) -> Result<Self> {
        // 6 spend sums and 4 frequency sums, or with the Hessian 8 and 10.
        let with_hessian = parts.first().is_some_and(|p| p.len() > 10);
        let (spend_len, expected) = if with_hessian { (8, 18) } else { (6, 10) };
        let mut spend: Vec<FixedSum> = vec![FixedSum::default(); spend_len];
        let mut frequency = Vec::with_capacity(parts.len());
        for p in parts {
            if p.len() != expected {
                return Err(FloError::invalid(format!(
                    "a partial Gamma-Gamma likelihood has {} sums, expected {expected}",
                    p.len()
                )));
            }
            for (s, q) in spend.iter_mut().zip(&p[..spend_len]) {
                s.merge(&FixedSum::from_partials(q));
            }
            frequency.push(p[spend_len..].to_vec());
        }
        let curvature = spend.split_off(6);
        Ok(SpendSums {
            spend: spend.try_into().expect("six spend sums"),
            by_frequency: TermSums::from_parts(&frequency)?,
            curvature,
        })
    }

    /// lifetimes' objective in log-parameters `log(e)` (see [`TermSums::objective`]).
    pub fn objective(
        &self,
        par: &GammaGammaParams,
        e: &[f64],
        total_w: f64,
        penalizer: f64,
        grad: &mut [f64],
    ) -> f64 {
        let GammaGammaParams { p, q, .. } = *par;
        let [x_a, ln_m, x_b, l, x_r, r] = &self.spend;
        // sum(w x (A - B)) ([`log_likelihood_sums`]) exactly, before it is rounded: it is near
        // zero at the optimum.
        let mut x_diff = x_a.clone();
        x_diff.merge(&x_b.times(-1.0));
        let x_diff = x_diff.value();
        let f = &self.by_frequency;
        let l = l.value();
        let value = f.value.value() + p * x_diff - ln_m.value() - q * l;
        let d = [
            f.grad[0].value() + x_diff,
            f.grad[1].value() - l,
            f.grad[2].value() - p * x_r.value() - q * r.value(),
        ];
        for j in 0..3 {
            grad[j] = e[j] * (-d[j] / total_w + 2.0 * penalizer * e[j]);
        }
        let pen: f64 = e.iter().map(|v| v * v).sum::<f64>() * penalizer;
        -value / total_w + pen
    }

    /// The objective (as [`SpendSums::objective`]) with its Hessian in the log-parameters when
    /// the sums hold the curvature sums.
    pub fn evaluation(
        &self,
        par: &GammaGammaParams,
        e: &[f64],
        mean_weight: f64,
        penalizer: f64,
        grad: &mut [f64],
    ) -> Evaluation {
        let value = self.objective(par, e, mean_weight, penalizer, grad);
        let (Some(mut h), [x_rr, rr]) = (self.by_frequency.hessian_matrix(), &self.curvature[..])
        else {
            return (value, None);
        };
        let [.., x_r, r] = &self.spend;
        let GammaGammaParams { p, q, .. } = *par;
        h[0][2] -= x_r.value();
        h[1][2] -= r.value();
        h[2][2] += p * x_rr.value() + q * rr.value();
        h[2][0] = h[0][2];
        h[2][1] = h[1][2];
        (
            value,
            Some(log_hessian(&h, e, grad, mean_weight, penalizer)),
        )
    }
}

/// The weighted log-likelihood and gradient sums (natural parameters) over `data`, and what
/// the Hessian needs when `hessian`.
pub fn log_likelihood_sums(
    par: &GammaGammaParams,
    data: &GammaGammaData,
    hessian: bool,
) -> SpendSums {
    let mut by_freq = TermSums::over(data.x_values.len(), &data.x_weights, |k| {
        frequency_part(par, data.x_values[k])
    });
    let xm = &data.xm;
    // Per row, the spend's part of the log-likelihood, p x (ln x + ln m - L) - ln m - q L
    // with L = ln(x m + v), as p x (A - B) - ln m - q L: in lifetimes' order (its frequency
    // terms hold p x ln x) A = ln m and B = L; else A = 0, B = k = ln(1 + v / (x m)) and
    // L = ln(x m) + k (the frequency terms then leave p x ln x out).
    let old: Vec<bool> = data
        .x_values
        .iter()
        .map(|&x| lifetimes_order(par.p * x))
        .collect();
    let spend_terms = |i: usize| {
        let s = xm[i] + par.v;
        if old[data.x_slot[i] as usize] {
            let l = s.ln();
            [data.m[i].ln(), l, l, 1.0 / s]
        } else {
            let k = (par.v / xm[i]).ln_1p();
            [0.0, k, xm[i].ln() + k, 1.0 / s]
        }
    };
    let ([x_a, x_b, _, x_r], [_, _, l, r], curvature) = if hessian {
        let ([x_a, x_b, _, x_r, x_rr], [_, _, l, r, rr]) =
            by_frequency((&data.x_values, &data.x_slot), &data.w, |i| {
                let [a, b, l, inv] = spend_terms(i);
                [a, b, l, inv, inv * inv]
            });
        let mut h = vec![FixedSum::default(); 6];
        for (&x, &w) in data.x_values.iter().zip(&data.x_weights) {
            let whole = crate::core::numeric::fixed_sum::fixed_weight(w);
            for (hk, v) in h.iter_mut().zip(frequency_hessian(par, x)) {
                hk.add_weighted(whole, w, v);
            }
        }
        by_freq.hessian = h;
        (
            [x_a, x_b, FixedSum::default(), x_r],
            [FixedSum::default(), FixedSum::default(), l, r],
            vec![x_rr, rr],
        )
    } else {
        let (x_sums, sums) = by_frequency((&data.x_values, &data.x_slot), &data.w, spend_terms);
        (x_sums, sums, Vec::new())
    };
    let ln_m = data.ln_m_sum.clone();
    SpendSums {
        spend: [x_a, ln_m, x_b, l, x_r, r],
        by_frequency: by_freq,
        curvature,
    }
}

/// lifetimes' Gamma-Gamma objective in log-parameters, and its gradient.
pub fn objective(
    log_params: &[f64],
    data: &GammaGammaData,
    penalizer: f64,
    grad: &mut [f64],
) -> f64 {
    let e: Vec<f64> = log_params.iter().map(|v| v.exp()).collect();
    let par = GammaGammaParams {
        p: e[0],
        q: e[1],
        v: e[2],
    };
    log_likelihood_sums(&par, data, false).objective(&par, &e, data.total_w, penalizer, grad)
}

#[derive(Debug, Clone)]
pub struct GammaGammaFit {
    pub params: GammaGammaParams,
    pub info: FitInfo,
}

pub fn fit(
    x: &[f64],
    m: &[f64],
    weights: Option<&[f64]>,
    penalizer: f64,
    watch: Option<&Watch>,
) -> Result<GammaGammaFit> {
    fit_with([x, m], weights, penalizer, watch, &FitControl::default())
}

/// [`fit`] from the caller's start (log-parameters, lifetimes' `initial_params`) and tolerance.
pub fn fit_with(
    [x, m]: [&[f64]; 2],
    weights: Option<&[f64]>,
    penalizer: f64,
    watch: Option<&Watch>,
    control: &FitControl,
) -> Result<GammaGammaFit> {
    let data = spend_data(x, m, weights)?;
    let sample = crate::core::clv::history::sample_shift(data.total_w, data.x.len())
        .map(|shift| data.sample(shift));
    fit_from_sums_with(
        |p, ask| {
            checkpoint(watch, "Gamma-Gamma fit")?;
            let rows = ask.rows(&data, &sample);
            Ok(log_likelihood_sums(p, rows, ask.hessian))
        },
        (data.total_w, data.x.len()),
        penalizer,
        control,
    )
}

/// Customers' `(x, m)` checked, identical rows collapsed into weights.
pub fn spend_data(x: &[f64], m: &[f64], weights: Option<&[f64]>) -> Result<GammaGammaData> {
    check_inputs(x, m)?;
    let ([x_col, m_col], w) = collapse([x, m], weights);
    Ok(GammaGammaData::new(x_col, m_col, w))
}

/// The fit with the likelihood sums computed by `sums`: here, or summed part by part
/// elsewhere. `total_w` is the customers' total weight, `groups` the distinct rows (reported).
pub fn fit_from_sums(
    sums: impl Fn(&GammaGammaParams, Ask) -> Result<SpendSums>,
    total_w: f64,
    groups: usize,
    penalizer: f64,
) -> Result<GammaGammaFit> {
    fit_from_sums_with(sums, (total_w, groups), penalizer, &FitControl::default())
}

/// [`fit_from_sums`] from the caller's start and tolerance, when given.
pub fn fit_from_sums_with(
    sums: impl Fn(&GammaGammaParams, Ask) -> Result<SpendSums>,
    (total_w, groups): (f64, usize),
    penalizer: f64,
    control: &FitControl,
) -> Result<GammaGammaFit> {
    let spec = FitSpec {
        groups,
        total_weight: total_w,
        model: "Gamma-Gamma",
        advice:
            "Try a larger penalizer_coef (e.g. 0.1), or check monetary values for extreme outliers.",
        analytic_hessian: true,
        samples: true,
    };
    let (e, info) = fit_log_params_with::<3>(
        |lp, ask, g| {
            let e: Vec<f64> = lp.iter().map(|v| v.exp()).collect();
            let par = GammaGammaParams {
                p: e[0],
                q: e[1],
                v: e[2],
            };
            let mean_weight = ask.mean_weight(total_w);
            Ok(sums(&par, ask)?.evaluation(&par, &e, mean_weight, penalizer, g))
        },
        &spec,
        control,
    )?;
    Ok(GammaGammaFit {
        params: GammaGammaParams {
            p: e[0],
            q: e[1],
            v: e[2],
        },
        info,
    })
}

impl GammaGammaParams {
    /// E[M | x, m]: a weighted average of the customer's mean and the population mean.
    pub fn expected_average_profit(&self, x: f64, m: f64) -> f64 {
        let GammaGammaParams { p, q, v } = *self;
        let individual = p * x / (p * x + q - 1.0);
        let population = v * p / (q - 1.0);
        let weighted = (1.0 - individual) * population + individual * m;
        // lifetimes' weighted average, kept (and its bits) where its rounding is below 1e-13
        // of the result: near q = 1 the population mean and its weight 1 - individual are
        // huge and tiny, and their product is the same figure without the cancellation.
        let rounding = f64::EPSILON * individual.abs() * (population.abs() + m);
        if weighted.is_finite() && rounding <= 1e-13 * weighted.abs() {
            weighted
        } else {
            p * (v + x * m) / (p * x + (q - 1.0))
        }
    }
}

#[cfg(test)]
mod tests;
