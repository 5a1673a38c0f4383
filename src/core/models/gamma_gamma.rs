//! Gamma-Gamma spend model (Fader & Hardie, "The Gamma-Gamma model of monetary value", 2013).

use super::special::{digamma, ln_gamma};
use super::{collapse, fit_log_params, weight_by_value, FitInfo, TermSums};
use crate::core::error::{FloError, Result};

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
    let value = ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q) + q * v.ln() + px * x.ln();
    let d_p = x * (digamma(px + q) - digamma(px) + x.ln());
    let d_q = digamma(px + q) - digamma(q) + v.ln();
    (value, [d_p, d_q, q / v])
}

/// The terms that depend on the spend too; `ln_m = ln(m)` and `xm = x * m` do not change
/// between evaluations, so they come computed.
#[inline(always)]
fn spend_part(par: &GammaGammaParams, x: f64, ln_m: f64, xm: f64) -> (f64, [f64; 3]) {
    let GammaGammaParams { p, q, v } = *par;
    let px = p * x;
    let ln_xm_v = (xm + v).ln();
    let value = (px - 1.0) * ln_m - (px + q) * ln_xm_v;
    (
        value,
        [x * (ln_m - ln_xm_v), -ln_xm_v, -(px + q) / (xm + v)],
    )
}

/// Customers' `(x, m)` with weights, and the distinct frequencies with their total weight.
pub struct GammaGammaData {
    pub x: Vec<f64>,
    pub m: Vec<f64>,
    pub w: Vec<f64>,
    x_values: Vec<f64>,
    x_weights: Vec<f64>,
    total_w: f64,
    ln_m: Vec<f64>,
    xm: Vec<f64>,
}

impl GammaGammaData {
    pub fn new(x: Vec<f64>, m: Vec<f64>, w: Vec<f64>) -> Self {
        let (x_values, x_weights) = weight_by_value(&x, &w);
        let total_w = w.iter().sum();
        let ln_m = m.iter().map(|v| v.ln()).collect();
        let xm = x.iter().zip(&m).map(|(a, b)| a * b).collect();
        GammaGammaData {
            x,
            m,
            w,
            x_values,
            x_weights,
            total_w,
            ln_m,
            xm,
        }
    }
}

/// The weighted log-likelihood and gradient sums (natural parameters) over `data`, exactly.
pub fn log_likelihood_sums(par: &GammaGammaParams, data: &GammaGammaData) -> TermSums<3> {
    let x = &data.x;
    let by_frequency = TermSums::over(data.x_values.len(), &data.x_weights, |k| {
        frequency_part(par, data.x_values[k])
    });
    let (ln_m, xm) = (&data.ln_m, &data.xm);
    TermSums::over(x.len(), &data.w, |i| spend_part(par, x[i], ln_m[i], xm[i])).merge(by_frequency)
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
    log_likelihood_sums(&par, data).objective(&e, data.total_w, penalizer, grad)
}

#[derive(Debug, Clone)]
pub struct GammaGammaFit {
    pub params: GammaGammaParams,
    pub info: FitInfo,
}

pub fn fit(x: &[f64], m: &[f64], weights: Option<&[f64]>, penalizer: f64) -> Result<GammaGammaFit> {
    let data = spend_data(x, m, weights)?;
    fit_from_sums(
        |p| Ok(log_likelihood_sums(p, &data)),
        data.total_w,
        data.x.len(),
        penalizer,
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
    sums: impl Fn(&GammaGammaParams) -> Result<TermSums<3>>,
    total_w: f64,
    groups: usize,
    penalizer: f64,
) -> Result<GammaGammaFit> {
    let (e, info) = fit_log_params::<3>(
        |lp, g| {
            let e: Vec<f64> = lp.iter().map(|v| v.exp()).collect();
            let par = GammaGammaParams {
                p: e[0],
                q: e[1],
                v: e[2],
            };
            Ok(sums(&par)?.objective(&e, total_w, penalizer, g))
        },
        groups,
        total_w,
        "Gamma-Gamma",
        "Try a larger penalizer_coef (e.g. 0.1), or check monetary values for extreme outliers.",
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
        (1.0 - individual) * population + individual * m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_gradient_matches_differences() {
        let data = GammaGammaData::new(
            vec![1.0, 3.0, 10.0, 3.0],
            vec![20.0, 55.5, 300.0, 7.0],
            vec![1.0, 2.0, 1.0, 1.0],
        );
        crate::core::models::assert_gradient(
            |lp, g| objective(lp, &data, 0.01, g),
            [0.5, 0.2, 1.3],
        );
    }

    #[test]
    fn zero_monetary_is_a_clear_error() {
        let e = fit(&[2.0, 3.0], &[10.0, 0.0], None, 0.01)
            .unwrap_err()
            .to_string();
        assert!(e.contains("monetary_value > 0"), "{e}");
    }
}
