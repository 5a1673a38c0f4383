//! BG/NBD (Fader, Hardie & Lee 2005) and the modified BG/NBD (Batislam, Denizel & Filiztekin
//! 2007), which also lets a customer drop out right after the first purchase: likelihood,
//! gradient, fit and expectations. The two differ only by a shift of one in `b` (and, for the
//! modified model, a dropout term for customers with no repeat purchase), so one code serves both.

use crate::core::numeric::special::{digamma, ln_gamma, signed_ln_hyp2f1, trigamma, Hyp2f1};
use rustc_hash::FxHashMap;

use crate::core::clv::fit::{checkpoint, fit_log_params, Ask, FitInfo, FitSpec};

use crate::core::clv::history::{
    frequency_slots, frequency_sums, in_sample, sorted_by_frequency, weight_by_value, ScaledHistory,
};

use crate::core::clv::likelihood::{log_hessian, tri_index, TermSums};
use crate::core::error::{FloError, Result};
use crate::core::numeric::fixed_sum::FixedSum;
use crate::core::watch::Watch;

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
}

/// A customer's `(x, T)` and the horizon-free parts of its expected purchases.
#[derive(Debug, Clone, Copy)]
pub struct BgNbdHistory {
    params: BgNbdParams,
    x: f64,
    big_t: f64,
    first: f64,
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
        self.first * part / self.denom
    }
}

impl BgNbdParams {
    /// The factor of eq. (10) that depends on the horizon `t`:
    /// `1 - ((alpha + T) / (alpha + T + t))^(r + x) 2F1(r + x, b + x, a + b + x - 1; z)`. It
    /// depends on `x` and `T` only, not on `t_x`, and holds the costly 2F1 series.
    pub fn horizon_part(&self, x: f64, big_t: f64, t: f64) -> f64 {
        let (ha, hb, hc) = self.series_of(x);
        self.horizon_part_from(x, big_t, t, |z| signed_ln_hyp2f1(ha, hb, hc, z))
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
        (r + x, b + x + k, a + b + x - 1.0 + k)
    }

    fn horizon_part_from(
        &self,
        x: f64,
        big_t: f64,
        t: f64,
        mut signed_ln_2f1: impl FnMut(f64) -> (f64, f64),
    ) -> f64 {
        let BgNbdParams { r, alpha, .. } = *self;
        let z = t / (alpha + big_t + t);
        let (sign, ln_hyp) = signed_ln_2f1(z);
        1.0 - sign * (ln_hyp + (r + x) * ((alpha + big_t) / (alpha + t + big_t)).ln()).exp()
    }
}

/// Customers' `(x, t_x, T)` in the model's time unit, with weights, and the distinct
/// frequencies with their total weight: the Gamma-function terms of the likelihood depend on
/// the frequency only, so they are computed once per distinct frequency, not once per customer.
/// Likewise the logarithms of `alpha + T` and `alpha + t_x` are taken once per distinct time
/// (times in whole days give a few thousand), and a customer's term reads them by index.
pub struct BgNbdData {
    pub x: Vec<f64>,
    pub t_x: Vec<f64>,
    pub t: Vec<f64>,
    pub w: Vec<f64>,
    x_values: Vec<f64>,
    x_weights: Vec<f64>,
    total_w: f64,
    x_index: Vec<u32>,
    t_times: Distinct,
    tx_times: Distinct,
}

impl BgNbdData {
    pub fn new(x: Vec<f64>, t_x: Vec<f64>, t: Vec<f64>, w: Vec<f64>) -> Self {
        let [x, t_x, t, w] = sorted_by_frequency([x, t_x, t, w]);
        let (x_values, x_weights) = weight_by_value(&x, &w);
        let total_w = w.iter().sum();
        let x_index = frequency_slots(&x_values, &x);
        let t_times = Distinct::of(&t);
        let tx_times = Distinct::of(&t_x);
        BgNbdData {
            x,
            t_x,
            t,
            w,
            x_values,
            x_weights,
            total_w,
            x_index,
            t_times,
            tx_times,
        }
    }

    /// The rows in the subsample of `shift` ([`in_sample`]).
    pub fn sample(&self, shift: u32) -> BgNbdData {
        let keep: Vec<usize> = (0..self.x.len())
            .filter(|&i| in_sample([self.x[i], self.t_x[i], self.t[i]], shift))
            .collect();
        let pick = |c: &[f64]| keep.iter().map(|&i| c[i]).collect();
        BgNbdData::new(pick(&self.x), pick(&self.t_x), pick(&self.t), pick(&self.w))
    }
}

