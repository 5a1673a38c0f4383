//! The customer bootstrap of CLV: customers drawn with replacement, both models refitted, every
//! original customer's CLV predicted again; replicates run in parallel, each from its own seed.

use std::sync::Arc;

use rayon::prelude::*;

use crate::core::clv::gamma_gamma::{self, GammaGammaParams};
use crate::core::clv::purchases::{self, PurchaseModel, Purchases};
use crate::core::clv::value::{clv, Customers, Horizon};
use crate::core::error::{FloError, Result};
use crate::core::numeric::quantile::quantile_sorted;
use crate::core::synth::Rng;
use crate::core::watch::Watch;

pub struct BootstrapOptions {
    pub kind: PurchaseModel,
    pub purchase_penalizer: f64,
    pub spend_penalizer: f64,
    pub horizon: Horizon,
    pub replicates: usize,
    pub seed: u64,
    /// The central interval's coverage, e.g. 0.95.
    pub level: f64,
    /// Counts the replicates done (for a progress bar elsewhere), and can stop the run: it then
    /// ends with [`FloError::Cancelled`] once the replicates under way finish.
    pub watch: Option<Arc<Watch>>,
}

/// Per customer: the CLV from the models fitted on all customers, the replicates' mean,
/// standard deviation (n - 1) and the interval's ends (numpy's linear percentiles); and how many
/// replicates did not converge (left out).
pub struct BootstrapClv {
    pub point: Vec<f64>,
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub failed: usize,
}

/// One replicate: the CLV of every original customer from models fitted on a resample.
fn replicate(c: Customers<'_>, o: &BootstrapOptions, b: usize) -> Option<Vec<f64>> {
    let n = c[0].len();
    let mut rng = Rng::new(o.seed ^ (b as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let draw: Vec<usize> = (0..n).map(|_| rng.below(n as u64) as usize).collect();
    let take = |col: &[f64]| -> Vec<f64> { draw.iter().map(|&i| col[i]).collect() };
    let [x, t_x, t, m] = c.map(take);
    let (model, gg) = fit_both([&x, &t_x, &t, &m], o).ok()?;
    Some(clv(&model, &gg, c, o.horizon))
}

/// The purchase model on every customer, Gamma-Gamma on those with repeat purchases and spend.
fn fit_both(c: Customers<'_>, o: &BootstrapOptions) -> Result<(Purchases, GammaGammaParams)> {
    let [x, t_x, t, m] = c;
    let fitted = purchases::fit(o.kind, x, t_x, t, None, o.purchase_penalizer, None)?;
    let spenders: Vec<usize> = (0..x.len()).filter(|&i| x[i] > 0.0 && m[i] > 0.0).collect();
    let pick = |col: &[f64]| -> Vec<f64> { spenders.iter().map(|&i| col[i]).collect() };
    let gg = gamma_gamma::fit(&pick(x), &pick(m), None, o.spend_penalizer, None)?;
    Ok((fitted.model, gg.params))
}

pub fn bootstrap_clv(c: Customers<'_>, o: &BootstrapOptions) -> Result<BootstrapClv> {
    if o.replicates < 2 {
        return Err(FloError::invalid(
            "the bootstrap needs at least 2 replicates",
        ));
    }
    if !(o.level > 0.0 && o.level < 1.0) {
        return Err(FloError::invalid(format!(
            "level must be between 0 and 1, got {}",
            o.level
        )));
    }
    // The fit on all customers: the point estimate, and a bad input is an error here rather
    // than a run of failed replicates.
    let (model, gg) = fit_both(c, o)?;
    let point = clv(&model, &gg, c, o.horizon);
    let cancelled = || o.watch.as_ref().is_some_and(|w| w.is_cancelled());
    let runs: Vec<Vec<f64>> = (0..o.replicates)
        .into_par_iter()
        .filter_map(|b| {
            if cancelled() {
                return None;
            }
            let run = replicate(c, o, b);
            if let Some(w) = &o.watch {
                w.step();
            }
            run
        })
        .collect();
    if cancelled() {
        return Err(FloError::Cancelled {
            path: "bootstrap_clv".into(),
        });
    }
    let failed = o.replicates - runs.len();
    if runs.len() < 2 {
        return Err(FloError::Convergence(format!(
            "only {} of {} bootstrap replicates converged",
            runs.len(),
            o.replicates
        )));
    }
    let n = c[0].len();
    let k = runs.len() as f64;
    let stats: Vec<[f64; 4]> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut v: Vec<f64> = runs.iter().map(|r| r[i]).collect();
            let mean = v.iter().sum::<f64>() / k;
            let var = v.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / (k - 1.0);
            v.sort_by(f64::total_cmp);
            let tail = (1.0 - o.level) / 2.0;
            [
                mean,
                var.sqrt(),
                quantile_sorted(&v, tail),
                quantile_sorted(&v, 1.0 - tail),
            ]
        })
        .collect();
    let column = |j: usize| stats.iter().map(|s| s[j]).collect();
    Ok(BootstrapClv {
        point,
        mean: column(0),
        std: column(1),
        lower: column(2),
        upper: column(3),
        failed,
    })
}
