//! Customer lifetime value: expected purchases times Gamma-Gamma spend, discounted per period.

use rayon::prelude::*;

use super::gamma_gamma::GammaGammaParams;
use super::purchases::{History, Purchases};

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

/// One customer's CLV per period: for i = 1..months,
/// `(E[N(i f)] - E[N((i-1) f)]) E[M] / (1+d)^i` with f = `factor` (lifetimes'
/// `_customer_lifetime_value`, including its `(i f) / f` exponent). `c` is `(x, t_x, T, m)`.
pub fn clv_periods_one(
    model: &Purchases,
    gg: &GammaGammaParams,
    c: (f64, f64, f64, f64),
    h: Horizon,
) -> impl Iterator<Item = f64> {
    let (x, t_x, t, m) = c;
    periods_of(
        model.history(x, t_x, t),
        gg.expected_average_profit(x, m),
        h,
    )
}

/// The CLV per period of a customer's history whose expected average spend is `value`.
pub fn periods_of(history: History, value: f64, h: Horizon) -> impl Iterator<Item = f64> {
    // Each month's end is the next month's start: one expectation per month, not two.
    let mut before = history.expected_purchases(0.0);
    (1..=h.months).map(move |step| {
        let i = step as f64 * h.factor;
        let through = history.expected_purchases(i);
        // `i - factor` is the previous `i` only up to rounding; lifetimes evaluates it afresh.
        let start = if ((step - 1) as f64 * h.factor) == i - h.factor {
            before
        } else {
            history.expected_purchases(i - h.factor)
        };
        before = through;
        value * (through - start) / (1.0 + h.discount).powf(i / h.factor)
    })
}

/// The periods of a CLV added in order, as lifetimes adds them.
pub fn total(periods: impl Iterator<Item = f64>) -> f64 {
    periods.fold(0.0, |total, v| total + v)
}

/// CLV over the horizon: the periods added in order, as lifetimes adds them.
pub fn clv_one(
    model: &Purchases,
    gg: &GammaGammaParams,
    c: (f64, f64, f64, f64),
    h: Horizon,
) -> f64 {
    total(clv_periods_one(model, gg, c, h))
}

/// The customers' `(x, t_x, T, m)` columns.
pub type Customers<'a> = [&'a [f64]; 4];

/// `clv_one` for every customer, in parallel.
pub fn clv(model: &Purchases, gg: &GammaGammaParams, c: Customers<'_>, h: Horizon) -> Vec<f64> {
    let [x, t_x, t, m] = c;
    (0..x.len())
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| clv_one(model, gg, (x[i], t_x[i], t[i], m[i]), h))
        .collect()
}

/// Every customer's CLV per period, customer by customer (`months` values each).
pub fn clv_periods(
    model: &Purchases,
    gg: &GammaGammaParams,
    c: Customers<'_>,
    h: Horizon,
) -> Vec<f64> {
    let [x, t_x, t, m] = c;
    let mut out = vec![0.0; x.len() * h.months];
    out.par_chunks_mut(h.months.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            for (slot, v) in
                row.iter_mut()
                    .zip(clv_periods_one(model, gg, (x[i], t_x[i], t[i], m[i]), h))
            {
                *slot = v;
            }
        });
    out
}
