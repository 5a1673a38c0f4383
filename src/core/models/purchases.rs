//! The purchase models behind one face: fit by name, predict, and lifetimes' objective.

use super::bgnbd::{self, BgNbdData, BgNbdHistory, BgNbdParams};
use super::pareto::{self, ParetoData, ParetoHistory, ParetoParams};
use super::FitInfo;
use crate::core::error::{FloError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    BgNbd,
    ModifiedBgNbd,
    ParetoNbd,
}

impl Kind {
    /// `"bgnbd"`, `"mbgnbd"` or `"pareto_nbd"`.
    pub fn parse(name: &str) -> Result<Kind> {
        match name {
            "bgnbd" => Ok(Kind::BgNbd),
            "mbgnbd" => Ok(Kind::ModifiedBgNbd),
            "pareto_nbd" => Ok(Kind::ParetoNbd),
            _ => Err(FloError::invalid(format!(
                "unknown purchase model {name:?}: expected \"bgnbd\", \"mbgnbd\" or \"pareto_nbd\""
            ))),
        }
    }
}

/// A fitted purchase model: its four parameters in the caller's time unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Purchases {
    BgNbd(BgNbdParams),
    ParetoNbd(ParetoParams),
}

impl Purchases {
    pub fn new(kind: Kind, p: [f64; 4]) -> Purchases {
        match kind {
            Kind::BgNbd => Purchases::BgNbd(BgNbdParams::new(p, false)),
            Kind::ModifiedBgNbd => Purchases::BgNbd(BgNbdParams::new(p, true)),
            Kind::ParetoNbd => Purchases::ParetoNbd(ParetoParams::new(p)),
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

#[derive(Debug, Clone)]
pub struct PurchasesFit {
    pub model: Purchases,
    /// The time scale used in the fit (`1 / max(T)`).
    pub scale: f64,
    pub info: FitInfo,
}

pub fn fit(
    kind: Kind,
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    weights: Option<&[f64]>,
    penalizer: f64,
) -> Result<PurchasesFit> {
    match kind {
        Kind::BgNbd | Kind::ModifiedBgNbd => {
            let f = bgnbd::fit(x, t_x, t, weights, kind == Kind::ModifiedBgNbd, penalizer)?;
            Ok(PurchasesFit {
                model: Purchases::BgNbd(f.params),
                scale: f.scale,
                info: f.info,
            })
        }
        Kind::ParetoNbd => {
            let f = pareto::fit(x, t_x, t, weights, penalizer)?;
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
    kind: Kind,
    params: [f64; 4],
    columns: [&[f64]; 4],
    penalizer: f64,
) -> f64 {
    let [x, t_x, t, w] = columns.map(|c| c.to_vec());
    match kind {
        Kind::BgNbd | Kind::ModifiedBgNbd => {
            let data = BgNbdData::new(x, t_x, t, w);
            let mut g = [0.0; 4];
            bgnbd::objective(
                &params,
                &data,
                kind == Kind::ModifiedBgNbd,
                penalizer,
                &mut g,
            )
        }
        Kind::ParetoNbd => {
            let rows = x.len();
            pareto::lifetimes_objective(params, &ParetoData::new(x, t_x, t, w, rows), penalizer)
        }
    }
}
