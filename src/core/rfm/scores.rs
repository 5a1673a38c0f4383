//! Recency, frequency, monetary and their pandas-exact quantile scores.

use crate::core::error::{FloError, Result};
use crate::core::numeric::quantile::{
    qcut, qcut_probabilities, qcut_ranks, rank_first, Cut, DuplicateEdges,
};
use crate::core::numeric::versions::given_probabilities;
use crate::core::table::customers::{format_date, CustomerFrame, NULL_DATE};

/// Per-customer RFM metrics; null inputs give NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    pub analysis_date: i32,
    pub recency: Vec<f64>,
    pub frequency: Vec<f64>,
    pub monetary: Vec<f64>,
}

/// `max(last_order_date) + 2 days`: the default analysis date, so the most recent customer has
/// a recency of 2 days (no customer has 0).
pub fn default_analysis_date(frame: &CustomerFrame) -> Result<i32> {
    analysis_date_after(frame.max_last_order_date())
}

/// The default analysis date from the latest `last_order_date` (days since 1970-01-01) of
/// however many tables (the partitions of a distributed run).
pub fn analysis_date_after(latest: Option<i32>) -> Result<i32> {
    latest.map(|d| d + 2).ok_or_else(|| {
        FloError::invalid("no last_order_date to derive the analysis date from; pass analysis_date")
    })
}

pub fn metrics(frame: &CustomerFrame, analysis_date: Option<i32>) -> Result<Metrics> {
    let analysis_date = match analysis_date {
        Some(d) => {
            check_analysis_date(frame, d)?;
            d
        }
        None => default_analysis_date(frame)?,
    };
    let recency = frame.dates[1]
        .iter()
        .map(|&d| {
            if d == NULL_DATE {
                f64::NAN
            } else {
                (analysis_date - d) as f64
            }
        })
        .collect();
    Ok(Metrics {
        analysis_date,
        recency,
        frequency: frame.order_num_total(),
        monetary: frame.customer_value_total(),
    })
}

/// A given analysis date must not come before any customer's last order: recency would be
/// negative. The error counts such customers and names the first.
fn check_analysis_date(frame: &CustomerFrame, date: i32) -> Result<()> {
    let late: Vec<usize> = (0..frame.len())
        .filter(|&i| frame.dates[1][i] != NULL_DATE && frame.dates[1][i] > date)
        .collect();
    match late.first() {
        None => Ok(()),
        Some(&i) => Err(FloError::invalid(format!(
            "analysis_date {} is before the last order of {} customer(s); first: {}:{} (last_order_date {})",
            format_date(date),
            late.len(),
            frame.source,
            frame.lines[i],
            format_date(frame.dates[1][i]),
        ))),
    }
}

/// How to cut each metric into scores.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// The probabilities of the cut (`qcut_probabilities(q)` for an integer `q`).
    pub probabilities: Vec<f64>,
    pub duplicates: DuplicateEdges,
}

/// The scores' cut: `q` equal bins (pandas' `qcut(q)`), or the given `probabilities` (then
/// `q` is not read), as numpy sees them under the pandas rules that hold. `q = 0` is pandas'
/// error.
pub fn score_probabilities(q: usize, probabilities: Option<Vec<f64>>) -> Result<Vec<f64>> {
    match probabilities {
        Some(p) => Ok(given_probabilities(p)),
        None if q == 0 => Err(FloError::invalid("`q` should be a positive integer.")),
        None => Ok(qcut_probabilities(q)),
    }
}

impl ScoreOptions {
    /// `q` equal bins, or the cut's `probabilities` when given (then `q` is not read).
    pub fn new(
        q: usize,
        probabilities: Option<Vec<f64>>,
        duplicates: DuplicateEdges,
    ) -> Result<Self> {
        Ok(ScoreOptions {
            probabilities: score_probabilities(q, probabilities)?,
            duplicates,
        })
    }

    pub fn quantiles(q: usize) -> Self {
        ScoreOptions {
            probabilities: qcut_probabilities(q),
            duplicates: DuplicateEdges::Raise,
        }
    }
}

/// The three cuts. Codes are 0-based bins in ascending order of the cut value; the standard labels
/// recency bins in reverse (`labels=[5, 4, 3, 2, 1]`), which the caller applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub recency: Cut,
    /// Cut of `frequency.rank(method="first")`, so ties get distinct ranks and `qcut` finds unique edges.
    pub frequency: Cut,
    pub monetary: Cut,
}

