//! Fitting a model's parameters: the objective (a penalised mean log-likelihood in the
//! log-parameters, as lifetimes defines it) handed to the minimiser, what it may ask of the
//! objective, and what a fit reports.

use crate::core::clv::history::sample_shift;
use crate::core::error::{FloError, Result};
use crate::core::numeric::optimize;
use crate::core::watch::Watch;

/// `Err(Cancelled)` once `watch` has been asked to stop (Ctrl-C in Python): checked at every
/// evaluation of a fit's objective, so a long fit stops within one evaluation.
pub fn checkpoint(watch: Option<&Watch>, what: &str) -> Result<()> {
    match watch {
        Some(w) if w.is_cancelled() => Err(FloError::Cancelled {
            path: what.to_string(),
        }),
        _ => Ok(()),
    }
}

/// What a fit asks of its objective at some log-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ask {
    /// The Hessian too (an objective without an analytic one leaves it out).
    pub hessian: bool,
    /// Over the deterministic subsample of rows [`in_sample`] picks with this shift only.
    pub sample: Option<u32>,
}

impl Ask {
    /// The rows this evaluation is over: `sample` when it asks for the subsample and one was
    /// made, else `all`.
    pub fn rows<'a, T>(&self, all: &'a T, sample: &'a Option<T>) -> &'a T {
        match (self.sample, sample) {
            (Some(_), Some(sample)) => sample,
            _ => all,
        }
    }

    /// `f` over `part`'s rows as asked: the whole part, or its subsample made by `sample`
    /// (a part's sums for a split fit, in the tests).
    #[cfg(test)]
    pub fn over_part<T, R>(
        &self,
        part: &T,
        sample: impl Fn(&T, u32) -> T,
        f: impl FnOnce(&T) -> R,
    ) -> R {
        match self.sample {
            Some(shift) => f(&sample(part, shift)),
            None => f(part),
        }
    }
    /// What the objective is a mean over: the customers' total weight, or for a subsample,
    /// its expected share of it (the same number wherever the sums were made).
    pub fn mean_weight(&self, total_w: f64) -> f64 {
        match self.sample {
            Some(shift) => total_w / f64::from(1u32 << shift),
            None => total_w,
        }
    }
}

/// The objective's value, with the gradient in the log-parameters written elsewhere, and its
/// Hessian in the log-parameters when asked for and available.
pub type Evaluation = (f64, Option<Vec<Vec<f64>>>);

/// How a fit's objective is evaluated and what it offers.
pub struct FitSpec<'a> {
    /// Distinct rows after collapsing identical ones (reported).
    pub groups: usize,
    /// The customers' total weight, by which the objective is a mean.
    pub total_weight: f64,
    pub model: &'a str,
    /// What to try when the fit does not converge.
    pub advice: &'a str,
    /// The objective gives its Hessian when asked (else it is taken by differences).
    pub analytic_hessian: bool,
    /// The objective can be evaluated over a subsample (see [`sample_shift`]).
    pub samples: bool,
}

/// A fit's objective as the optimiser sees it: errors become NaN (which stops it) and the
/// first one is kept.
struct Asked<'a, F> {
    objective: &'a F,
    sample: Option<u32>,
    analytic: bool,
    failed: &'a std::cell::RefCell<Option<FloError>>,
}

impl<F: Fn(&[f64], Ask, &mut [f64]) -> Result<Evaluation>> Asked<'_, F> {
    fn call(&self, lp: &[f64], hessian: bool, g: &mut [f64]) -> Evaluation {
        if self.failed.borrow().is_some() {
            return (f64::NAN, None);
        }
        let ask = Ask {
            hessian,
            sample: self.sample,
        };
        (self.objective)(lp, ask, g).unwrap_or_else(|err| {
            self.failed.replace(Some(err));
            (f64::NAN, None)
        })
    }
}

impl<F: Fn(&[f64], Ask, &mut [f64]) -> Result<Evaluation>> optimize::Objective for Asked<'_, F> {
    fn eval(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.call(x, false, grad).0
    }

    fn eval_hessian(&self, x: &[f64], grad: &mut [f64]) -> Option<(f64, Vec<Vec<f64>>)> {
        if !self.analytic {
            return None;
        }
        // No Hessian from an objective that has one (a caller's sums without it): taken by
        // differences instead.
        let (value, h) = self.call(x, true, grad);
        h.map(|h| (value, h))
    }
}