/// The distinct values of a column and, per row, the index of its value.
struct Distinct {
    values: Vec<f64>,
    index: Vec<u32>,
}

impl Distinct {
    fn of(column: &[f64]) -> Self {
        let mut seen: FxHashMap<u64, u32> = FxHashMap::default();
        let mut values = Vec::new();
        let index = column
            .iter()
            .map(|v| {
                *seen.entry(v.to_bits()).or_insert_with(|| {
                    values.push(*v);
                    (values.len() - 1) as u32
                })
            })
            .collect();
        Distinct { values, index }
    }
}

/// What one evaluation computes once for all customers: `alpha + t`, its log and reciprocal per
/// distinct time, and `ln(b + x - 1)` (`ln(b + x)` for the modified model) per distinct
/// frequency.
struct Shared {
    at: Vec<Time>,
    atx: Vec<Time>,
    ln_bx: Vec<f64>,
    ln_a: f64,
}

/// `alpha + t`: its log and reciprocal.
#[derive(Clone, Copy)]
struct Time {
    ln: f64,
    inv: f64,
}

impl Shared {
    fn new(p: &BgNbdParams, data: &BgNbdData) -> Self {
        let times = |d: &Distinct| -> Vec<Time> {
            d.values
                .iter()
                .map(|&t| {
                    let s = p.alpha + t;
                    Time {
                        ln: s.ln(),
                        inv: 1.0 / s,
                    }
                })
                .collect()
        };
        Shared {
            at: times(&data.t_times),
            atx: times(&data.tx_times),
            ln_bx: data.x_values.iter().map(|&x| bx_of(p, x).ln()).collect(),
            ln_a: p.a.ln(),
        }
    }
}

/// `b + x - 1` for `x >= 1` (`b` at `x = 0`), or `b + x` for the modified model.
fn bx_of(p: &BgNbdParams, x: f64) -> f64 {
    if p.modified {
        p.b + x
    } else {
        p.b + x.max(1.0) - 1.0
    }
}

/// Checks inputs as lifetimes' `_check_inputs` does, with the reasons spelled out.
pub fn check_inputs(x: &[f64], t_x: &[f64], t: &[f64]) -> Result<()> {
    if x.is_empty() {
        return Err(FloError::invalid("no customers to fit"));
    }
    if x.len() != t_x.len() || x.len() != t.len() {
        return Err(FloError::invalid(
            "frequency, recency and T must have the same length",
        ));
    }
    for i in 0..x.len() {
        let bad = |what: &str| {
            Err(FloError::invalid(format!(
                "customer {i}: {what} (frequency={}, recency={}, T={})",
                x[i], t_x[i], t[i]
            )))
        };
        if !(x[i].is_finite() && t_x[i].is_finite() && t[i].is_finite()) {
            return bad("missing or non-finite value");
        }
        if x[i] < 0.0 || x[i].fract() != 0.0 {
            return bad("frequency must be a whole number >= 0");
        }
        if t_x[i] < 0.0 {
            return bad("negative recency (last order before first order)");
        }
        if t_x[i] > t[i] {
            return bad("recency is larger than T");
        }
        if x[i] == 0.0 && t_x[i] != 0.0 {
            return bad("non-zero recency with zero frequency");
        }
    }
    Ok(())
}

/// The part of a customer's log-likelihood that depends on the frequency only (A1 + A2), and
/// its gradient with respect to (r, alpha, a, b).
fn frequency_part(p: &BgNbdParams, x: f64) -> (f64, [f64; 4]) {
    let BgNbdParams { r, alpha, a, b, .. } = *p;
    let k = p.shift();
    let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
    let a2 = ln_gamma(a + b) + ln_gamma(b + x + k) - ln_gamma(b) - ln_gamma(a + b + x + k);
    let d_r = digamma(r + x) - digamma(r) + alpha.ln();
    let d_alpha = r / alpha;
    let d_a = digamma(a + b) - digamma(a + b + x + k);
    let d_b = digamma(a + b) + digamma(b + x + k) - digamma(b) - digamma(a + b + x + k);
    (a1 + a2, [d_r, d_alpha, d_a, d_b])
}

