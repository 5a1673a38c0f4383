//! A segmentation scheme you can keep: the score cut points as thresholds on the metrics'
//! values, learned from one snapshot or given by hand, applied to any other.
//!
//! Bins are right-closed, as pandas' `cut`: a value goes above a threshold when it is greater
//! than it; the lowest and highest bins are open, so a later snapshot's extremes still score.
//! Learned from a snapshot, a scheme reproduces that snapshot's `qcut` scores exactly: recency
//! and monetary cut at their quantile edges, and frequency (cut on `rank(method="first")`) at
//! the value where its rank edge falls, with the number of customers of that value that stay
//! below when the edge splits a run of equal values (the first ones in input order, as the
//! ranks have it).

use crate::core::error::{FloError, Result};
use crate::core::numeric::quantile::Cut;
use crate::core::rfm::scores::{Metrics, Scores};

/// One boundary between two neighbouring bins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    /// Values above it go to the upper bin; values below, to the lower.
    pub value: f64,
    /// Values equal to it: `None`, all stay below (right-closed); `Some(k)`, the first `k` of
    /// them in input order stay below and the rest go above.
    pub ties_below: Option<u64>,
}

/// A metric's thresholds in ascending order: `thresholds.len() + 1` bins.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricScheme {
    pub thresholds: Vec<Threshold>,
}

impl MetricScheme {
    /// Thresholds given by hand: ascending values, all right-closed.
    pub fn given(values: &[f64], metric: &str) -> Result<MetricScheme> {
        let parts: Vec<(f64, Option<u64>)> = values.iter().map(|&v| (v, None)).collect();
        MetricScheme::from_parts(&parts, metric)
    }

    /// Thresholds as saved: (value, ties below), values ascending (a value may repeat after a
    /// tie count, as rank edges inside one run of equal values do).
    pub fn from_parts(parts: &[(f64, Option<u64>)], metric: &str) -> Result<MetricScheme> {
        if parts.iter().any(|(v, _)| v.is_nan()) {
            return Err(FloError::invalid(format!("a {metric} threshold is NaN")));
        }
        // Equal values are two rank edges inside one run of equal values: the later keeps at
        // least as many below (`None`, all of them); an empty bin between them is possible.
        let ties = |t: Option<u64>| t.unwrap_or(u64::MAX);
        let rising = parts.windows(2).all(|w| {
            let ((a, i), (b, j)) = (w[0], w[1]);
            a < b || (a == b && i.is_some() && ties(i) <= ties(j))
        });
        if !rising {
            let values: Vec<f64> = parts.iter().map(|p| p.0).collect();
            return Err(FloError::invalid(format!(
                "{metric} thresholds must increase, got {values:?}"
            )));
        }
        Ok(MetricScheme {
            thresholds: parts
                .iter()
                .map(|&(value, ties_below)| Threshold { value, ties_below })
                .collect(),
        })
    }

    /// The thresholds as (value, ties below).
    pub fn parts(&self) -> Vec<(f64, Option<u64>)> {
        self.thresholds
            .iter()
            .map(|t| (t.value, t.ties_below))
            .collect()
    }

    /// The thresholds of a `qcut` on the values: its inner edges (the outer ones are the
    /// values' minimum and maximum, which the open end bins contain anyway).
    pub fn from_value_cut(cut: &Cut) -> MetricScheme {
        let inner = match cut.edges.len() {
            0..=2 => &[][..],
            n => &cut.edges[1..n - 1],
        };
        MetricScheme {
            thresholds: inner
                .iter()
                .map(|&value| Threshold {
                    value,
                    ties_below: None,
                })
                .collect(),
        }
    }

