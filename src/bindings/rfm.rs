//! The RFM table as a Python object: arrays out, summaries and target selection.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use super::errors::{choice, run, to_py};
use crate::core::choice::Choice;
use crate::core::io::write::Format;
use crate::core::numeric::quantile::Cut;
use crate::core::rfm::rules::{discount_rule, new_brand_rule};
use crate::core::rfm::rules::{
    Bound as MetricBound, CategoryMatch, CategoryRule, Combine, Metric, TargetRule,
};
use crate::core::rfm::scheme::Scheme;
use crate::core::rfm::scores::Labels;
use crate::core::rfm::scores::ScoreStrings;
use crate::core::rfm::segments::SegmentMap;
use crate::core::rfm::study::{rfm_columns, standard_targets, write_rfm_study, RfmFiles};
use crate::core::rfm::table::{RfmConfig, RfmTable, SegmentOn};
use crate::core::table::customers::CustomerFrame;

/// A metric bound as Python passes it: (metric, min, max, min inclusive, max inclusive).
type BoundData = (String, Option<f64>, Option<f64>, bool, bool);

/// A campaign rule as data: (segments, categories, match, combine, bounds).
type RuleData = (
    Option<Vec<String>>,
    Option<Vec<String>>,
    &'static str,
    &'static str,
    Vec<BoundData>,
);

fn rule_data(rule: &TargetRule) -> RuleData {
    let (categories, matching, combine) = match &rule.categories {
        Some(c) => (
            Some(c.categories.clone()),
            c.matching.word(),
            c.combine.word(),
        ),
        None => (None, CategoryMatch::Substring.word(), Combine::Any.word()),
    };
    let bounds = rule
        .bounds
        .iter()
        .map(|b| {
            (
                b.metric.word().to_string(),
                b.min,
                b.max,
                b.min_inclusive,
                b.max_inclusive,
            )
        })
        .collect();
    (rule.segments.clone(), categories, matching, combine, bounds)
}

/// The two standard campaign rules (new brand, discount) as data, as the core applies them.
#[pyfunction]
#[pyo3(signature = (match_="substring"))]
fn standard_rules(match_: &str) -> PyResult<[RuleData; 2]> {
    let matching = choice::<CategoryMatch>(match_)?;
    Ok([
        rule_data(&new_brand_rule(matching)),
        rule_data(&discount_rule(matching)),
    ])
}

/// Checks a scheme's thresholds (per metric, (value, ties below), rising) and segment map.
#[pyfunction]
fn check_scheme(
    thresholds: [Vec<(f64, Option<u64>)>; 3],
    segment_map: Vec<(String, String)>,
) -> PyResult<()> {
    Scheme::from_parts(&thresholds).map_err(to_py)?;
    SegmentMap::new(&segment_map).map_err(to_py)?;
    Ok(())
}

/// The labels, segment map and score string the map reads, as `rfm` takes them.
pub(super) fn naming(
    labels: Option<[Vec<String>; 3]>,
    segment_map: Option<Vec<(String, String)>>,
    segment_on: &str,
) -> PyResult<RfmConfig> {
    let segment_on = choice::<SegmentOn>(segment_on)?;
    let segment_map = match segment_map {
        None => SegmentMap::standard(),
        Some(rules) => SegmentMap::new(&rules).map_err(to_py)?,
    };
    Ok(RfmConfig {
        labels: labels.map(|[recency, frequency, monetary]| Labels {
            recency,
            frequency,
            monetary,
        }),
        segment_map,
        segment_on,
        ..RfmConfig::default()
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(standard_rules, m)?)?;
    m.add_function(wrap_pyfunction!(check_scheme, m)?)?;
    Ok(())
}

#[pyclass(frozen, module = "flo_rfm._flo_rfm")]
pub struct Rfm {
    pub frame: Arc<CustomerFrame>,
    pub inner: RfmTable,
}

type Codes<'py> = Bound<'py, PyArray1<i64>>;

fn strings<'py>(py: Python<'py>, s: &ScoreStrings) -> (Codes<'py>, Vec<String>) {
    (
        PyArray1::from_iter(py, s.codes.iter().map(|c| c.map_or(-1, |c| c as i64))),
        s.levels.clone(),
    )
}

fn cut<'py>(py: Python<'py>, c: &Cut) -> (Codes<'py>, Bound<'py, PyArray1<f64>>) {
    (
        PyArray1::from_iter(py, c.codes.iter().map(|&c| c as i64)),
        PyArray1::from_slice(py, &c.edges),
    )
}

#[pymethods]
impl Rfm {
    #[getter]
    fn analysis_date(&self) -> i32 {
        self.inner.metrics.analysis_date
    }

