//! The CLV models: BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader & Hardie 2013),
//! with the objectives exactly as `lifetimes` 0.11.3 defines them.

pub mod bgnbd;
pub mod clv;
pub mod gamma_gamma;
pub mod optim;
pub mod special;

use rustc_hash::FxHashMap;

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

/// A log-likelihood term and its gradient, `N` parameters.
pub type Term<const N: usize> = (f64, [f64; N]);

pub fn add<const N: usize>(a: Term<N>, b: Term<N>) -> Term<N> {
    (a.0 + b.0, std::array::from_fn(|j| a.1[j] + b.1[j]))
}

pub fn scale<const N: usize>(w: f64, v: Term<N>) -> Term<N> {
    (w * v.0, std::array::from_fn(|j| w * v.1[j]))
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

/// Maximum likelihood in log-parameters from lifetimes' start (every log-parameter 0.1): the
/// parameters (exponentiated) and the fit's diagnostics, or a `ConvergenceError` naming the
/// model and what to try. Never returns a NaN, infinite or zero parameter.
pub fn fit_log_params<const N: usize>(
    objective: impl Fn(&[f64], &mut [f64]) -> f64,
    groups: usize,
    model: &str,
    advice: &str,
) -> crate::core::error::Result<([f64; N], FitInfo)> {
    let sol = optim::minimize(&objective, &[0.1; N], &optim::Options::default());
    let info = FitInfo {
        iterations: sol.iterations,
        objective: sol.value,
        gradient_norm: sol.grad_norm(),
        groups,
    };
    let params: [f64; N] = std::array::from_fn(|j| sol.x[j].exp());
    if !sol.converged || params.iter().any(|v| !v.is_finite() || *v <= 0.0) {
        return Err(crate::core::error::FloError::Convergence(format!(
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
}