/// The Hessian of [`frequency_part`], upper triangle row by row (r, alpha, a, b).
fn frequency_hessian(p: &BgNbdParams, x: f64) -> [f64; 10] {
    let BgNbdParams { r, alpha, a, b, .. } = *p;
    let k = p.shift();
    let ab = trigamma(a + b) - trigamma(a + b + x + k);
    let bb = trigamma(a + b) + trigamma(b + x + k) - trigamma(b) - trigamma(a + b + x + k);
    let rr = trigamma(r + x) - trigamma(r);
    [
        rr,
        1.0 / alpha,
        0.0,
        0.0,
        -r / (alpha * alpha),
        0.0,
        0.0,
        ab,
        ab,
        bb,
    ]
}

/// The rest: `ln(exp(A3) + [x > 0] exp(A4))` (the modified model keeps the `A4` term at
/// `x = 0`), and what its gradient is made of: `[value, d/dr, s, w4]` where, with `w3 + w4 = 1`
/// the two terms' shares, `d/dalpha = -(r + x) s` with `s = w3 / (alpha + T) + w4 / (alpha +
/// t_x)`, `d/da = w4 / a` and `d/db = -w4 / (b + x - 1)`: the factors that depend on the
/// frequency or on `a` alone are applied to each run's sums, not to each customer's term.
///
/// With `K = 11` the seven per-customer terms of the Hessian follow ([`history_hessian`]):
/// with `q = w3 w4`, `u = ln(alpha + t_x) - ln(alpha + T)` and `v = 1 / (alpha + t_x) -
/// 1 / (alpha + T)`, they are `q u^2`, `q u v`, `q u`, `w3 / (alpha + T)^2 + w4 / (alpha +
/// t_x)^2`, `q v^2`, `q v` and `q`.
#[inline(always)]
fn history_part<const K: usize>(
    r: f64,
    x: f64,
    at: Time,
    atx: Time,
    a4_rest: Option<f64>,
) -> [f64; K] {
    let mut out = [0.0; K];
    let a3 = -(r + x) * at.ln;
    let Some(rest) = a4_rest else {
        out[..4].copy_from_slice(&[a3, -at.ln, at.inv, 0.0]);
        if K > 4 {
            out[7] = at.inv * at.inv;
        }
        return out;
    };
    let a4 = rest - (r + x) * atx.ln;
    let m = a3.max(a4);
    // One of the two is exp(0) = 1 exactly: one exponential, not two.
    let (e3, e4) = if a4 <= a3 {
        (1.0, (a4 - m).exp())
    } else if a3 < a4 {
        ((a3 - m).exp(), 1.0)
    } else {
        ((a3 - m).exp(), (a4 - m).exp())
    };
    let total = e3 + e4;
    let (w3, w4) = (e3 / total, e4 / total);
    out[..4].copy_from_slice(&[
        m + total.ln(),
        -w3 * at.ln - w4 * atx.ln,
        w3 * at.inv + w4 * atx.inv,
        w4,
    ]);
    if K > 4 {
        let (q, u, v) = (w3 * w4, atx.ln - at.ln, atx.inv - at.inv);
        out[4..].copy_from_slice(&[
            q * u * u,
            q * u * v,
            q * u,
            w3 * at.inv * at.inv + w4 * atx.inv * atx.inv,
            q * v * v,
            q * v,
            q,
        ]);
    }
    out
}

/// The history part's Hessian (natural parameters) from one frequency's sums of
/// [`history_part`]'s eleven terms: `H = w3 d2A3 + w4 d2A4 + q D D'` with `D = dA3 - dA4 =
/// (u, (r + x) v, -1/a, 1/bx)`. Each entry is a sum times factors of the frequency and `a`,
/// applied exactly once per frequency.
fn history_hessian(sums: &[FixedSum; 11], p: &BgNbdParams, x: f64) -> [FixedSum; 10] {
    let [_, _, s, w4, quu, quv, qu, s2, qvv, qv, q] = sums;
    let (c, ia, ib) = (p.r + x, 1.0 / p.a, 1.0 / bx_of(p, x));
    let plus = |a: FixedSum, b: FixedSum| {
        let mut out = a;
        out.merge(&b);
        out
    };
    let mut q_w4 = q.clone();
    q_w4.merge(&w4.times(-1.0));
    let zero = FixedSum::default;
    let mut h: [FixedSum; 10] = std::array::from_fn(|_| zero());
    let at = |i, j| tri_index(4, i, j);
    h[at(0, 0)] = quu.clone();
    h[at(0, 1)] = plus(s.times(-1.0), quv.times(c));
    h[at(0, 2)] = qu.times(-ia);
    h[at(0, 3)] = qu.times(ib);
    h[at(1, 1)] = plus(s2.times(c), qvv.times(c * c));
    h[at(1, 2)] = qv.times(-c * ia);
    h[at(1, 3)] = qv.times(c * ib);
    h[at(2, 2)] = q_w4.times(ia * ia);
    h[at(2, 3)] = q.times(-ia * ib);
    h[at(3, 3)] = plus(w4.times(ib * ib), q.times(ib * ib));
    h
}