    /// (recency, frequency, monetary) as float64 arrays.
    #[allow(clippy::type_complexity)]
    fn metrics<'py>(
        &self,
        py: Python<'py>,
    ) -> (
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
    ) {
        let m = &self.inner.metrics;
        (
            PyArray1::from_slice(py, &m.recency),
            PyArray1::from_slice(py, &m.frequency),
            PyArray1::from_slice(py, &m.monetary),
        )
    }

    /// Per metric: (bin codes with -1 for null, edges, labels).
    #[allow(clippy::type_complexity)]
    fn cuts<'py>(
        &self,
        py: Python<'py>,
    ) -> Vec<(Codes<'py>, Bound<'py, PyArray1<f64>>, Vec<String>)> {
        let s = &self.inner.scores;
        let l = &self.inner.labels;
        [
            (&s.recency, &l.recency),
            (&s.frequency, &l.frequency),
            (&s.monetary, &l.monetary),
        ]
        .into_iter()
        .map(|(c, labels)| {
            let (codes, edges) = cut(py, c);
            (codes, edges, labels.clone())
        })
        .collect()
    }

    /// The bin edges of recency, frequency (of its first-rank) and monetary.
    fn edges<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray1<f64>>> {
        let s = &self.inner.scores;
        [&s.recency, &s.frequency, &s.monetary]
            .into_iter()
            .map(|c| PyArray1::from_slice(py, &c.edges))
            .collect()
    }

    /// The scheme that gives these scores back: per metric, thresholds as (value, ties below).
    fn scheme(&self) -> [Vec<(f64, Option<u64>)>; 3] {
        Scheme::learned(&self.inner.metrics, &self.inner.scores).parts()
    }

    /// The labels of each cut's bins, in bin order (recency, frequency, monetary).
    fn labels(&self) -> [Vec<String>; 3] {
        let l = &self.inner.labels;
        [l.recency.clone(), l.frequency.clone(), l.monetary.clone()]
    }

    fn rf_score<'py>(&self, py: Python<'py>) -> (Codes<'py>, Vec<String>) {
        strings(py, &self.inner.rf_score)
    }

    fn rfm_score<'py>(&self, py: Python<'py>) -> (Codes<'py>, Vec<String>) {
        strings(py, &self.inner.rfm_score)
    }

    fn segment<'py>(&self, py: Python<'py>) -> (Codes<'py>, Vec<String>) {
        strings(py, &self.inner.segment)
    }

    /// (segments, [(mean, count) for recency, frequency, monetary]).
    #[allow(clippy::type_complexity)]
    fn segment_summary(&self) -> (Vec<String>, Vec<(Vec<f64>, Vec<u64>)>) {
        let s = self.inner.segment_summary();
        let cols = [&s.recency, &s.frequency, &s.monetary]
            .into_iter()
            .map(|g| (g.mean(), g.count.clone()))
            .collect();
        (s.segments, cols)
    }

    /// Writes the study's files (rfm table, segment summary, both target lists with `match_`,
    /// and the prepared table if asked) into `out_dir`; returns (name, path) pairs.
    #[pyo3(signature = (out_dir, match_="substring", prepared=false, format="csv"))]
    fn write_study(
        &self,
        py: Python<'_>,
        out_dir: PathBuf,
        match_: &str,
        prepared: bool,
        format: &str,
    ) -> PyResult<Vec<(&'static str, PathBuf)>> {
        let matching = choice::<CategoryMatch>(match_)?;
        let format = Format::parse(format).map_err(to_py)?;
        run(py, || {
            let t = &self.inner;
            let summary = t.segment_summary();
            let [a, b] = standard_targets(&self.frame, t, matching);
            write_rfm_study(
                &self.frame,
                t,
                &summary,
                [&a, &b],
                &out_dir,
                RfmFiles { prepared, format },
            )
        })
    }

    /// The rfm table (with `master_id`) as an Arrow C stream.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        super::arrow::stream(py, &rfm_columns(&self.frame, &self.inner))
    }

    /// Row numbers of the two standard campaign target lists (new brand, discount), in input order.
    #[pyo3(signature = (match_="substring"))]
    fn standard_targets<'py>(
        &self,
        py: Python<'py>,
        match_: &str,
    ) -> PyResult<[Bound<'py, PyArray1<u64>>; 2]> {
        let matching = choice::<CategoryMatch>(match_)?;
        let [a, b] = py.detach(|| standard_targets(&self.frame, &self.inner, matching));
        let rows = |r: Vec<usize>| PyArray1::from_iter(py, r.into_iter().map(|i| i as u64));
        Ok([rows(a), rows(b)])
    }

    /// Row numbers of the customers that meet every condition, in input order.
    #[pyo3(signature = (segments=None, categories=None, match_="substring", combine="any", bounds=vec![]))]
    fn select<'py>(
        &self,
        py: Python<'py>,
        segments: Option<Vec<String>>,
        categories: Option<Vec<String>>,
        match_: &str,
        combine: &str,
        bounds: Vec<BoundData>,
    ) -> PyResult<Bound<'py, PyArray1<u64>>> {
        let matching = choice::<CategoryMatch>(match_)?;
        let combine = choice::<Combine>(combine)?;
        let bounds = bounds
            .into_iter()
            .map(|(name, min, max, min_inclusive, max_inclusive)| {
                Ok(MetricBound {
                    metric: choice::<Metric>(&name)?,
                    min,
                    max,
                    min_inclusive,
                    max_inclusive,
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let rule = TargetRule {
            segments,
            categories: categories.map(|categories| CategoryRule {
                categories,
                matching,
                combine,
            }),
            bounds,
        };
        let rows = py.detach(|| self.inner.select(&self.frame, &rule));
        Ok(PyArray1::from_iter(py, rows.into_iter().map(|r| r as u64)))
    }
}
