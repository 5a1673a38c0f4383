//! The BG/NBD log-likelihood (Fader, Hardie & Lee 2005, equation 6; the modified model's as
//! lifetimes' `ModifiedBetaGeoFitter` defines it), its gradient and Hessian, summed order-free
//! over customers: the Gamma-function terms once per distinct frequency, the time terms once
//! per distinct time.

use rustc_hash::FxHashMap;

use super::BgNbdParams;
use crate::core::clv::history::{
    frequency_slots, frequency_sums, in_sample, sorted_by_frequency, weight_by_value,
};
use crate::core::clv::likelihood::{tri_index, TermSums};
use crate::core::numeric::fixed_sum::FixedSum;
use crate::core::numeric::special::{digamma, ln_gamma, trigamma};

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
    pub(super) total_w: f64,
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

/// `b + x - 1` for `x >= 1` (`b` at `x = 0`), or `b + x` for the modified model. At `x <= 1`
/// it is `b` itself, not lifetimes' `(b + 1) - 1`, which is 0 for a fit at the boundary
/// (`b` below 1e-16) and sends a single repeat buyer's `ln(a / (b + x - 1))` to +inf.
fn bx_of(p: &BgNbdParams, x: f64) -> f64 {
    if p.modified {
        p.b + x
    } else if x <= 1.0 {
        p.b
    } else {
        p.b + x - 1.0
    }
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
