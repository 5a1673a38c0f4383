//! The CLTV study's data preparation: outlier capping, totals and the weekly CLTV frame.

use rayon::prelude::*;

use crate::core::error::{FloError, Result};
use crate::core::numeric::quantile::edges;
use crate::core::rfm::scores::default_analysis_date;
use crate::core::table::customers::{CustomerFrame, NULL_DATE};

/// The outlier thresholds: quantiles 0.01 and 0.99 (linear), 1.5 times their range
/// beyond them, each rounded half to even as Python's `round`.
pub fn outlier_thresholds(values: &[f64]) -> (f64, f64) {
    let q = edges(values, &OUTLIER_QUANTILES);
    thresholds_of(q[0], q[1])
}

/// The quantiles the thresholds are built from.
pub const OUTLIER_QUANTILES: [f64; 2] = [0.01, 0.99];

/// `(low, up)` from the two quantiles: 1.5 times their range beyond each, rounded half to even
/// (Python's `round`).
pub fn thresholds_of(q1: f64, q3: f64) -> (f64, f64) {
    let iqr = q3 - q1;
    (
        (q1 - 1.5 * iqr).round_ties_even(),
        (q3 + 1.5 * iqr).round_ties_even(),
    )
}

pub fn cap(values: &[f64], low: f64, up: f64) -> Vec<f64> {
    values.iter().map(|&v| cap_one(v, low, up)).collect()
}

