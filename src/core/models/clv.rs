//! Customer lifetime value: BG/NBD purchases times Gamma-Gamma spend, discounted per period.

use rayon::prelude::*;

use super::bgnbd::BgNbdParams;
use super::gamma_gamma::GammaGammaParams;

/// How many model time units make one CLV period (a month): lifetimes' `freq` factors.
pub fn period_factor(unit: &str) -> Option<f64> {
    match unit {
        "W" | "week" | "weeks" => Some(4.345),
        "M" | "month" | "months" => Some(1.0),
        "D" | "day" | "days" => Some(30.0),
        "H" | "hour" | "hours" => Some(30.0 * 24.0),
        _ => None,
    }
}

/// The CLV horizon: `months` periods of `factor` model time units, discounted at `discount`.
#[derive(Debug, Clone, Copy)]
pub struct Horizon {
    pub months: usize,
    pub discount: f64,
    pub factor: f64,
}

/// CLV over the horizon: for i = 1..months, `(E[N(i f)] - E[N((i-1) f)]) E[M] / (1+d)^i` with
/// f = `factor` (lifetimes' `_customer_lifetime_value`, including its `(i f) / f` exponent).
/// `c` is `(x, t_x, T, m)`.
pub fn clv_one(
    bg: &BgNbdParams,
    gg: &GammaGammaParams,
    c: (f64, f64, f64, f64),
    h: Horizon,
) -> f64 {
    let (x, t_x, t, m) = c;
    let value = gg.expected_average_profit(x, m);
    let mut total = 0.0;
    for step in 1..=h.months {
        let i = step as f64 * h.factor;
        let purchases =
            bg.expected_purchases(i, x, t_x, t) - bg.expected_purchases(i - h.factor, x, t_x, t);
        total += value * purchases / (1.0 + h.discount).powf(i / h.factor);
    }
    total
}

/// `clv_one` for every customer, in parallel.
pub fn clv(
    bg: &BgNbdParams,
    gg: &GammaGammaParams,
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    m: &[f64],
    h: Horizon,
) -> Vec<f64> {
    (0..x.len())
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| clv_one(bg, gg, (x[i], t_x[i], t[i], m[i]), h))
        .collect()
}
