//! BG/NBD (Fader, Hardie & Lee 2005) and the modified BG/NBD (Batislam, Denizel & Filiztekin
//! 2007), which also lets a customer drop out right after the first purchase: likelihood,
//! gradient, fit and expectations. The two differ only by a shift of one in `b` (and, for the
//! modified model, a dropout term for customers with no repeat purchase), so one code serves both.

use crate::core::numeric::special::{signed_ln_hyp2f1_split, Hyp2f1};
use horizon::{alive_mean, ln_ratio, one_minus, pfaff_horizon_part};

use crate::core::clv::fit::{checkpoint, fit_log_params_with, Ask, FitControl, FitInfo, FitSpec};

use crate::core::clv::history::ScaledHistory;

use crate::core::clv::likelihood::{log_hessian, TermSums};
use crate::core::error::Result;
use crate::core::watch::Watch;

pub use inputs::check_inputs;
pub use likelihood::{log_likelihood_sums, BgNbdData};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbdParams {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    /// The modified BG/NBD (lifetimes' `ModifiedBetaGeoFitter`) rather than the BG/NBD.
    pub modified: bool,
}

impl BgNbdParams {
    pub fn new(p: [f64; 4], modified: bool) -> Self {
        BgNbdParams {
            r: p[0],
            alpha: p[1],
            a: p[2],
            b: p[3],
            modified,
        }
    }

    /// 1 for the modified model: its Beta terms read `b + x + 1` where the BG/NBD's read `b + x`.
    fn shift(&self) -> f64 {
        if self.modified {
            1.0
        } else {
            0.0
        }
    }

    /// `base + x - 1 + shift` (`b + x - 1` of the dropout odds, `a + b + x - 1` of eq. (10)).
    /// At one repeat purchase of the BG/NBD the whole number part is 0 and the value is `base`
    /// itself: evaluated as `(base + 1) - 1`, as lifetimes does, a fit at the boundary
    /// (`b` about 1e-17) rounds `b` away and a single repeat buyer's P(alive) becomes 0.
    /// Elsewhere the whole number part is at least 1, so the left-to-right sum is within an
    /// ulp of it and is kept: the fitted parameters and the study's table keep their bits.
    pub(crate) fn plus_repeats(&self, base: f64, x: f64) -> f64 {
        let whole = x - 1.0 + self.shift();
        if whole == 0.0 {
            base
        } else {
            base + x - 1.0 + self.shift()
        }
    }
}

/// A customer's `(x, T)` and the horizon-free parts of its expected purchases.
#[derive(Debug, Clone, Copy)]
pub struct BgNbdHistory {
    params: BgNbdParams,
    x: f64,
    big_t: f64,
    denom: f64,
}

impl BgNbdHistory {
    /// Expected purchases in `(T, T + t]`.
    pub fn expected_purchases(&self, t: f64) -> f64 {
        self.with_horizon_part(self.params.horizon_part(self.x, self.big_t, t))
    }

    /// Expected purchases from `horizon_part(x, T, t)` computed elsewhere (once for every
    /// customer with the same `x` and `T`).
    pub fn with_horizon_part(&self, part: f64) -> f64 {
        part / self.denom
    }
}

impl BgNbdParams {
    /// The expected purchases in `(T, T + t]` of a customer alive at `T`, eq. (10) without its
    /// P(alive) denominator: `(a + b + x - 1) / (a - 1)` times
    /// `1 - ((alpha + T) / (alpha + T + t))^(r + x) 2F1(r + x, b + x, a + b + x - 1; z)`. It
    /// depends on `x` and `T` only, not on `t_x`, and holds the costly 2F1 series.
    pub fn horizon_part(&self, x: f64, big_t: f64, t: f64) -> f64 {
        let (ha, hb, hc) = self.series_of(x);
        let split = self.c_split(x);
        self.horizon_part_from(x, big_t, t, |z| {
            signed_ln_hyp2f1_split(ha, hb, hc, split, z)
        })
    }

    /// The series' `c` as `(a + b, x - 1 + shift)`, for where it is not positive.
    fn c_split(&self, x: f64) -> (f64, f64) {
        (self.a + self.b, x - 1.0 + self.shift())
    }

    /// [`BgNbdParams::horizon_part`] with the 2F1 series' coefficients kept in `series` (made
    /// again when `x` changes): the same bits, at a multiply per term for each further `T`
    /// and `t` of the same `x`.
    pub fn horizon_part_with(
        &self,
        series: &mut Option<Hyp2f1>,
        x: f64,
        big_t: f64,
        t: f64,
    ) -> f64 {
        let (ha, hb, hc) = self.series_of(x);
        if hc <= 0.0 {
            return self.horizon_part(x, big_t, t);
        }
        let f = match series {
            Some(f) if f.is(ha, hb, hc) => f,
            _ => series.insert(Hyp2f1::new(ha, hb, hc)),
        };
        self.horizon_part_from(x, big_t, t, |z| f.signed_ln(z))
    }

