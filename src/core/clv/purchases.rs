//! The purchase models behind one face: fit by name, predict, and lifetimes' objective.

use crate::core::choice::Choice;
use crate::core::clv::bgnbd::{self, BgNbdData, BgNbdHistory, BgNbdParams};
use crate::core::clv::fit::{FitControl, FitInfo};
use crate::core::clv::pareto::{self, ParetoData, ParetoHistory, ParetoParams};
use crate::core::error::{FloError, Result};
use crate::core::watch::Watch;
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurchaseModel {
    BgNbd,
    ModifiedBgNbd,
    ParetoNbd,
}

impl Choice for PurchaseModel {
    const OPTION: &'static str = "model";
    const WORDS: &'static [(&'static str, Self)] = &[
        ("bgnbd", PurchaseModel::BgNbd),
        ("mbgnbd", PurchaseModel::ModifiedBgNbd),
        ("pareto_nbd", PurchaseModel::ParetoNbd),
    ];
}

/// A fitted purchase model: its four parameters in the caller's time unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Purchases {
    BgNbd(BgNbdParams),
    ParetoNbd(ParetoParams),
}

impl Purchases {
    pub fn new(kind: PurchaseModel, p: [f64; 4]) -> Purchases {
        match kind {
            PurchaseModel::BgNbd => Purchases::BgNbd(BgNbdParams::new(p, false)),
            PurchaseModel::ModifiedBgNbd => Purchases::BgNbd(BgNbdParams::new(p, true)),
            PurchaseModel::ParetoNbd => Purchases::ParetoNbd(ParetoParams::new(p)),
        }
    }

    pub fn params(&self) -> [f64; 4] {
        match *self {
            Purchases::BgNbd(p) => [p.r, p.alpha, p.a, p.b],
            Purchases::ParetoNbd(p) => [p.r, p.alpha, p.s, p.beta],
        }
    }

    /// Expected purchases in `(T, T + t]` for a customer with history `(x, t_x, T)`.
    pub fn expected_purchases(&self, t: f64, x: f64, t_x: f64, big_t: f64) -> f64 {
        self.history(x, t_x, big_t).expected_purchases(t)
    }

    /// A customer's history with what its expectations share over every horizon computed
    /// once (several horizons of one customer: predictions, CLV months).
    pub fn history(&self, x: f64, t_x: f64, big_t: f64) -> History {
        match self {
            Purchases::BgNbd(p) => History::BgNbd(p.history(x, t_x, big_t)),
            Purchases::ParetoNbd(p) => History::ParetoNbd(p.history(x, t_x, big_t)),
        }
    }

    /// P(alive at T | x, t_x, T).
    pub fn probability_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        match self {
            Purchases::BgNbd(p) => p.probability_alive(x, t_x, big_t),
            Purchases::ParetoNbd(p) => p.probability_alive(x, t_x, big_t),
        }
    }

    /// Expected purchases of a new customer in `(0, t]`.
    pub fn expected_purchases_new(&self, t: f64) -> f64 {
        match self {
            Purchases::BgNbd(p) => p.expected_purchases_new(t),
            Purchases::ParetoNbd(p) => p.expected_purchases_new(t),
        }
    }

    /// P(n purchases in `(0, t]`) for a new customer; lifetimes 0.11.3 has it for the BG/NBD
    /// family only, so `None` for the Pareto/NBD.
    pub fn probability_of_purchases(&self, t: f64, n: u32) -> Option<f64> {
        match self {
            Purchases::BgNbd(p) => Some(p.probability_of_purchases(t, n)),
            Purchases::ParetoNbd(_) => None,
        }
    }

    /// P(n purchases in `(T, T + t]` | x, t_x, T); lifetimes 0.11.3 has it for the Pareto/NBD
    /// only, so `None` for the BG/NBD family.
    pub fn conditional_probability_of_purchases(
        &self,
        n: u32,
        t: f64,
        [x, t_x, big_t]: [f64; 3],
    ) -> Option<f64> {
        match self {
            Purchases::BgNbd(_) => None,
            Purchases::ParetoNbd(p) => {
                Some(p.conditional_probability_of_purchases(n, t, x, t_x, big_t))
            }
        }
    }
}

/// One customer's history under a fitted purchase model; see [`Purchases::history`].
#[derive(Debug, Clone, Copy)]
pub enum History {
    BgNbd(BgNbdHistory),
    ParetoNbd(ParetoHistory),
}

