//! The CLV models: BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader & Hardie 2013),
//! with the objectives exactly as `lifetimes` 0.11.3 defines them.

pub mod bgnbd;
pub mod clv;
pub mod gamma_gamma;
pub mod optim;
pub mod special;

use std::collections::HashMap;

/// Identical input rows collapsed into one row with a weight: the likelihood is a weighted sum,
/// so the fit sees the same objective with far fewer terms.
pub fn collapse(columns: &[&[f64]], weights: Option<&[f64]>) -> (Vec<Vec<f64>>, Vec<f64>) {
    let n = columns.first().map_or(0, |c| c.len());
    let mut index: HashMap<Vec<u64>, usize> = HashMap::new();
    let mut out: Vec<Vec<f64>> = vec![Vec::new(); columns.len()];
    let mut w: Vec<f64> = Vec::new();
    for i in 0..n {
        let key: Vec<u64> = columns.iter().map(|c| c[i].to_bits()).collect();
        let wi = weights.map_or(1.0, |ws| ws[i]);
        match index.get(&key) {
            Some(&k) => w[k] += wi,
            None => {
                index.insert(key, w.len());
                for (o, c) in out.iter_mut().zip(columns) {
                    o.push(c[i]);
                }
                w.push(wi);
            }
        }
    }
    (out, w)
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