    /// The 2F1 parameters of the horizon part at frequency `x`.
    fn series_of(&self, x: f64) -> (f64, f64, f64) {
        let BgNbdParams { r, a, b, .. } = *self;
        let k = self.shift();
        (r + x, b + x + k, self.plus_repeats(a + b, x))
    }

    fn horizon_part_from(
        &self,
        x: f64,
        big_t: f64,
        t: f64,
        mut signed_ln_2f1: impl FnMut(f64) -> (f64, f64),
    ) -> f64 {
        let BgNbdParams { r, alpha, a, .. } = *self;
        let (_, hb, c) = self.series_of(x);
        if let Some(mean) = alive_mean(r + x, a, hb, t / (alpha + big_t)) {
            return mean;
        }
        let first = c / (a - 1.0);
        if let Some(part) = pfaff_horizon_part(r + x, a - 1.0, c, -t / (alpha + big_t)) {
            return first * part;
        }
        let z = t / (alpha + big_t + t);
        let (sign, ln_hyp) = signed_ln_2f1(z);
        let ln_r = if t < 1e-3 * (alpha + big_t) {
            ln_ratio(alpha + big_t, t)
        } else {
            ((alpha + big_t) / (alpha + t + big_t)).ln()
        };
        first * one_minus(sign, ln_hyp + (r + x) * ln_r)
    }
}

/// lifetimes' objective in log-parameters: `-sum(w LL) / sum(w) + penalizer * sum(params^2)`,
/// and its gradient. Times must already be scaled.
pub fn objective(
    log_params: &[f64],
    data: &BgNbdData,
    modified: bool,
    penalizer: f64,
    grad: &mut [f64],
) -> f64 {
    let e: Vec<f64> = log_params.iter().map(|v| v.exp()).collect();
    let p = BgNbdParams::new([e[0], e[1], e[2], e[3]], modified);
    log_likelihood_sums(&p, data, false).objective(&e, data.total_w, penalizer, grad)
}

/// The objective (as [`objective`]) from likelihood sums, with its Hessian in the
/// log-parameters when the sums hold one.
pub fn evaluation(
    sums: &TermSums<4>,
    e: &[f64],
    mean_weight: f64,
    penalizer: f64,
    grad: &mut [f64],
) -> crate::core::clv::fit::Evaluation {
    let value = sums.objective(e, mean_weight, penalizer, grad);
    let h = sums
        .hessian_matrix()
        .map(|h| log_hessian(&h, e, grad, mean_weight, penalizer));
    (value, h)
}

#[derive(Debug, Clone)]
pub struct BgNbdFit {
    pub params: BgNbdParams,
    /// The time scale used in the fit (`1 / max(T)`, as lifetimes' `_scale_time`).
    pub scale: f64,
    pub info: FitInfo,
}

/// Maximum-likelihood fit from lifetimes' start (all log-parameters 0.1).
pub fn fit(
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    weights: Option<&[f64]>,
    modified: bool,
    penalizer: f64,
    watch: Option<&Watch>,
) -> Result<BgNbdFit> {
    let control = FitControl::default();
    fit_with([x, t_x, t], weights, modified, penalizer, watch, &control)
}

/// [`fit`] from the caller's start (log-parameters on the scaled time axis, lifetimes'
/// `initial_params`) and tolerance, when given.
pub fn fit_with(
    [x, t_x, t]: [&[f64]; 3],
    weights: Option<&[f64]>,
    modified: bool,
    penalizer: f64,
    watch: Option<&Watch>,
    control: &FitControl,
) -> Result<BgNbdFit> {
    let scaled = ScaledHistory::new(x, t_x, t, weights)?;
    let data = BgNbdData::new(scaled.x, scaled.t_x, scaled.t, scaled.w);
    // The subsample a large fit starts from, made once (the shift depends on the weight only).
    let sample = crate::core::clv::history::sample_shift(data.total_w, data.x.len())
        .map(|shift| data.sample(shift));
    let shape = FitShape {
        total_w: data.total_w,
        groups: data.x.len(),
        scale: scaled.scale,
        modified,
        penalizer,
    };
    let name = if modified {
        "MBG/NBD fit"
    } else {
        "BG/NBD fit"
    };
    fit_from_sums_with(
        |p, ask| {
            checkpoint(watch, name)?;
            let rows = ask.rows(&data, &sample);
            Ok(log_likelihood_sums(p, rows, ask.hessian))
        },
        &shape,
        control,
    )
}

/// What a fit needs to know of the data besides its likelihood sums.
#[derive(Debug, Clone, Copy)]
pub struct FitShape {
    /// The customers' total weight.
    pub total_w: f64,
    /// Distinct histories (reported only).
    pub groups: usize,
    /// The time scale the sums were computed in (`1 / max(T)`).
    pub scale: f64,
    pub modified: bool,
    pub penalizer: f64,
}

/// The fit with the likelihood sums computed by `sums` (at parameters in scaled time, over
/// the rows and with the Hessian as asked): here, or summed part by part elsewhere. The first
/// error `sums` returns stops the fit.
pub fn fit_from_sums(
    sums: impl Fn(&BgNbdParams, Ask) -> Result<TermSums<4>>,
    shape: &FitShape,
) -> Result<BgNbdFit> {
    fit_from_sums_with(sums, shape, &FitControl::default())
}