/// The weighted log-likelihood and gradient sums (natural parameters) over `data`, exactly,
/// and the Hessian's when `hessian`. Times must already be scaled.
pub fn log_likelihood_sums(p: &BgNbdParams, data: &BgNbdData, hessian: bool) -> TermSums<4> {
    let by_frequency = TermSums::over(data.x_values.len(), &data.x_weights, |k| {
        frequency_part(p, data.x_values[k])
    });
    let (histories, h) = if hessian {
        let per_frequency = history_sums::<11>(p, data);
        let mut h: Vec<FixedSum> = vec![FixedSum::default(); 10];
        for (sums, &x) in per_frequency.iter().zip(&data.x_values) {
            for (hk, v) in h.iter_mut().zip(history_hessian(sums, p, x)) {
                hk.merge(&v);
            }
        }
        for (&x, &w) in data.x_values.iter().zip(&data.x_weights) {
            let whole = crate::core::numeric::fixed_sum::fixed_weight(w);
            for (hk, v) in h.iter_mut().zip(frequency_hessian(p, x)) {
                hk.add_weighted(whole, w, v);
            }
        }
        let per_frequency: Vec<[FixedSum; 4]> = per_frequency
            .into_iter()
            .map(|[v, dr, share, w4, ..]| [v, dr, share, w4])
            .collect();
        (gradient_sums(p, data, &per_frequency), h)
    } else {
        (
            gradient_sums(p, data, &history_sums::<4>(p, data)),
            Vec::new(),
        )
    };
    let mut out = histories.merge(by_frequency);
    out.hessian = h;
    out
}

/// Per distinct frequency, the sums of [`history_part`]'s `K` terms.
fn history_sums<const K: usize>(p: &BgNbdParams, data: &BgNbdData) -> Vec<[FixedSum; K]> {
    let s = Shared::new(p, data);
    let (ti, txi, xi) = (&data.t_times.index, &data.tx_times.index, &data.x_index);
    let r = p.r;
    frequency_sums(xi, data.x_values.len(), &data.w, |i| {
        let x = data.x[i];
        let a4_rest = (x > 0.0 || p.modified).then(|| s.ln_a - s.ln_bx[xi[i] as usize]);
        history_part::<K>(r, x, s.at[ti[i] as usize], s.atx[txi[i] as usize], a4_rest)
    })
}