pub fn scores(m: &Metrics, opts: &ScoreOptions) -> Result<Scores> {
    let (p, d) = (&opts.probabilities, opts.duplicates);
    // The three cuts are independent: on all cores at once.
    let (recency, (frequency, monetary)) = rayon::join(
        || qcut(&m.recency, p, d, "recency"),
        || {
            rayon::join(
                || qcut_ranks(&rank_first(&m.frequency), p, d, "frequency rank"),
                || qcut(&m.monetary, p, d, "monetary"),
            )
        },
    );
    Ok(Scores {
        recency: recency?,
        frequency: frequency?,
        monetary: monetary?,
    })
}

/// The label of each bin as text, in bin order.
#[derive(Debug, Clone)]
pub struct Labels {
    pub recency: Vec<String>,
    pub frequency: Vec<String>,
    pub monetary: Vec<String>,
}

impl Labels {
    /// The standard labels: recency `q..1` (recent is best), frequency and monetary `1..q`.
    pub fn standard(bins: usize) -> Labels {
        let up: Vec<String> = (1..=bins).map(|i| i.to_string()).collect();
        Labels {
            recency: up.iter().rev().cloned().collect(),
            frequency: up.clone(),
            monetary: up,
        }
    }

    fn check(&self, s: &Scores) -> Result<()> {
        for (name, labels, cut) in [
            ("recency", &self.recency, &s.recency),
            ("frequency", &self.frequency, &s.frequency),
            ("monetary", &self.monetary, &s.monetary),
        ] {
            if labels.len() != cut.bins() {
                return Err(FloError::invalid(format!(
                    "Bin labels must be one fewer than the number of bin edges ({name}: {} labels for {} bins)",
                    labels.len(),
                    cut.bins()
                )));
            }
        }
        Ok(())
    }
}

/// Score strings dictionary-encoded: each row holds a code into `levels` or `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreStrings {
    pub levels: Vec<String>,
    pub codes: Vec<Option<u32>>,
}

/// `RF_SCORE` (recency label + frequency label) and `RFM_SCORE` (+ monetary label).
/// A row with any null score gets no string.
pub fn score_strings(s: &Scores, labels: &Labels) -> Result<(ScoreStrings, ScoreStrings)> {
    labels.check(s)?;
    let (nr, nf, nm) = (
        labels.recency.len(),
        labels.frequency.len(),
        labels.monetary.len(),
    );
    let mut rf_levels = Vec::with_capacity(nr * nf);
    let mut rfm_levels = Vec::with_capacity(nr * nf * nm);
    for r in &labels.recency {
        for f in &labels.frequency {
            rf_levels.push(format!("{r}{f}"));
            for m in &labels.monetary {
                rfm_levels.push(format!("{r}{f}{m}"));
            }
        }
    }
    let n = s.recency.codes.len();
    let mut rf = Vec::with_capacity(n);
    let mut rfm = Vec::with_capacity(n);
    for i in 0..n {
        let (r, f, m) = (
            s.recency.codes[i],
            s.frequency.codes[i],
            s.monetary.codes[i],
        );
        let rf_code = (r >= 0 && f >= 0).then(|| (r as usize * nf + f as usize) as u32);
        rf.push(rf_code);
        rfm.push(rf_code.filter(|_| m >= 0).map(|c| c * nm as u32 + m as u32));
    }
    Ok((
        ScoreStrings {
            levels: rf_levels,
            codes: rf,
        },
        ScoreStrings {
            levels: rfm_levels,
            codes: rfm,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_follow_labels() {
        let cut = |codes: Vec<i32>| Cut {
            edges: vec![0.0, 1.0, 2.0],
            codes,
        };
        let s = Scores {
            recency: cut(vec![0, 1, -1]),
            frequency: cut(vec![1, 0, 0]),
            monetary: cut(vec![0, 1, 1]),
        };
        let (rf, rfm) = score_strings(&s, &Labels::standard(2)).unwrap();
        let text = |x: &ScoreStrings, i: usize| x.codes[i].map(|c| x.levels[c as usize].clone());
        assert_eq!(text(&rf, 0).as_deref(), Some("22"));
        assert_eq!(text(&rfm, 1).as_deref(), Some("112"));
        assert_eq!(text(&rf, 2), None);
        assert!(score_strings(&s, &Labels::standard(3)).is_err());
    }
}
