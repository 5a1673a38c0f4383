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
