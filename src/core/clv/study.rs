//! The CLTV study as one call: the capped weekly frame, BG/NBD and Gamma-Gamma fits,
//! 3- and 6-month purchases, expected average value, CLV and CLV segments; and its table file.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::core::clv::gamma_gamma::{self, GammaGammaFit, GammaGammaParams};
use crate::core::clv::prepare::{cltv_frame, CltvFrame, FrequencyDefinition};
use crate::core::clv::purchases::{self, HorizonTable, PurchaseModel, Purchases, PurchasesFit};
use crate::core::clv::value::{
    clv_horizons, discount_divisors, period_factor, periods_of, total, Horizon,
};
use crate::core::error::{FloError, Result};
use crate::core::io::write::{Codes, Column, Format, Table};
use crate::core::numeric::quantile::{qcut, qcut_probabilities, Cut, DuplicateEdges};
use crate::core::numeric::stats::GroupSums;
use crate::core::rfm::summary::group_table;
use crate::core::table::customers::CustomerFrame;
use crate::core::watch::Watch;

#[derive(Debug, Clone)]
pub struct CltvOptions {
    pub analysis_date: Option<i32>,
    pub frequency: FrequencyDefinition,
    pub bg_penalizer: f64,
    pub gg_penalizer: f64,
    /// CLV horizon in months.
    pub months: usize,
    /// Monthly discount rate.
    pub discount_rate: f64,
    /// Number of CLV quantile segments (labelled `D, C, B, A` for 4, worst to best).
    pub segments: usize,
    /// Counts the study's steps done (see [`STUDY_STEPS`]) for a progress bar elsewhere, and
    /// can stop it: the fits stop at their next evaluation with [`FloError::Cancelled`].
    pub watch: Option<Arc<Watch>>,
}

/// The steps a watched study counts: the frame, the BG/NBD fit, the Gamma-Gamma fit, the
/// predictions and CLV.
pub const STUDY_STEPS: u64 = 4;

impl Default for CltvOptions {
    /// The standard study (6 months, 1 % a month, four segments).
    fn default() -> Self {
        CltvOptions {
            analysis_date: None,
            frequency: FrequencyDefinition::Orders,
            bg_penalizer: 0.001,
            gg_penalizer: 0.01,
            months: 6,
            discount_rate: 0.01,
            segments: 4,
            watch: None,
        }
    }
}

/// The study's results, one value per customer of the CLTV frame (`frame.rows` in the input).
#[derive(Debug, Clone)]
pub struct CltvStudy {
    pub frame: CltvFrame,
    pub purchases: PurchasesFit,
    pub spend: GammaGammaFit,
    pub exp_sales_3_month: Vec<f64>,
    pub exp_sales_6_month: Vec<f64>,
    pub exp_average_value: Vec<f64>,
    pub cltv: Vec<f64>,
    pub segment: Cut,
    /// Segment labels in bin order (worst first).
    pub labels: Vec<String>,
    /// The seconds each stage took, in order (see [`STAGES`]).
    pub stages: Vec<(&'static str, f64)>,
}

/// The study's stages, as [`CltvStudy::stages`] names them.
pub const STAGES: [&str; 5] = [
    "prepare",
    "BG/NBD fit",
    "Gamma-Gamma fit",
    "predictions and CLV",
    "segments",
];

/// Times the stages of a run one after the other.
struct Stopwatch {
    last: std::time::Instant,
    laps: Vec<(&'static str, f64)>,
}

impl Stopwatch {
    fn new() -> Self {
        Stopwatch {
            last: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        let now = std::time::Instant::now();
        self.laps.push((stage, (now - self.last).as_secs_f64()));
        self.last = now;
    }
}

impl CltvStudy {
    /// The table's eight number columns, in the table's order (`cltv.csv`).
    pub fn number_columns(&self) -> [&[f64]; 8] {
        let f = &self.frame;
        [
            &f.recency_weekly,
            &f.t_weekly,
            &f.frequency,
            &f.monetary_avg,
            &self.exp_sales_3_month,
            &self.exp_sales_6_month,
            &self.exp_average_value,
            &self.cltv,
        ]
    }