impl History {
    /// Expected purchases in `(T, T + t]`.
    pub fn expected_purchases(&self, t: f64) -> f64 {
        match self {
            History::BgNbd(h) => h.expected_purchases(t),
            History::ParetoNbd(h) => h.expected_purchases(t),
        }
    }
}

/// Many customers' expected purchases at a few fixed horizons. Under BG/NBD the costly factor
/// (a 2F1 series) depends on `x`, `T` and the horizon only, so it is computed once per distinct
/// `(x, T)` (a few thousand weekly tenures times the frequencies: far fewer than customers);
/// each customer then costs a multiply and a divide per horizon, with the same bits as
/// [`History::expected_purchases`].
pub struct HorizonTable {
    horizons: Vec<f64>,
    /// Per customer, its `(x, T)` group; empty when the model has no such factor.
    group: Vec<u32>,
    /// Per group, the factor at each horizon.
    parts: Vec<f64>,
}

impl HorizonTable {
    pub fn new(model: &Purchases, x: &[f64], big_t: &[f64], horizons: &[f64]) -> Self {
        let mut horizons = horizons.to_vec();
        horizons.sort_by(f64::total_cmp);
        horizons.dedup_by(|a, b| a.to_bits() == b.to_bits());
        let Purchases::BgNbd(p) = model else {
            return HorizonTable {
                horizons,
                group: Vec::new(),
                parts: Vec::new(),
            };
        };
        let (group, keys) = crate::core::clv::history::pair_groups(x, big_t);
        let n = horizons.len();
        let mut parts = vec![0.0; keys.len() * n];
        // Groups come sorted by x: a worker keeps one frequency's series coefficients for
        // all its T and horizons.
        parts.par_chunks_mut(n.max(1)).zip(&keys).for_each_init(
            || None,
            |series, (row, &(xi, ti))| {
                for (slot, &h) in row.iter_mut().zip(&horizons) {
                    *slot = p.horizon_part_with(series, xi, ti, h);
                }
            },
        );
        HorizonTable {
            horizons,
            group,
            parts,
        }
    }

    /// Customer `i`'s expected purchases in `(T, T + t]`; `history` is its history and `t` one
    /// of the table's horizons (any other is computed directly).
    pub fn expected_purchases(&self, i: usize, history: &History, t: f64) -> f64 {
        match (
            history,
            self.horizons
                .iter()
                .position(|h| h.to_bits() == t.to_bits()),
        ) {
            (History::BgNbd(h), Some(j)) if !self.group.is_empty() => {
                h.with_horizon_part(self.parts[self.group[i] as usize * self.horizons.len() + j])
            }
            _ => history.expected_purchases(t),
        }
    }
}

#[derive(Debug, Clone)]
pub struct PurchasesFit {
    pub model: Purchases,
    /// The time scale used in the fit (`1 / max(T)`).
    pub scale: f64,
    pub info: FitInfo,
}

pub fn fit(
    kind: PurchaseModel,
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    weights: Option<&[f64]>,
    penalizer: f64,
    watch: Option<&Watch>,
) -> Result<PurchasesFit> {
    let control = FitControl::default();
    fit_with(kind, [x, t_x, t], weights, penalizer, watch, &control)
}

/// lifetimes' `initial_params` as the fit's start in log-parameters: the BG/NBD family's
/// optimiser already works in log-parameters (lifetimes' `x0` is them), the Pareto/NBD's works
/// in the parameters themselves (so they must be > 0). Both on the scaled time axis.
pub fn start_from_lifetimes(kind: PurchaseModel, initial: &[f64]) -> Result<Vec<f64>> {
    if kind != PurchaseModel::ParetoNbd {
        return Ok(initial.to_vec());
    }
    if initial.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(FloError::invalid(format!(
            "ParetoNBD initial_params are (r, alpha, s, beta) on lifetimes' scaled time axis and \
             must all be > 0, got {initial:?}"
        )));
    }
    Ok(initial.iter().map(|v| v.ln()).collect())
}

