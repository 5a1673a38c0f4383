//! The RFM table, chained: metrics, scores, score strings, segments, the segment summary and targets.

use crate::core::choice::Choice;
use crate::core::error::Result;
use crate::core::numeric::stats::GroupSums;
use crate::core::rfm::rules::{select, TargetRule};
use crate::core::rfm::scores::{
    metrics, score_strings, scores, Labels, Metrics, ScoreOptions, ScoreStrings, Scores,
};
use crate::core::rfm::segments::{segment_levels, SegmentMap};
use crate::core::rfm::summary::{group_table, sorted_groups};
use crate::core::table::customers::CustomerFrame;

/// Which score string the segment map reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentOn {
    RfScore,
    RfmScore,
}

impl Choice for SegmentOn {
    const OPTION: &'static str = "segment_on";
    const WORDS: &'static [(&'static str, Self)] = &[
        ("RF_SCORE", SegmentOn::RfScore),
        ("RFM_SCORE", SegmentOn::RfmScore),
    ];
}

#[derive(Debug, Clone)]
pub struct RfmConfig {
    pub analysis_date: Option<i32>,
    pub scores: ScoreOptions,
    /// `None`: the standard labels for however many bins the cut has (see [`Labels::standard`]).
    pub labels: Option<Labels>,
    pub segment_map: SegmentMap,
    pub segment_on: SegmentOn,
}

impl Default for RfmConfig {
    fn default() -> Self {
        RfmConfig {
            analysis_date: None,
            scores: ScoreOptions::quantiles(5),
            labels: None,
            segment_map: SegmentMap::standard(),
            segment_on: SegmentOn::RfScore,
        }
    }
}

/// The RFM table (metrics, scores, score strings, segment), column by column.
#[derive(Debug, Clone)]
pub struct RfmTable {
    pub metrics: Metrics,
    pub scores: Scores,
    pub labels: Labels,
    pub rf_score: ScoreStrings,
    pub rfm_score: ScoreStrings,
    pub segment: ScoreStrings,
}

/// Per segment (sorted by name): mean and count of recency, frequency, monetary.
#[derive(Debug, Clone)]
pub struct SegmentSummary {
    pub segments: Vec<String>,
    pub recency: GroupSums,
    pub frequency: GroupSums,
    pub monetary: GroupSums,
}

pub fn rfm_table(frame: &CustomerFrame, config: &RfmConfig) -> Result<RfmTable> {
    let metrics = metrics(frame, config.analysis_date)?;
    let scores = scores(&metrics, &config.scores)?;
    rfm_table_from(metrics, scores, config)
}

/// The table from metrics and scores found elsewhere (e.g. with edges over all partitions of a
/// distributed table): labels, score strings and segments as `rfm_table` makes them.
pub fn rfm_table_from(metrics: Metrics, scores: Scores, config: &RfmConfig) -> Result<RfmTable> {
    let labels = config.labels.clone().unwrap_or_else(|| {
        Labels::standard(
            scores
                .recency
                .bins()
                .max(scores.frequency.bins())
                .max(scores.monetary.bins()),
        )
    });
    let (rf_score, rfm_score) = score_strings(&scores, &labels)?;
    let on = match config.segment_on {
        SegmentOn::RfScore => &rf_score,
        SegmentOn::RfmScore => &rfm_score,
    };
    let segment = name_segments(on, &config.segment_map);
    Ok(RfmTable {
        metrics,
        scores,
        labels,
        rf_score,
        rfm_score,
        segment,
    })
}

/// Maps each distinct score string once, then re-encodes rows by distinct segment name.
fn name_segments(scores: &ScoreStrings, map: &SegmentMap) -> ScoreStrings {
    let names = segment_levels(map, &scores.levels);
    let mut levels: Vec<String> = Vec::new();
    let remap: Vec<u32> = names
        .iter()
        .map(|n| match levels.iter().position(|l| l == n) {
            Some(p) => p as u32,
            None => {
                levels.push(n.clone());
                (levels.len() - 1) as u32
            }
        })
        .collect();
    ScoreStrings {
        codes: scores
            .codes
            .iter()
            .map(|c| c.map(|c| remap[c as usize]))
            .collect(),
        levels,
    }
}

impl RfmTable {
    pub fn segment_summary(&self) -> SegmentSummary {
        let (names, rows) = sorted_groups(&self.segment.codes, &self.segment.levels);
        let m = &self.metrics;
        let mut t =
            group_table(&rows, names.len(), &[&m.recency, &m.frequency, &m.monetary]).into_iter();
        SegmentSummary {
            segments: names.into_iter().map(String::from).collect(),
            recency: t.next().unwrap(),
            frequency: t.next().unwrap(),
            monetary: t.next().unwrap(),
        }
    }

    pub fn select(&self, frame: &CustomerFrame, rule: &TargetRule) -> Vec<usize> {
        select(
            &frame.categories,
            &self.metrics,
            &self.segment.codes,
            &self.segment.levels,
            rule,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::io::schema::customers::{read_from, ReadOptions};
    use crate::core::rfm::rules::{discount_rule, CategoryMatch};
    use crate::core::synth::sample_bytes;

    #[test]
    fn sample_runs_end_to_end() {
        let bytes = sample_bytes(3_000, 1);
        let frame = read_from(&bytes[..], "sample", &ReadOptions::default()).unwrap();
        let t = rfm_table(&frame, &RfmConfig::default()).unwrap();
        let s = t.segment_summary();
        assert_eq!(s.segments.len(), 10, "{:?}", s.segments);
        let total: u64 = s.recency.count.iter().sum();
        assert_eq!(total, 3_000);
        let sub = t.select(&frame, &discount_rule(CategoryMatch::Substring));
        let tok = t.select(&frame, &discount_rule(CategoryMatch::Token));
        assert!(tok.len() <= sub.len() && !tok.is_empty());
    }
}