/// `v` replaced by `up` above it and by `low` below it (NaN stays NaN), as pandas'
/// `df.loc[df[c] > up, c] = up` then `df.loc[df[c] < low, c] = low`.
#[inline(always)]
fn cap_one(v: f64, low: f64, up: f64) -> f64 {
    if v > up {
        up
    } else if v < low {
        low
    } else {
        v
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrequencyDefinition {
    /// All orders (`order_num_total`, the default); customers with more than one order kept.
    Orders,
    /// The textbook BTYD definition: repeat orders (`order_num_total - 1`); customers with at
    /// least one repeat order kept.
    RepeatOrders,
}

/// The CLTV frame: one row per kept customer, weekly times.
#[derive(Debug, Clone, PartialEq)]
pub struct CltvFrame {
    pub analysis_date: i32,
    /// Row of each kept customer in the customer frame.
    pub rows: Vec<usize>,
    pub recency_weekly: Vec<f64>,
    pub t_weekly: Vec<f64>,
    pub frequency: Vec<f64>,
    pub monetary_avg: Vec<f64>,
    /// (low, up) thresholds of the two count and the two money columns, in file order.
    pub thresholds: Vec<(f64, f64)>,
}

/// The CLTV study's frame. `thresholds`: the four columns' `(low, up)` found elsewhere (over
/// all customers, when `frame` holds only some of them); default: from `frame`'s columns.
pub fn cltv_frame(
    frame: &CustomerFrame,
    analysis_date: Option<i32>,
    definition: FrequencyDefinition,
    thresholds: Option<&[(f64, f64)]>,
) -> Result<CltvFrame> {
    let analysis_date = match analysis_date {
        Some(d) => d,
        None => default_analysis_date(frame)?,
    };
    let columns = frame.cltv_columns();
    let thresholds: Vec<(f64, f64)> = match thresholds {
        Some(t) if t.len() == columns.len() => t.to_vec(),
        Some(t) => {
            return Err(FloError::invalid(format!(
                "expected {} (low, up) thresholds, got {}",
                columns.len(),
                t.len()
            )))
        }
        None => columns.par_iter().map(|c| outlier_thresholds(c)).collect(),
    };
    let (first, last) = (&frame.dates[0], &frame.dates[1]);
    let [online, offline, money_online, money_offline] = columns;
    let limits: [(f64, f64); 4] = std::array::from_fn(|k| thresholds[k]);
    let capped = |k: usize, c: &[f64], i: usize| cap_one(c[i], limits[k].0, limits[k].1);
    // One pass over the customers on all cores, in fixed chunks kept in order: the capped
    // totals, the filter and the weekly columns of each customer at once.
    const CHUNK: usize = 1 << 16;
    let parts: Vec<Result<CltvFrame>> = (0..frame.len().div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut out = CltvFrame::empty(analysis_date, Vec::new());
            for i in c * CHUNK..frame.len().min((c + 1) * CHUNK) {
                let orders = capped(0, online, i) + capped(1, offline, i);
                // NaN orders are not > 1 either, so they leave too (as pandas' `df[df.frequency > 1]` drops them).
                if orders.is_nan() || orders <= 1.0 {
                    continue;
                }
                if first[i] == NULL_DATE || last[i] == NULL_DATE {
                    return Err(FloError::invalid(format!(
                        "{}:{}: the CLTV study needs first_order_date and last_order_date",
                        frame.source, frame.lines[i]
                    )));
                }
                if first[i] > analysis_date {
                    return Err(FloError::invalid(format!(
                        "{}:{}: first_order_date is after the analysis date",
                        frame.source, frame.lines[i]
                    )));
                }
                let value = capped(3, money_offline, i) + capped(2, money_online, i);
                out.rows.push(i);
                out.recency_weekly.push((last[i] - first[i]) as f64 / 7.0);
                out.t_weekly.push((analysis_date - first[i]) as f64 / 7.0);
                out.frequency.push(match definition {
                    FrequencyDefinition::Orders => orders,
                    FrequencyDefinition::RepeatOrders => orders - 1.0,
                });
                out.monetary_avg.push(value / orders);
            }
            Ok(out)
        })
        .collect();
    // The first bad customer in file order is the one reported.
    let mut out = CltvFrame::empty(analysis_date, thresholds);
    for part in parts {
        let part = part?;
        out.rows.extend(part.rows);
        out.recency_weekly.extend(part.recency_weekly);
        out.t_weekly.extend(part.t_weekly);
        out.frequency.extend(part.frequency);
        out.monetary_avg.extend(part.monetary_avg);
    }
    Ok(out)
}

impl CltvFrame {
    fn empty(analysis_date: i32, thresholds: Vec<(f64, f64)>) -> Self {
        CltvFrame {
            analysis_date,
            rows: vec![],
            recency_weekly: vec![],
            t_weekly: vec![],
            frequency: vec![],
            monetary_avg: vec![],
            thresholds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_round_half_to_even() {
        // q1 = 0.01 and q3 = 0.99 of 0..=100 are 1 and 99: up = 99 + 1.5 * 98 = 246, low = -146.
        let v: Vec<f64> = (0..=100).map(f64::from).collect();
        assert_eq!(outlier_thresholds(&v), (-146.0, 246.0));
        assert_eq!(2.5f64.round_ties_even(), 2.0);
        assert_eq!(
            cap(&[1.0, 300.0, -200.0], -146.0, 246.0),
            vec![1.0, 246.0, -146.0]
        );
    }

    /// Made chunk by chunk on all cores: the rows in file order, and of two bad customers in
    /// different chunks the first in the file is the one reported.
    #[test]
    fn chunks_keep_file_order_and_report_the_first_bad_row() {
        use crate::core::io::schema::customers::{read_from, ReadOptions};
        let bytes = crate::core::synth::sample_bytes(150_000, 3);
        let mut frame = read_from(&bytes[..], "sample", &ReadOptions::default()).unwrap();
        let day = default_analysis_date(&frame).unwrap();
        let f = cltv_frame(&frame, Some(day), FrequencyDefinition::Orders, None).unwrap();
        assert!(f.rows.windows(2).all(|w| w[0] < w[1]));
        assert!(f.rows.len() > 100_000, "{} rows", f.rows.len());
        let (early, late) = (f.rows[5], f.rows[f.rows.len() - 5]);
        assert!(late - early > 2 << 16, "in different chunks");
        for i in [late, early] {
            frame.dates[0][i] = day + 1;
        }
        let err = cltv_frame(&frame, Some(day), FrequencyDefinition::Orders, None)
            .unwrap_err()
            .to_string();
        let at = format!("sample:{}:", frame.lines[early]);
        assert!(err.starts_with(&at), "{err}");
    }
}