    /// The thresholds of a `qcut` on `values.rank(method="first")`: each inner rank edge `e`
    /// keeps the ranks up to `floor(e)` below, i.e. the values up to the one at that rank and,
    /// of the values equal to it, as many as precede that rank.
    pub fn from_rank_cut(cut: &Cut, values: &[f64]) -> MetricScheme {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        sorted.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
        let m = sorted.len();
        let inner = match cut.edges.len() {
            0..=2 => &[][..],
            n => &cut.edges[1..n - 1],
        };
        let thresholds = inner
            .iter()
            .map(|&edge| {
                let below = (edge.floor().max(0.0) as usize).min(m);
                if below == 0 {
                    // Every rank is above the edge.
                    let lowest = sorted.first().copied().unwrap_or(0.0);
                    return Threshold {
                        value: lowest,
                        ties_below: Some(0),
                    };
                }
                let value = sorted[below - 1];
                let straddles = below < m && sorted[below] == value;
                let first_equal = sorted.partition_point(|&v| v < value);
                Threshold {
                    value,
                    ties_below: straddles.then(|| (below - first_equal) as u64),
                }
            })
            .collect();
        MetricScheme { thresholds }
    }

    /// Each value's bin (0-based, ascending), -1 for a missing value.
    pub fn codes(&self, values: &[f64]) -> Vec<i32> {
        // How many values equal to each threshold have been seen, in input order.
        let mut seen = vec![0u64; self.thresholds.len()];
        values
            .iter()
            .map(|&v| {
                if v.is_nan() {
                    return -1;
                }
                let mut bin = 0;
                for (t, count) in self.thresholds.iter().zip(seen.iter_mut()) {
                    let above = match t.ties_below {
                        _ if v != t.value => v > t.value,
                        None => false,
                        Some(k) => {
                            *count += 1;
                            *count > k
                        }
                    };
                    bin += i32::from(above);
                }
                bin
            })
            .collect()
    }

    /// The cut this scheme makes of `values`; its edges are the thresholds between open ends.
    pub fn cut(&self, values: &[f64]) -> Cut {
        let mut edges = Vec::with_capacity(self.thresholds.len() + 2);
        edges.push(f64::NEG_INFINITY);
        edges.extend(self.thresholds.iter().map(|t| t.value));
        edges.push(f64::INFINITY);
        Cut {
            edges,
            codes: self.codes(values),
        }
    }

    pub fn bins(&self) -> usize {
        self.thresholds.len() + 1
    }
}

/// The three metrics' schemes.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheme {
    pub recency: MetricScheme,
    pub frequency: MetricScheme,
    pub monetary: MetricScheme,
}

impl Scheme {
    /// A scheme as saved: per metric (recency, frequency, monetary), thresholds as (value, ties
    /// below); see [`MetricScheme::from_parts`].
    pub fn from_parts(parts: &[Vec<(f64, Option<u64>)>; 3]) -> Result<Scheme> {
        let [r, f, m] = parts;
        Ok(Scheme {
            recency: MetricScheme::from_parts(r, "recency")?,
            frequency: MetricScheme::from_parts(f, "frequency")?,
            monetary: MetricScheme::from_parts(m, "monetary")?,
        })
    }

    /// The scheme as saved, per metric.
    pub fn parts(&self) -> [Vec<(f64, Option<u64>)>; 3] {
        [
            self.recency.parts(),
            self.frequency.parts(),
            self.monetary.parts(),
        ]
    }

    /// The scheme that reproduces `scores` on the `metrics` they were cut from.
    pub fn learned(metrics: &Metrics, scores: &Scores) -> Scheme {
        Scheme {
            recency: MetricScheme::from_value_cut(&scores.recency),
            frequency: MetricScheme::from_rank_cut(&scores.frequency, &metrics.frequency),
            monetary: MetricScheme::from_value_cut(&scores.monetary),
        }
    }

    /// The scores of other metrics under this scheme.
    pub fn scores(&self, metrics: &Metrics) -> Scores {
        Scores {
            recency: self.recency.cut(&metrics.recency),
            frequency: self.frequency.cut(&metrics.frequency),
            monetary: self.monetary.cut(&metrics.monetary),
        }
    }
}

#[cfg(test)]
mod tests;