    /// Per CLV segment (bin order, worst first), the count and sum of each number column, as
    /// pandas' `groupby(cltv_segment, observed=False)` makes them.
    pub fn segment_summary(&self) -> Vec<GroupSums> {
        let rows: Vec<Option<usize>> = self
            .segment
            .codes
            .iter()
            .map(|&c| usize::try_from(c).ok())
            .collect();
        group_table(&rows, self.labels.len(), &self.number_columns())
    }
}

/// The labels for `n` CLV segments: letters from the best (`A`) down, listed worst first.
pub fn segment_labels(n: usize) -> Vec<String> {
    (0..n)
        .rev()
        .map(|i| {
            char::from_u32('A' as u32 + i as u32).map_or_else(|| format!("S{i}"), String::from)
        })
        .collect()
}

/// `model` units of weekly time in one month, 4.345 (52.14 weeks a year / 12).
fn weekly() -> f64 {
    period_factor("W").expect("weeks are a known unit")
}

pub fn cltv_study(frame: &CustomerFrame, o: &CltvOptions) -> Result<CltvStudy> {
    if o.months < 1 {
        return Err(FloError::invalid(format!(
            "time must be a whole number of months >= 1, got {}",
            o.months
        )));
    }
    let watch = o.watch.as_deref();
    let step = || {
        if let Some(w) = watch {
            w.step();
        }
    };
    let mut clock = Stopwatch::new();
    let f = cltv_frame(frame, o.analysis_date, o.frequency, None)?;
    step();
    clock.lap(STAGES[0]);
    let (x, t_x, t, m) = (
        &f.frequency,
        &f.recency_weekly,
        &f.t_weekly,
        &f.monetary_avg,
    );
    // One after the other: each fit uses every core, and each stage's time is its own.
    let purchases = purchases::fit(PurchaseModel::BgNbd, x, t_x, t, None, o.bg_penalizer, watch)?;
    step();
    clock.lap(STAGES[1]);
    let spend = gamma_gamma::fit(x, m, None, o.gg_penalizer, watch)?;
    step();
    clock.lap(STAGES[2]);
    let horizon = Horizon {
        months: o.months,
        discount: o.discount_rate,
        factor: weekly(),
    };
    let [exp_sales_3_month, exp_sales_6_month, exp_average_value, cltv] =
        predictions(&purchases.model, &spend.params, [x, t_x, t, m], horizon);
    step();
    clock.lap(STAGES[3]);
    let study_columns = [
        &f.recency_weekly,
        &f.t_weekly,
        &f.frequency,
        &f.monetary_avg,
        &exp_sales_3_month,
        &exp_sales_6_month,
        &exp_average_value,
        &cltv,
    ];
    check_finite(frame, &f, &study_columns, &purchases, &spend)?;
    let segment = qcut(
        &cltv,
        &qcut_probabilities(o.segments),
        DuplicateEdges::Raise,
        "values",
    )?;
    clock.lap(STAGES[4]);
    Ok(CltvStudy {
        frame: f,
        purchases,
        spend,
        exp_sales_3_month,
        exp_sales_6_month,
        exp_average_value,
        cltv,
        segment,
        labels: segment_labels(o.segments),
        stages: clock.laps,
    })
}

/// The study's predicted columns of customers `(x, t_x, t, m)` under fitted models: 3- and
/// 6-month purchases, expected average value and CLV. What a customer's horizons share is
/// computed once per customer (`History`), the 2F1 series once per distinct (x, T)
/// (`HorizonTable`).
pub fn predictions(
    model: &Purchases,
    spend: &GammaGammaParams,
    [x, t_x, t, m]: [&[f64]; 4],
    horizon: Horizon,
) -> [Vec<f64>; 4] {
    let (three, six) = (4.0 * 3.0, 4.0 * 6.0);
    let mut horizons = clv_horizons(horizon);
    horizons.extend([three, six]);
    let table = HorizonTable::new(model, x, t, &horizons);
    let divisors = discount_divisors(horizon);
    // Straight into the four columns (no table of rows to take apart afterwards).
    type Columns = ((Vec<f64>, Vec<f64>), (Vec<f64>, Vec<f64>));
    let ((three_month, six_month), (average_value, cltv)): Columns = (0..x.len())
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| {
            let history = model.history(x[i], t_x[i], t[i]);
            let value = spend.expected_average_profit(x[i], m[i]);
            let expected = |h: f64| table.expected_purchases(i, &history, h);
            (
                (expected(three), expected(six)),
                (
                    value,
                    total(periods_of(expected, value, horizon, &divisors)),
                ),
            )
        })
        .unzip();
    [three_month, six_month, average_value, cltv]
}

/// A customer whose prediction is not a number means the fit is unusable: say who and why.
fn check_finite(
    frame: &CustomerFrame,
    f: &CltvFrame,
    columns: &[&Vec<f64>],
    purchases: &PurchasesFit,
    spend: &GammaGammaFit,
) -> Result<()> {
    let bad: Vec<usize> = (0..f.rows.len())
        .filter(|&i| columns.iter().any(|c| !c[i].is_finite()))
        .collect();
    let Some(&first) = bad.first() else {
        return Ok(());
    };
    let [r, alpha, a, b] = purchases.model.params();
    let g = &spend.params;
    Err(FloError::Convergence(format!(
        "{} customer(s) got a non-finite prediction (first: {}); the fitted parameters are \
         {{'r': {r}, 'alpha': {alpha}, 'a': {a}, 'b': {b}}} and {{'p': {}, 'q': {}, 'v': {}}}. \
         Try larger penalizers.",
        bad.len(),
        frame.master_id.get(f.rows[first]),
        g.p,
        g.q,
        g.v
    )))
}

/// The CLTV table indexed by `master_id`, as `to_csv()` writes it.
pub fn cltv_table<'a>(frame: &'a CustomerFrame, s: &'a CltvStudy) -> Table<'a> {
    let f = &s.frame;
    Table::new(vec![
        (
            "master_id".into(),
            Column::text_at(&frame.master_id, &f.rows),
        ),
        (
            "recency_cltv_weekly".into(),
            Column::Float(&f.recency_weekly),
        ),
        ("T_weekly".into(), Column::Float(&f.t_weekly)),
        ("frequency".into(), Column::Float(&f.frequency)),
        ("monetary_cltv_avg".into(), Column::Float(&f.monetary_avg)),
        (
            "exp_sales_3_month".into(),
            Column::Float(&s.exp_sales_3_month),
        ),
        (
            "exp_sales_6_month".into(),
            Column::Float(&s.exp_sales_6_month),
        ),
        (
            "exp_average_value".into(),
            Column::Float(&s.exp_average_value),
        ),
        ("cltv".into(), Column::Float(&s.cltv)),
        (
            "cltv_segment".into(),
            Column::categorical(Codes::Bins(&s.segment.codes), &s.labels),
        ),
    ])
}

impl CltvStudy {
    /// Writes the study's table to `path`, atomically, never over the input file.
    pub fn write_table(&self, frame: &CustomerFrame, path: &Path, format: Format) -> Result<()> {
        let input = Path::new(&frame.source);
        format.write(path, &[input], &cltv_table(frame, self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::io::schema::customers::{read_from, ReadOptions};
    use crate::core::synth::sample_bytes;

    #[test]
    fn study_on_the_sample() {
        let bytes = sample_bytes(3_000, 5);
        let frame = read_from(&bytes[..], "sample", &ReadOptions::default()).unwrap();
        let s = cltv_study(&frame, &CltvOptions::default()).unwrap();
        let n = s.frame.rows.len();
        assert!(n > 1_000 && n <= 3_000);
        assert_eq!(s.cltv.len(), n);
        assert!(s.cltv.iter().all(|v| v.is_finite() && *v >= 0.0));
        assert_eq!(s.labels, ["D", "C", "B", "A"]);
        let stages: Vec<&str> = s.stages.iter().map(|(name, _)| *name).collect();
        assert_eq!(stages, STAGES);
        assert!(s.stages.iter().all(|(_, secs)| *secs >= 0.0));
        let text = String::from_utf8(cltv_table(&frame, &s).to_bytes()).unwrap();
        assert_eq!(text.lines().count(), n + 1);
        assert!(text.starts_with("master_id,recency_cltv_weekly,T_weekly,frequency,"));
    }
}