/// [`fit`] from the caller's start and tolerance, when given ([`FitControl`]).
pub fn fit_with(
    kind: PurchaseModel,
    [x, t_x, t]: [&[f64]; 3],
    weights: Option<&[f64]>,
    penalizer: f64,
    watch: Option<&Watch>,
    control: &FitControl,
) -> Result<PurchasesFit> {
    match kind {
        PurchaseModel::BgNbd | PurchaseModel::ModifiedBgNbd => {
            let modified = kind == PurchaseModel::ModifiedBgNbd;
            let f = bgnbd::fit_with([x, t_x, t], weights, modified, penalizer, watch, control)?;
            Ok(PurchasesFit {
                model: Purchases::BgNbd(f.params),
                scale: f.scale,
                info: f.info,
            })
        }
        PurchaseModel::ParetoNbd => {
            let f = pareto::fit([x, t_x, t], weights, penalizer, watch, control)?;
            Ok(PurchasesFit {
                model: Purchases::ParetoNbd(f.params),
                scale: f.scale,
                info: f.info,
            })
        }
    }
}

/// lifetimes' `_negative_log_likelihood` on times already scaled: at log-parameters for the
/// BG/NBD family, at the parameters themselves for the Pareto/NBD (as lifetimes defines each).
pub fn lifetimes_objective(
    kind: PurchaseModel,
    params: [f64; 4],
    columns: [&[f64]; 4],
    penalizer: f64,
) -> f64 {
    let [x, t_x, t, w] = columns.map(|c| c.to_vec());
    match kind {
        PurchaseModel::BgNbd | PurchaseModel::ModifiedBgNbd => {
            let data = BgNbdData::new(x, t_x, t, w);
            let mut g = [0.0; 4];
            bgnbd::objective(
                &params,
                &data,
                kind == PurchaseModel::ModifiedBgNbd,
                penalizer,
                &mut g,
            )
        }
        PurchaseModel::ParetoNbd => {
            let rows = x.len();
            pareto::lifetimes_objective(params, &ParetoData::new(x, t_x, t, w, rows), penalizer)
        }
    }
}

/// The mean objective the fits minimise (lifetimes' over the total weight, penalty included)
/// and its gradient, both in the log-parameters on times already scaled: what the optimiser
/// sees, for checking the analytic gradient.
pub fn objective_gradient(
    kind: PurchaseModel,
    log_params: [f64; 4],
    columns: [&[f64]; 4],
    penalizer: f64,
) -> (f64, [f64; 4]) {
    let [x, t_x, t, w] = columns.map(|c| c.to_vec());
    let mut g = [0.0; 4];
    let value = match kind {
        PurchaseModel::BgNbd | PurchaseModel::ModifiedBgNbd => {
            let data = BgNbdData::new(x, t_x, t, w);
            let modified = kind == PurchaseModel::ModifiedBgNbd;
            bgnbd::objective(&log_params, &data, modified, penalizer, &mut g)
        }
        PurchaseModel::ParetoNbd => {
            let rows = x.len();
            let data = ParetoData::new(x, t_x, t, w, rows);
            pareto::mean_objective(&log_params, &data, penalizer, &mut g)
        }
    };
    (value, g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horizon_table_gives_the_bits_of_each_customer_s_own_expectation() {
        // Repeated and distinct (x, T), t_x varying within a group.
        let x: Vec<f64> = (0..500).map(|i| f64::from(i % 7)).collect();
        let big_t: Vec<f64> = (0..500).map(|i| 10.0 + f64::from(i % 13) * 3.5).collect();
        let t_x: Vec<f64> = (0..500u32)
            .map(|i| {
                if i % 7 == 0 {
                    0.0
                } else {
                    big_t[i as usize] * f64::from(i % 5) / 5.0
                }
            })
            .collect();
        let horizons = [0.0, 4.345, 8.69, 12.0, 24.0];
        for model in [
            Purchases::new(PurchaseModel::BgNbd, [0.24, 4.41, 0.79, 2.43]),
            Purchases::new(PurchaseModel::ModifiedBgNbd, [0.25, 4.4, 0.8, 2.4]),
            Purchases::new(PurchaseModel::ParetoNbd, [0.55, 10.5, 0.6, 11.7]),
        ] {
            let table = HorizonTable::new(&model, &x, &big_t, &horizons);
            for i in 0..x.len() {
                let history = model.history(x[i], t_x[i], big_t[i]);
                for t in horizons.into_iter().chain([3.0]) {
                    let want = history.expected_purchases(t);
                    let got = table.expected_purchases(i, &history, t);
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "{model:?} customer {i} t {t}"
                    );
                }
            }
        }
    }
}
