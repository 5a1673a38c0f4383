//! The CLV models: BG/NBD (Fader, Hardie & Lee 2005), modified BG/NBD (Batislam et al. 2007),
//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987) and Gamma-Gamma (Fader & Hardie 2013),
//! with the objectives exactly as `lifetimes` 0.11.3 defines them.

pub mod bgnbd;
pub mod bootstrap;
pub mod clv;
pub mod gamma_gamma;
pub mod optim;
pub mod pareto;
pub mod purchases;
pub mod special;

use rustc_hash::FxHashMap;

use crate::core::error::{FloError, Result};
use crate::core::fixed_sum::{fixed_weight, BlockWeights, FixedSum};
use crate::core::reader::ReadWatch;
use rayon::prelude::*;

/// `Err(Cancelled)` once `watch` has been asked to stop (Ctrl-C in Python): checked at every
/// evaluation of a fit's objective, so a long fit stops within one evaluation.
pub fn checkpoint(watch: Option<&ReadWatch>, what: &str) -> Result<()> {
    match watch {
        Some(w) if w.is_cancelled() => Err(FloError::Cancelled {
            path: what.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Identical input rows collapsed into one row with a weight: the likelihood is a weighted sum,
/// so the fit sees the same objective with far fewer terms.
pub fn collapse<const N: usize>(
    columns: [&[f64]; N],
    weights: Option<&[f64]>,
) -> ([Vec<f64>; N], Vec<f64>) {
    let n = columns.first().map_or(0, |c| c.len());
    let mut index: FxHashMap<[u64; N], usize> = FxHashMap::default();
    let mut out: [Vec<f64>; N] = std::array::from_fn(|_| Vec::new());
    let mut w: Vec<f64> = Vec::new();
    for i in 0..n {
        let key: [u64; N] = std::array::from_fn(|k| columns[k][i].to_bits());
        let wi = weights.map_or(1.0, |ws| ws[i]);
        match index.get(&key) {
            Some(&k) => w[k] += wi,
            None => {
                index.insert(key, w.len());
                for (o, c) in out.iter_mut().zip(&columns) {
                    o.push(c[i]);
                }
                w.push(wi);
            }
        }
    }
    (out, w)
}

/// Distinct values of `x` with the total weight of each: the model terms that depend on the
/// frequency only are computed once per distinct frequency.
pub fn weight_by_value(x: &[f64], w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut by: FxHashMap<u64, f64> = FxHashMap::default();
    for (xi, wi) in x.iter().zip(w) {
        *by.entry(xi.to_bits()).or_insert(0.0) += wi;
    }
    let mut pairs: Vec<(f64, f64)> = by
        .into_iter()
        .map(|(k, v)| (f64::from_bits(k), v))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    pairs.into_iter().unzip()
}

/// The rows of `columns` sorted by the first (the frequency): the sums are order-free, and each
/// frequency's rows then come in one run for [`frequency_sums`].
pub fn sorted_by_frequency<const N: usize>(columns: [Vec<f64>; N]) -> [Vec<f64>; N] {
    let x = &columns[0];
    let mut order: Vec<usize> = (0..x.len()).collect();
    // Frequencies are whole numbers >= 0, whose bits sort as they do.
    order.par_sort_unstable_by_key(|&i| x[i].to_bits());
    columns.map(|c| order.iter().map(|&i| c[i]).collect())
}

/// A log-likelihood term and its gradient, `N` parameters.
pub type Term<const N: usize> = (f64, [f64; N]);

pub fn add<const N: usize>(a: Term<N>, b: Term<N>) -> Term<N> {
    (a.0 + b.0, std::array::from_fn(|j| a.1[j] + b.1[j]))
}

pub fn scale<const N: usize>(w: f64, v: Term<N>) -> Term<N> {
    (w * v.0, std::array::from_fn(|j| w * v.1[j]))
}

/// A weighted log-likelihood sum and its gradient sums, all order-free ([`FixedSum`]): the
/// same numbers whatever the order of the terms or how the customers were split (threads,
/// partitions, machines).
#[derive(Debug, Clone)]
pub struct TermSums<const N: usize> {
    pub value: FixedSum,
    pub grad: [FixedSum; N],
}

impl<const N: usize> Default for TermSums<N> {
    fn default() -> Self {
        TermSums {
            value: FixedSum::default(),
            grad: std::array::from_fn(|_| FixedSum::default()),
        }
    }
}

impl<const N: usize> TermSums<N> {
    /// Adds `w` times a term.
    #[inline(always)]
    pub fn push(&mut self, w: f64, term: Term<N>) {
        let whole = fixed_weight(w);
        self.value.add_weighted(whole, w, term.0);
        for (g, t) in self.grad.iter_mut().zip(term.1) {
            g.add_weighted(whole, w, t);
        }
    }

    /// The sums of `w[i]` times `term(i)` for i in 0..n, on all cores in fixed chunks. Terms are
    /// made a block at a time and each sum takes the block at once (in vector registers).
    pub fn over(n: usize, w: &[f64], term: impl Fn(usize) -> Term<N> + Sync) -> Self {
        const CHUNK: usize = 8192;
        const BLOCK: usize = 256;
        (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut acc = TermSums::default();
                // The benchmarks' plain baseline: each term added as it is made.
                #[cfg(feature = "plain-sums")]
                {
                    let start = c * CHUNK;
                    for (i, &wi) in w.iter().enumerate().take(n.min(start + CHUNK)).skip(start) {
                        acc.push(wi, term(i));
                    }
                    return acc;
                }
                #[cfg_attr(feature = "plain-sums", allow(unreachable_code))]
                let (mut value, mut grad) = ([0.0; BLOCK], [[0.0; BLOCK]; N]);
                let end = n.min((c + 1) * CHUNK);
                let mut start = c * CHUNK;
                while start < end {
                    let len = BLOCK.min(end - start);
                    for k in 0..len {
                        let (v, g) = term(start + k);
                        value[k] = v;
                        for j in 0..N {
                            grad[j][k] = g[j];
                        }
                    }
                    let wb = &w[start..start + len];
                    let weights = BlockWeights::of(wb);
                    acc.value.add_block(&value[..len], wb, weights);
                    for (s, g) in acc.grad.iter_mut().zip(&grad) {
                        s.add_block(&g[..len], wb, weights);
                    }
                    start += len;
                }
                acc
            })
            .reduce(TermSums::default, TermSums::merge)
    }

    pub fn merge(mut self, other: Self) -> Self {
        self.value.merge(&other.value);
        for (g, o) in self.grad.iter_mut().zip(&other.grad) {
            g.merge(o);
        }
        self
    }

    /// The value's partials, then each gradient component's (to merge elsewhere).
    pub fn to_parts(&self) -> Vec<Vec<f64>> {
        std::iter::once(&self.value)
            .chain(&self.grad)
            .map(FixedSum::partials)
            .collect()
    }

    /// The sums of several parts (each as [`TermSums::to_parts`] gave), merged.
    pub fn from_parts(parts: &[Vec<Vec<f64>>]) -> Result<Self> {
        let mut out = TermSums::default();
        for p in parts {
            if p.len() != N + 1 {
                return Err(FloError::invalid(format!(
                    "a partial likelihood has {} sums, expected {}",
                    p.len(),
                    N + 1
                )));
            }
            out.value.merge(&FixedSum::from_partials(&p[0]));
            for (g, q) in out.grad.iter_mut().zip(&p[1..]) {
                g.merge(&FixedSum::from_partials(q));
            }
        }
        Ok(out)
    }

    /// lifetimes' objective in log-parameters from the sums: `-sum(w LL) / sum(w) +
    /// penalizer * sum(params^2)`, its gradient written to `grad`. `e` are the parameters.
    pub fn objective(&self, e: &[f64], total_w: f64, penalizer: f64, grad: &mut [f64]) -> f64 {
        for j in 0..N {
            grad[j] = e[j] * (-self.grad[j].value() / total_w + 2.0 * penalizer * e[j]);
        }
        let pen: f64 = e.iter().map(|v| v * v).sum::<f64>() * penalizer;
        -self.value.value() / total_w + pen
    }
}

/// Per row of `x`, the index of its value among `values` (which hold every one).
pub fn frequency_slots(values: &[f64], x: &[f64]) -> Vec<u32> {
    let at: FxHashMap<u64, u32> = values
        .iter()
        .enumerate()
        .map(|(k, v)| (v.to_bits(), k as u32))
        .collect();
    x.iter().map(|v| at[&v.to_bits()]).collect()
}

/// Sums of `K` per-row terms for each distinct frequency: `slot[i]` is row `i`'s frequency
/// (an index below `slots`), rows sorted by it so that each frequency's rows come in one run.
/// On all cores in fixed chunks, a block at a time, order-free; the caller applies any factor
/// of the frequency once per frequency, not once per row.
#[allow(clippy::needless_range_loop)] // terms by row into blocks by term
pub fn frequency_sums<const K: usize>(
    slot: &[u32],
    slots: usize,
    w: &[f64],
    term: impl Fn(usize) -> [f64; K] + Sync,
) -> Vec<[FixedSum; K]> {
    const CHUNK: usize = 8192;
    const BLOCK: usize = 256;
    let n = slot.len();
    let empty = || -> Vec<[FixedSum; K]> {
        (0..slots)
            .map(|_| std::array::from_fn(|_| FixedSum::default()))
            .collect()
    };
    (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut acc = empty();
            let mut buf = [[0.0; BLOCK]; K];
            let end = n.min((c + 1) * CHUNK);
            let mut start = c * CHUNK;
            while start < end {
                let k_of = slot[start];
                let run_end = start + slot[start..end].iter().take_while(|&&v| v == k_of).count();
                let run = &mut acc[k_of as usize];
                while start < run_end {
                    let len = BLOCK.min(run_end - start);
                    for i in 0..len {
                        let t = term(start + i);
                        for k in 0..K {
                            buf[k][i] = t[k];
                        }
                    }
                    let wb = &w[start..start + len];
                    let weights = BlockWeights::of(wb);
                    for (s, b) in run.iter_mut().zip(&buf) {
                        s.add_block(&b[..len], wb, weights);
                    }
                    start += len;
                }
            }
            acc
        })
        .reduce(empty, |mut a, b| {
            for (sa, sb) in a.iter_mut().zip(&b) {
                for (x, y) in sa.iter_mut().zip(sb) {
                    x.merge(y);
                }
            }
            a
        })
}

/// Asserts that `grad` matches central differences of `f` at `x` (for the models' tests).
#[cfg(test)]
pub fn assert_gradient<const N: usize>(f: impl Fn(&[f64], &mut [f64]) -> f64, x: [f64; N]) {
    let mut g = [0.0; N];
    f(&x, &mut g);
    for j in 0..N {
        let h = 1e-6;
        let (mut up, mut dn) = (x, x);
        up[j] += h;
        dn[j] -= h;
        let mut tmp = [0.0; N];
        let fd = (f(&up, &mut tmp) - f(&dn, &mut tmp)) / (2.0 * h);
        assert!(
            (fd - g[j]).abs() < 1e-7 * (1.0 + fd.abs()),
            "param {j}: {fd} vs {}",
            g[j]
        );
    }
}

/// Customers' `(x, t_x, T)` checked, times scaled by `1 / max(T)` (lifetimes' `_scale_time`)
/// and identical rows collapsed into weights.
pub struct ScaledHistory {
    pub x: Vec<f64>,
    pub t_x: Vec<f64>,
    pub t: Vec<f64>,
    pub w: Vec<f64>,
    pub scale: f64,
}

impl ScaledHistory {
    pub fn new(x: &[f64], t_x: &[f64], t: &[f64], weights: Option<&[f64]>) -> Result<Self> {
        bgnbd::check_inputs(x, t_x, t)?;
        let max_t = t.iter().copied().fold(f64::MIN, f64::max);
        Self::with_scale(x, t_x, t, weights, time_scale(max_t)?)
    }

    /// With a scale found elsewhere (`time_scale` of the largest T of all customers, when
    /// these are only some of them).
    pub fn with_scale(
        x: &[f64],
        t_x: &[f64],
        t: &[f64],
        weights: Option<&[f64]>,
        scale: f64,
    ) -> Result<Self> {
        bgnbd::check_inputs(x, t_x, t)?;
        let scaled_tx: Vec<f64> = t_x.iter().map(|v| v * scale).collect();
        let scaled_t: Vec<f64> = t.iter().map(|v| v * scale).collect();
        let ([x, t_x, t], w) = collapse([x, &scaled_tx, &scaled_t], weights);
        Ok(ScaledHistory {
            x,
            t_x,
            t,
            w,
            scale,
        })
    }
}

/// lifetimes' `_scale_time`: `1 / max(T)`.
pub fn time_scale(max_t: f64) -> Result<f64> {
    if max_t <= 0.0 {
        return Err(FloError::invalid(
            "every T is 0: customers need some observed time",
        ));
    }
    Ok(1.0 / max_t)
}

/// Maximum likelihood in log-parameters from lifetimes' start (every log-parameter 0.1): the
/// parameters (exponentiated) and the fit's diagnostics, with the objective's Hessian at the
/// optimum, or a `ConvergenceError` naming the model and what to try. Never returns a NaN,
/// infinite or zero parameter. `total_weight` is the customers' total weight, by which the
/// objective is a mean (for the standard errors).
pub fn fit_log_params<const N: usize>(
    objective: impl Fn(&[f64], &mut [f64]) -> Result<f64>,
    groups: usize,
    total_weight: f64,
    model: &str,
    advice: &str,
) -> Result<([f64; N], FitInfo)> {
    // The optimiser sees NaN once the objective fails, and stops; the first error is returned.
    let failed = std::cell::RefCell::new(None);
    let plain = |lp: &[f64], g: &mut [f64]| {
        if failed.borrow().is_some() {
            return f64::NAN;
        }
        objective(lp, g).unwrap_or_else(|err| {
            failed.replace(Some(err));
            f64::NAN
        })
    };
    let sol = optim::minimize(&plain, &[0.1; N], &optim::Options::default());
    let at: [f64; N] = std::array::from_fn(|j| sol.x[j]);
    // The last Newton step's Hessian, when there was one: within ~1e-8 of the optimum, and
    // 2 n evaluations saved.
    let log_hessian = sol
        .hessian
        .clone()
        .unwrap_or_else(|| optim::hessian(&plain, &at));
    if let Some(err) = failed.into_inner() {
        return Err(err);
    }
    let info = FitInfo {
        iterations: sol.iterations,
        objective: sol.value,
        gradient_norm: sol.grad_norm(),
        groups,
        log_hessian,
        total_weight,
    };
    let params: [f64; N] = std::array::from_fn(|j| sol.x[j].exp());
    if !sol.converged || params.iter().any(|v| !v.is_finite() || *v <= 0.0) {
        return Err(FloError::Convergence(format!(
            "{model} did not converge after {} iterations (objective {}, gradient norm {:e}). {advice}",
            info.iterations, info.objective, info.gradient_norm
        )));
    }
    Ok((params, info))
}

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
                optim::solve(self.log_hessian.clone(), unit)
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
