//! One table per customer: the RFM table joined with the CLTV study's predictions. Every
//! customer of the file is a row; those the CLTV study leaves out (its frame keeps customers
//! with more than one order, after the outlier caps) get empty CLV cells and the reason.

use std::path::Path;

use rayon::prelude::*;

use crate::core::clv::study::CltvStudy;
use crate::core::error::{FloError, Result};
use crate::core::io::write::{Codes, Column, Format, Table};
use crate::core::rfm::study::rfm_columns;
use crate::core::rfm::table::RfmTable;
use crate::core::table::customers::CustomerFrame;

/// Why the CLTV study left a customer out (`clv_reason`), by code. The study keeps customers
/// whose order total, after capping the two order columns at their outlier thresholds, is
/// above one (`frequency > 1`); the reason reads the customer's own order total.
pub const REASONS: [&str; 4] = [
    "missing order count",
    "no orders",
    "one order",
    "one order or fewer after outlier capping",
];

/// The CLV columns over every customer of the frame, in its order: NaN (and segment code -1)
/// where the study left the customer out, whose `reason` says why (`None` when included).
#[derive(Debug, Clone)]
pub struct ClvColumns {
    pub p_alive: Vec<f64>,
    pub exp_sales_3_month: Vec<f64>,
    pub exp_sales_6_month: Vec<f64>,
    pub exp_average_value: Vec<f64>,
    pub cltv: Vec<f64>,
    /// Bin codes into the study's segment labels (worst first); -1 when left out.
    pub segment: Vec<i32>,
    /// Codes into [`REASONS`]; `None` when included.
    pub reason: Vec<Option<u32>>,
}

/// The column names the CLV part of the table has, in order.
pub const CLV_NAMES: [&str; 7] = [
    "p_alive",
    "exp_sales_3_month",
    "exp_sales_6_month",
    "exp_average_value",
    "cltv",
    "cltv_segment",
    "clv_reason",
];

impl ClvColumns {
    /// The five float columns, in the table's order.
    pub fn numbers(&self) -> [&[f64]; 5] {
        [
            &self.p_alive,
            &self.exp_sales_3_month,
            &self.exp_sales_6_month,
            &self.exp_average_value,
            &self.cltv,
        ]
    }
}

/// The study's columns spread over all customers of `frame` (the frame the study ran on), with
/// P(alive at T) from the fitted purchase model and the reason of each customer left out.
pub fn clv_columns(frame: &CustomerFrame, s: &CltvStudy) -> Result<ClvColumns> {
    let n = frame.len();
    let f = &s.frame;
    if f.rows.last().is_some_and(|&r| r >= n) {
        return Err(FloError::invalid(
            "the CLTV study was run on another customer table".to_string(),
        ));
    }
    let model = &s.purchases.model;
    let p_alive: Vec<f64> = (0..f.rows.len())
        .into_par_iter()
        .with_min_len(1024)
        .map(|k| model.probability_alive(f.frequency[k], f.recency_weekly[k], f.t_weekly[k]))
        .collect();
    let spread = |values: &[f64]| {
        let mut out = vec![f64::NAN; n];
        for (&r, &v) in f.rows.iter().zip(values) {
            out[r] = v;
        }
        out
    };
    let mut segment = vec![-1i32; n];
    let mut included = vec![false; n];
    for (&r, &c) in f.rows.iter().zip(&s.segment.codes) {
        segment[r] = c;
        included[r] = true;
    }
    let (online, offline) = (&frame.counts[0], &frame.counts[1]);
    let reason: Vec<Option<u32>> = (0..n)
        .into_par_iter()
        .with_min_len(4096)
        .map(|i| {
            if included[i] {
                return None;
            }
            let orders = online[i] + offline[i];
            Some(if orders.is_nan() {
                0
            } else if orders == 0.0 {
                1
            } else if orders <= 1.0 {
                2
            } else {
                3
            })
        })
        .collect();
    Ok(ClvColumns {
        p_alive: spread(&p_alive),
        exp_sales_3_month: spread(&s.exp_sales_3_month),
        exp_sales_6_month: spread(&s.exp_sales_6_month),
        exp_average_value: spread(&s.exp_average_value),
        cltv: spread(&s.cltv),
        segment,
        reason,
    })
}

/// The customer table indexed by `master_id`: the rfm table's columns, then [`CLV_NAMES`].
pub fn customer_table<'a>(
    frame: &'a CustomerFrame,
    rfm: &'a RfmTable,
    clv: &'a ClvColumns,
    labels: &'a [String],
) -> Table<'a> {
    let mut t = rfm_columns(frame, rfm);
    for (name, values) in CLV_NAMES.iter().zip(clv.numbers()) {
        t.columns.push((name.to_string(), Column::Float(values)));
    }
    t.columns.push((
        CLV_NAMES[5].into(),
        Column::categorical(Codes::Bins(&clv.segment), labels),
    ));
    t.columns.push((
        CLV_NAMES[6].into(),
        Column::coded_text(Codes::Optional(&clv.reason), &REASONS),
    ));
    t
}

/// Writes the customer table to `path`, atomically, never over the input file.
pub fn write_customer_table(
    frame: &CustomerFrame,
    rfm: &RfmTable,
    clv: &ClvColumns,
    labels: &[String],
    path: &Path,
    format: Format,
) -> Result<()> {
    let input = Path::new(&frame.source);
    format.write(path, &[input], &customer_table(frame, rfm, clv, labels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clv::study::{cltv_study, CltvOptions};
    use crate::core::io::schema::customers::{read_from, ReadOptions};
    use crate::core::rfm::table::{rfm_table, RfmConfig};
    use crate::core::synth::sample_bytes;

    #[test]
    fn every_customer_once_with_the_study_at_its_rows() {
        let bytes = sample_bytes(3_000, 5);
        let mut frame = read_from(&bytes[..], "sample", &ReadOptions::default()).unwrap();
        // The sample's customers all have two orders or more: make some with fewer.
        for (i, (online, offline)) in [(1.0, 0.0), (0.0, 1.0), (0.0, 0.0), (f64::NAN, 3.0)]
            .into_iter()
            .enumerate()
        {
            frame.counts[0][i] = online;
            frame.counts[1][i] = offline;
        }
        let s = cltv_study(&frame, &CltvOptions::default()).unwrap();
        let rfm = rfm_table(&frame, &RfmConfig::default()).unwrap();
        let clv = clv_columns(&frame, &s).unwrap();
        let kept = s.frame.rows.len();
        assert_eq!(kept, frame.len() - 4);
        assert_eq!(clv.reason[..5], [Some(2), Some(2), Some(1), Some(0), None]);
        assert_eq!(clv.reason.iter().filter(|r| r.is_none()).count(), kept);
        for (k, &r) in s.frame.rows.iter().enumerate() {
            assert_eq!(clv.cltv[r].to_bits(), s.cltv[k].to_bits());
            assert!((0.0..=1.0).contains(&clv.p_alive[r]));
        }
        let mut left_out = (0..frame.len()).filter(|&i| clv.reason[i].is_some());
        assert!(left_out.all(|i| clv.cltv[i].is_nan() && clv.segment[i] == -1));
        let text =
            String::from_utf8(customer_table(&frame, &rfm, &clv, &s.labels).to_bytes()).unwrap();
        assert_eq!(text.lines().count(), frame.len() + 1);
        assert!(text
            .lines()
            .next()
            .unwrap()
            .ends_with(",segment,p_alive,exp_sales_3_month,exp_sales_6_month,exp_average_value,cltv,cltv_segment,clv_reason"));
    }
}