/// Maximum likelihood in log-parameters from lifetimes' start (every log-parameter 0.1), or
/// for a large fit that offers a subsample, from the subsample's optimum (Newton steps with an
/// analytic Hessian, else BFGS from the subsample's Hessian; from lifetimes' start again if
/// that does not converge):
/// the parameters (exponentiated) and the fit's diagnostics, with the objective's Hessian at
/// the optimum, or a `ConvergenceError` naming the model and what to try. Never returns a NaN,
/// infinite or zero parameter.
pub fn fit_log_params<const N: usize>(
    objective: impl Fn(&[f64], Ask, &mut [f64]) -> Result<Evaluation>,
    spec: &FitSpec<'_>,
) -> Result<([f64; N], FitInfo)> {
    fit_log_params_with(objective, spec, &FitControl::default())
}

/// What a caller may choose of a fit, as lifetimes' `fit(initial_params=, tol=)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FitControl {
    /// The start in log-parameters on the fit's (scaled) time axis, instead of lifetimes'
    /// default (every log-parameter 0.1) and the subsample's warm start.
    pub start: Option<Vec<f64>>,
    /// Converged once the largest gradient component of the objective in log-parameters is at
    /// most this: scipy's BFGS `gtol`, which lifetimes' `tol` sets for the BG/NBD family and
    /// Gamma-Gamma (both minimise this same mean objective). Default 1e-10.
    pub gtol: Option<f64>,
}

impl FitControl {
    /// Checks the start has one finite value per parameter and the tolerance is positive.
    pub fn check(&self, n: usize) -> Result<()> {
        if let Some(start) = &self.start {
            if start.len() != n || start.iter().any(|v| !v.is_finite()) {
                return Err(FloError::invalid(format!(
                    "initial_params must be {n} finite numbers, got {start:?}"
                )));
            }
        }
        match self.gtol {
            Some(g) if !(g.is_finite() && g > 0.0) => Err(FloError::invalid(format!(
                "tol must be a number > 0, got {g}"
            ))),
            _ => Ok(()),
        }
    }
}

/// [`fit_log_params`] from the caller's start and tolerance, when given.
pub fn fit_log_params_with<const N: usize>(
    objective: impl Fn(&[f64], Ask, &mut [f64]) -> Result<Evaluation>,
    spec: &FitSpec<'_>,
    control: &FitControl,
) -> Result<([f64; N], FitInfo)> {
    control.check(N)?;
    // The optimiser sees NaN once the objective fails, and stops; the first error is returned.
    let failed = std::cell::RefCell::new(None);
    let asked = |sample| Asked {
        objective: &objective,
        sample,
        analytic: spec.analytic_hessian,
        failed: &failed,
    };
    let mut opts = optimize::Options::default();
    if let Some(gtol) = control.gtol {
        opts.gtol = gtol;
    }
    let default_start = control.start.clone().unwrap_or_else(|| vec![0.1; N]);
    let mut start = default_start.clone();
    // A caller's start is where the fit starts: no subsample warm start in front of it.
    let sampled_start = control.start.is_none() && spec.samples;
    if let Some(shift) = sample_shift(spec.total_weight, spec.groups).filter(|_| sampled_start) {
        let on_sample = asked(Some(shift));
        let sampled = optimize::minimize(&on_sample, &start, &opts);
        if let Some(err) = failed.borrow_mut().take() {
            return Err(err);
        }
        // A subsample that cannot be fitted (too few rows in it) costs only its evaluations.
        if sampled.converged {
            start = sampled.x.clone();
            // With an analytic Hessian, Newton steps from there; else BFGS, starting from the
            // subsample's Hessian (both objectives are means, so of one size).
            if spec.analytic_hessian {
                opts.newton_first = true;
            } else {
                let at = &sampled.x;
                opts.initial_hessian = Some(
                    sampled
                        .hessian
                        .unwrap_or_else(|| optimize::hessian_of(&on_sample, at)),
                );
            }
        }
    }
    let full = asked(None);
    let mut sol = optimize::minimize(&full, &start, &opts);
    let usable = |sol: &optimize::Solution| sol.converged && sol.x.iter().all(|v| v.exp() > 0.0);
    if !usable(&sol) && start != default_start && failed.borrow().is_none() {
        let again = optimize::Options {
            gtol: opts.gtol,
            ..optimize::Options::default()
        };
        sol = optimize::minimize(&full, &default_start, &again);
    }
    let at: [f64; N] = std::array::from_fn(|j| sol.x[j]);
    // The last Newton step's Hessian, when there was one: at the optimum (analytic), or within
    // ~1e-8 of it, and 2 n evaluations saved.
    let log_hessian = sol
        .hessian
        .clone()
        .unwrap_or_else(|| optimize::hessian_of(&full, &at));
    if let Some(err) = failed.into_inner() {
        return Err(err);
    }
    let info = FitInfo {
        iterations: sol.iterations,
        objective: sol.value,
        gradient_norm: sol.grad_norm(),
        groups: spec.groups,
        log_hessian,
        total_weight: spec.total_weight,
    };
    let params: [f64; N] = std::array::from_fn(|j| sol.x[j].exp());
    if !sol.converged || params.iter().any(|v| !v.is_finite() || *v <= 0.0) {
        return Err(FloError::Convergence(format!(
            "{} did not converge after {} iterations (objective {}, gradient norm {:e}){}. {}",
            spec.model,
            info.iterations,
            info.objective,
            info.gradient_norm,
            at_limits(spec.model, &sol.x),
            spec.advice
        )));
    }
    Ok((params, info))
}