/// [`fit_from_sums`] from the caller's start and tolerance, when given.
pub fn fit_from_sums_with(
    sums: impl Fn(&BgNbdParams, Ask) -> Result<TermSums<4>>,
    shape: &FitShape,
    control: &FitControl,
) -> Result<BgNbdFit> {
    let spec = FitSpec {
        groups: shape.groups,
        total_weight: shape.total_w,
        model: if shape.modified { "MBG/NBD" } else { "BG/NBD" },
        advice: "Try a larger penalizer_coef (e.g. 0.01 or 0.1), or check the data for customers with extreme frequencies.",
        analytic_hessian: true,
        samples: true,
    };
    let (e, info) = fit_log_params_with::<4>(
        |lp, ask, g| {
            let e: Vec<f64> = lp.iter().map(|v| v.exp()).collect();
            let p = BgNbdParams::new([e[0], e[1], e[2], e[3]], shape.modified);
            let mean_weight = ask.mean_weight(shape.total_w);
            Ok(evaluation(
                &sums(&p, ask)?,
                &e,
                mean_weight,
                shape.penalizer,
                g,
            ))
        },
        &spec,
        control,
    )?;
    Ok(BgNbdFit {
        params: BgNbdParams::new([e[0], e[1] / shape.scale, e[2], e[3]], shape.modified),
        scale: shape.scale,
        info,
    })
}

impl BgNbdParams {
    /// Expected purchases in `(T, T + t]` for a customer with history `(x, t_x, T)`: eq. (10)
    /// of Fader, Hardie & Lee (2005); for the modified model, Batislam et al. (2007).
    pub fn expected_purchases(&self, t: f64, x: f64, t_x: f64, big_t: f64) -> f64 {
        self.history(x, t_x, big_t).expected_purchases(t)
    }

    /// A customer's history with the parts of eq. (10) that do not depend on the horizon.
    pub fn history(&self, x: f64, t_x: f64, big_t: f64) -> BgNbdHistory {
        let BgNbdParams { r, alpha, a, b, .. } = *self;
        let denom = 1.0
            + if x > 0.0 || self.modified {
                let bx = self.plus_repeats(b, x);
                let ratio = (alpha + big_t) / (alpha + t_x);
                let odds = (a / bx) * ratio.powf(r + x);
                // A long silence (ratio^(r + x) past f64) next to a tiny dropout odds `a / bx`:
                // their product in logs, not inf * 0.
                if odds.is_finite() && odds > 0.0 {
                    odds
                } else {
                    (a.ln() - bx.ln() + (r + x) * ratio.ln()).exp()
                }
            } else {
                0.0
            };
        BgNbdHistory {
            params: *self,
            x,
            big_t,
            denom,
        }
    }

    /// P(alive | x, t_x, T).
    pub fn probability_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        if x == 0.0 && !self.modified {
            return 1.0;
        }
        let BgNbdParams { r, alpha, a, b, .. } = *self;
        let bx = self.plus_repeats(b, x);
        let log_div = (r + x) * ((alpha + big_t) / (alpha + t_x)).ln() + (a / bx).ln();
        1.0 / (1.0 + log_div.exp())
    }

    /// The unconditional expected purchases of a new customer in `(0, t]`.
    pub fn expected_purchases_new(&self, t: f64) -> f64 {
        let BgNbdParams { r, alpha, a, b, .. } = *self;
        let z = t / (alpha + t);
        let lead = if self.modified {
            b / (a - 1.0)
        } else {
            (a + b - 1.0) / (a - 1.0)
        };
        let k = self.shift();
        if let Some(mean) = alive_mean(r, a, b + k, t / alpha) {
            // The modified model's new customer may drop out at once: E[(1 - p) / p ...]
            // under Beta(a, b) is b / (a + b) of E[1 / p ...] under Beta(a, b + 1).
            return if self.modified {
                b / (a + b) * mean
            } else {
                mean
            };
        }
        // c = a + b - 1 (+ 1 for the modified model): for the modified model it is a + b
        // itself, not (a + b - 1) + 1, which rounds a boundary fit's a + b to a multiple of
        // 1e-16 and the expectation with it.
        let c = if self.modified { a + b } else { a + b - 1.0 };
        let split = (a + b, k - 1.0);
        if let Some(part) = pfaff_horizon_part(r, a - 1.0, c, -t / alpha) {
            return lead * part;
        }
        let (sign, ln_hyp) = signed_ln_hyp2f1_split(r, b + k, c, split, z);
        let plain = 1.0 - (alpha / (alpha + t)).powf(r) * sign * ln_hyp.exp();
        let l = ln_hyp + r * ln_ratio(alpha, t);
        // A large r makes (alpha / (alpha + t))^r underflow and the 2F1 overflow: their
        // product is then taken in logs.
        lead * if (sign > 0.0 && l.abs() < 1e-3) || !plain.is_finite() {
            one_minus(sign, l)
        } else {
            plain
        }
    }
}

mod horizon;
mod inputs;
mod likelihood;
#[cfg(test)]
mod tests;
