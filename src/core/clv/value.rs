//! Customer lifetime value: expected purchases times Gamma-Gamma spend, discounted per period.

use rayon::prelude::*;

use crate::core::clv::gamma_gamma::GammaGammaParams;
use crate::core::clv::purchases::{HorizonTable, Purchases};

/// Model time units in one CLV period (a month), by lifetimes' `freq` name: its factors
/// (`"W"`: 4.345 weeks, 52.14 / 12).
pub const PERIODS_PER_MONTH: [(&str, f64); 4] =
    [("W", 4.345), ("M", 1.0), ("D", 30.0), ("H", 30.0 * 24.0)];

/// How many model time units make one CLV period, for a unit of [`PERIODS_PER_MONTH`].
pub fn period_factor(unit: &str) -> Option<f64> {
    PERIODS_PER_MONTH
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|&(_, f)| f)
}

/// The CLV horizon: `months` periods of `factor` model time units, discounted at `discount`.
#[derive(Debug, Clone, Copy)]
pub struct Horizon {
    pub months: usize,
    pub discount: f64,
    pub factor: f64,
}

/// Each period's discount divisor, `(1 + d)^((i f) / f)` for i = 1..months: the same for every
/// customer, so computed once.
pub fn discount_divisors(h: Horizon) -> Vec<f64> {
    (1..=h.months)
        .map(|step| (1.0 + h.discount).powf(step as f64 * h.factor / h.factor))
        .collect()
}

/// The horizons [`periods_of`] asks `expected` for.
pub fn clv_horizons(h: Horizon) -> Vec<f64> {
    let mut out = vec![0.0];
    for step in 1..=h.months {
        let i = step as f64 * h.factor;
        out.push(i);
        if ((step - 1) as f64 * h.factor) != i - h.factor {
            out.push(i - h.factor);
        }
    }
    out
}

/// The CLV per period of a customer whose expected purchases in `(T, T + t]` are
/// `expected(t)` and whose expected average spend is `value`; `divisors` are
/// [`discount_divisors`]`(h)`.
pub fn periods_of<'a>(
    expected: impl Fn(f64) -> f64 + 'a,
    value: f64,
    h: Horizon,
    divisors: &'a [f64],
) -> impl Iterator<Item = f64> + 'a {
    // Each month's end is the next month's start: one expectation per month, not two.
    let mut before = expected(0.0);
    (1..=h.months).map(move |step| {
        let i = step as f64 * h.factor;
        let through = expected(i);
        // `i - factor` is the previous `i` only up to rounding; lifetimes evaluates it afresh.
        let start = if ((step - 1) as f64 * h.factor) == i - h.factor {
            before
        } else {
            expected(i - h.factor)
        };
        before = through;
        value * (through - start) / divisors[step - 1]
    })
}

/// The periods of a CLV added in order, as lifetimes adds them.
pub fn total(periods: impl Iterator<Item = f64>) -> f64 {
    periods.fold(0.0, |total, v| total + v)
}

/// The customers' `(x, t_x, T, m)` columns.
pub type Customers<'a> = [&'a [f64]; 4];

/// Customer `i`'s CLV per period, its expectations read from `table`.
fn periods_in<'a>(
    model: &Purchases,
    gg: &GammaGammaParams,
    table: &'a HorizonTable,
    c: Customers<'_>,
    i: usize,
    h: Horizon,
    divisors: &'a [f64],
) -> impl Iterator<Item = f64> + 'a {
    let [x, t_x, t, m] = c;
    let history = model.history(x[i], t_x[i], t[i]);
    periods_of(
        move |ti| table.expected_purchases(i, &history, ti),
        gg.expected_average_profit(x[i], m[i]),
        h,
        divisors,
    )
}

/// Every customer's CLV over the horizon (the periods added in order, as lifetimes adds
/// them), in parallel.
pub fn clv(model: &Purchases, gg: &GammaGammaParams, c: Customers<'_>, h: Horizon) -> Vec<f64> {
    let table = HorizonTable::new(model, c[0], c[2], &clv_horizons(h));
    let divisors = discount_divisors(h);
    (0..c[0].len())
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| total(periods_in(model, gg, &table, c, i, h, &divisors)))
        .collect()
}

/// Every customer's CLV per period, customer by customer (`months` values each).
pub fn clv_periods(
    model: &Purchases,
    gg: &GammaGammaParams,
    c: Customers<'_>,
    h: Horizon,
) -> Vec<f64> {
    let table = HorizonTable::new(model, c[0], c[2], &clv_horizons(h));
    let divisors = discount_divisors(h);
    let mut out = vec![0.0; c[0].len() * h.months];
    out.par_chunks_mut(h.months.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            for (slot, v) in row
                .iter_mut()
                .zip(periods_in(model, gg, &table, c, i, h, &divisors))
            {
                *slot = v;
            }
        });
    out
}