/// Which parameters a failed fit was running to 0 or to infinity (log-parameter beyond
/// +-`LIMIT_LOG`, or not a number), as `: a runs to 0, r runs to infinity`; empty if none.
fn at_limits(model: &str, log_params: &[f64]) -> String {
    let names: &[&str] = match model {
        "Pareto/NBD" => &["r", "alpha", "s", "beta"],
        "Gamma-Gamma" => &["p", "q", "v"],
        _ => &["r", "alpha", "a", "b"],
    };
    let limits: Vec<String> = log_params
        .iter()
        .zip(names)
        .filter_map(|(&lp, name)| {
            if lp.is_nan() {
                Some(format!("{name} is not a number"))
            } else if lp < -LIMIT_LOG {
                Some(format!("{name} runs to 0 ({:e})", lp.exp()))
            } else if lp > LIMIT_LOG {
                Some(format!("{name} runs to infinity ({:e})", lp.exp()))
            } else {
                None
            }
        })
        .collect();
    if limits.is_empty() {
        String::new()
    } else {
        format!(": {}", limits.join(", "))
    }
}

/// A log-parameter past this (a parameter below 1e-13 or above 1e13) is taken to be running
/// to its limit: no model's parameter has a meaning there in the data's units.
const LIMIT_LOG: f64 = 30.0;

/// Fit diagnostics, reported with every fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct FitInfo {
    pub iterations: usize,
    /// The objective at the optimum (lifetimes' `_negative_log_likelihood_`).
    pub objective: f64,
    /// Largest gradient component at the optimum, in the log-parameters.
    pub gradient_norm: f64,
    /// Distinct rows after collapsing identical ones.
    pub groups: usize,
    /// The objective's Hessian in the log-parameters at the optimum.
    pub log_hessian: Vec<Vec<f64>>,
    /// The customers' total weight: the objective is a mean over it.
    pub total_weight: f64,
}

impl FitInfo {
    /// The parameters' covariance matrix (row by row) by the delta method from the Hessian:
    /// `cov_ij = p_i p_j inv(H)_ij / total_weight`, whose diagonal is lifetimes'
    /// `variance_matrix_` diagonal. NaN where the Hessian is singular.
    pub fn covariance(&self, params: &[f64]) -> Vec<f64> {
        let n = params.len();
        // Column j of inv(H) solves H c = e_j (the optimiser's own elimination).
        let columns: Option<Vec<Vec<f64>>> = (0..n)
            .map(|j| {
                let unit = (0..n).map(|i| if i == j { 1.0 } else { 0.0 }).collect();
                optimize::solve(self.log_hessian.clone(), unit)
            })
            .collect();
        (0..n * n)
            .map(|k| {
                let (i, j) = (k / n, k % n);
                columns.as_ref().map_or(f64::NAN, |c| {
                    params[i] * params[j] * c[j][i] / self.total_weight
                })
            })
            .collect()
    }
}