/// The history part's value and gradient sums from each frequency's sums.
fn gradient_sums(
    p: &BgNbdParams,
    data: &BgNbdData,
    per_frequency: &[[FixedSum; 4]],
) -> TermSums<4> {
    let r = p.r;
    let [mut value, mut d_r, mut d_alpha, mut w4, mut d_b]: [FixedSum; 5] =
        std::array::from_fn(|_| FixedSum::default());
    for ([v, dr, share, w4k], &x) in per_frequency.iter().zip(&data.x_values) {
        value.merge(v);
        d_r.merge(dr);
        d_alpha.merge(&share.times(-(r + x)));
        w4.merge(w4k);
        d_b.merge(&w4k.times(-1.0 / bx_of(p, x)));
    }
    TermSums {
        value,
        grad: [d_r, d_alpha, w4.times(1.0 / p.a), d_b],
        hessian: Vec::new(),
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
    fit_from_sums(
        |p, ask| {
            checkpoint(watch, name)?;
            let rows = ask.rows(&data, &sample);
            Ok(log_likelihood_sums(p, rows, ask.hessian))
        },
        &shape,
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
    let spec = FitSpec {
        groups: shape.groups,
        total_weight: shape.total_w,
        model: if shape.modified { "MBG/NBD" } else { "BG/NBD" },
        advice: "Try a larger penalizer_coef (e.g. 0.01 or 0.1), or check the data for customers with extreme frequencies.",
        analytic_hessian: true,
        samples: true,
    };
    let (e, info) = fit_log_params::<4>(
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
        let k = self.shift();
        let first = (a + b + x - 1.0 + k) / (a - 1.0);
        let denom = 1.0
            + if x > 0.0 || self.modified {
                (a / (b + x - 1.0 + k)) * ((alpha + big_t) / (alpha + t_x)).powf(r + x)
            } else {
                0.0
            };
        BgNbdHistory {
            params: *self,
            x,
            big_t,
            first,
            denom,
        }
    }

    /// P(alive | x, t_x, T).
    pub fn probability_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        if x == 0.0 && !self.modified {
            return 1.0;
        }
        let BgNbdParams { r, alpha, a, b, .. } = *self;
        let bx = b + x - 1.0 + self.shift();
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
        let (sign, ln_hyp) = signed_ln_hyp2f1(r, b + k, a + b - 1.0 + k, z);
        lead * (1.0 - (alpha / (alpha + t)).powf(r) * sign * ln_hyp.exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_gradient_matches_differences() {
        let data = BgNbdData::new(
            vec![0.0, 1.0, 5.0, 20.0, 1.0],
            vec![0.0, 0.3, 0.7, 0.95, 0.5],
            vec![0.5, 0.8, 0.9, 1.0, 0.6],
            vec![1.0, 2.0, 1.0, 3.0, 1.0],
        );
        crate::core::clv::likelihood::assert_gradient(
            |lp, g| objective(lp, &data, false, 0.01, g),
            [0.2, -0.5, 0.3, 0.7],
        );
    }

    #[test]
    fn modified_gradient_matches_differences() {
        let data = BgNbdData::new(
            vec![0.0, 1.0, 5.0, 20.0, 0.0],
            vec![0.0, 0.3, 0.7, 0.95, 0.0],
            vec![0.5, 0.8, 0.9, 1.0, 0.6],
            vec![1.0, 2.0, 1.0, 3.0, 1.0],
        );
        crate::core::clv::likelihood::assert_gradient(
            |lp, g| objective(lp, &data, true, 0.01, g),
            [0.2, -0.5, 0.3, 0.7],
        );
    }

    /// The analytic Hessian against differences of the gradient, with and without the
    /// dropout term at `x = 0` and at a penalizer.
    #[test]
    fn analytic_hessian_matches_differences() {
        for modified in [false, true] {
            let data = BgNbdData::new(
                vec![0.0, 1.0, 5.0, 20.0, 1.0, 0.0],
                vec![0.0, 0.3, 0.7, 0.95, 0.5, 0.0],
                vec![0.5, 0.8, 0.9, 1.0, 0.6, 0.7],
                vec![1.0, 2.0, 1.0, 3.0, 1.0, 2.5],
            );
            for lp in [[0.2f64, -0.5, 0.3, 0.7], [-1.0, 0.4, -2.0, 1.5]] {
                let e: Vec<f64> = lp.iter().map(|v| v.exp()).collect();
                let p = BgNbdParams::new([e[0], e[1], e[2], e[3]], modified);
                let sums = log_likelihood_sums(&p, &data, true);
                let mut g = [0.0; 4];
                let (value, h) = evaluation(&sums, &e, data.total_w, 0.01, &mut g);
                let mut plain = [0.0; 4];
                assert_eq!(value, objective(&lp, &data, modified, 0.01, &mut plain));
                assert_eq!(g, plain);
                crate::core::clv::likelihood::assert_hessian(
                    |lp, g| objective(lp, &data, modified, 0.01, g),
                    &h.expect("asked for"),
                    lp,
                );
            }
        }
    }

    #[test]
    fn fit_from_parts_equals_fit_bit_for_bit() {
        // Customers split in three uneven parts, each collapsed and summed on its own; with
        // 140,000 customers the fits start from the subsample's optimum.
        for n in [3_000, 140_000] {
            fit_from_parts_of(n);
        }
    }

    fn fit_from_parts_of(n: usize) {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut x, mut t_x, mut t) = (vec![], vec![], vec![]);
        // Times in 1e-4 weeks: most of 140,000 histories are distinct (the subsample start
        // asks for 131,072 distinct rows).
        for _ in 0..n {
            let big_t = ((10.0 + 40.0 * uniform()) * 1e4).round() / 1e4;
            let freq = (-(uniform().max(1e-12)).ln() * 2.0).floor().min(30.0);
            x.push(freq);
            t_x.push(if freq > 0.0 {
                (big_t * uniform() * 1e4).floor() / 1e4
            } else {
                0.0
            });
            t.push(big_t);
        }
        for modified in [false, true] {
            let whole = fit(&x, &t_x, &t, None, modified, 0.001, None).expect("whole fit");
            let scale = whole.scale;
            let sampled =
                crate::core::clv::history::sample_shift(n as f64, whole.info.groups).is_some();
            assert_eq!(sampled, n > 100_000, "{} groups", whole.info.groups);
            let parts: Vec<BgNbdData> = [0..700, 700..701, 701..n]
                .into_iter()
                .map(|r| {
                    let h = ScaledHistory::with_scale(
                        &x[r.clone()],
                        &t_x[r.clone()],
                        &t[r],
                        None,
                        scale,
                    )
                    .unwrap();
                    BgNbdData::new(h.x, h.t_x, h.t, h.w)
                })
                .collect();
            let shape = FitShape {
                total_w: n as f64,
                groups: parts.iter().map(|p| p.x.len()).sum(),
                scale,
                modified,
                penalizer: 0.001,
            };
            let split = fit_from_sums(
                |p, ask| {
                    let sent: Vec<Vec<Vec<f64>>> = parts
                        .iter()
                        .map(|d| {
                            ask.over_part(d, BgNbdData::sample, |rows| {
                                log_likelihood_sums(p, rows, ask.hessian).to_parts()
                            })
                        })
                        .collect();
                    TermSums::from_parts(&sent)
                },
                &shape,
            )
            .unwrap();
            assert_eq!(split.params, whole.params);
            assert_eq!(split.info.objective, whole.info.objective);
            assert_eq!(split.info.log_hessian, whole.info.log_hessian);
        }
    }

    /// Heavy weights on few distinct rows: a subsample of them would hold a handful of rows (or
    /// none), whose optimum can sit on a boundary plateau the full fit then stays on (the
    /// modified model's did, before the fit asked for enough distinct rows too); the fit must
    /// reach the optimum of the same objective (a mean over the weights, so scaling every weight
    /// changes nothing).
    #[test]
    fn heavy_weights_on_few_rows_reach_the_same_optimum() {
        let mut rng = crate::core::synth::Rng::new(11);
        let (mut x, mut t_x, mut t) = (vec![], vec![], vec![]);
        for _ in 0..60 {
            let big_t = (10.0 + 40.0 * rng.uniform()).round();
            let freq = (6.0 * rng.uniform()).floor();
            x.push(freq);
            t_x.push(if freq > 0.0 {
                1.0 + ((big_t - 1.0) * rng.uniform()).floor()
            } else {
                0.0
            });
            t.push(big_t);
        }
        let w: Vec<f64> = (0..x.len()).map(|i| 1.0 + (i % 3) as f64).collect();
        let heavy: Vec<f64> = w.iter().map(|v| v * 50_000.0).collect();
        assert!(crate::core::clv::history::sample_shift(heavy.iter().sum(), x.len()).is_none());
        for modified in [false, true] {
            let light = fit(&x, &t_x, &t, Some(&w), modified, 0.01, None).unwrap();
            let weighted = fit(&x, &t_x, &t, Some(&heavy), modified, 0.01, None).unwrap();
            let (a, b) = (light.info.objective, weighted.info.objective);
            assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{a} vs {b}");
        }
    }

    #[test]
    fn rejects_recency_beyond_t() {
        assert!(check_inputs(&[1.0], &[2.0], &[1.0]).is_err());
    }

    #[test]
    fn a_cancelled_watch_stops_the_fit() {
        let (x, t_x, t) = (
            vec![2.0, 0.0, 5.0],
            vec![3.0, 0.0, 9.0],
            vec![10.0, 8.0, 12.0],
        );
        let watch = Watch::default();
        assert!(fit(&x, &t_x, &t, None, false, 0.001, Some(&watch)).is_ok());
        watch.cancel();
        let err = fit(&x, &t_x, &t, None, false, 0.001, Some(&watch)).unwrap_err();
        assert!(matches!(err, FloError::Cancelled { .. }), "{err}");
        assert_eq!(err.to_string(), "BG/NBD fit: cancelled");
    }
}
