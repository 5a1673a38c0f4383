//! Picking campaign target customers by segment, categories and metric bounds.

use crate::core::choice::Choice;
use crate::core::rfm::scores::Metrics;
use crate::core::table::columns::CategoryColumn;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryMatch {
    /// Substring of the raw list text, as pandas' `str.contains` (`COCUK` matches `AKTIFCOCUK`).
    Substring,
    /// Exact items of the list.
    Token,
}

impl Choice for CategoryMatch {
    const OPTION: &'static str = "match";
    const WORDS: &'static [(&'static str, Self)] = &[
        ("substring", CategoryMatch::Substring),
        ("token", CategoryMatch::Token),
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    Any,
    All,
}

impl Choice for Combine {
    const OPTION: &'static str = "combine";
    const WORDS: &'static [(&'static str, Self)] = &[("any", Combine::Any), ("all", Combine::All)];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Recency,
    Frequency,
    Monetary,
    /// `monetary / frequency`.
    AverageOrderValue,
}

impl Choice for Metric {
    const OPTION: &'static str = "metric";
    const WORDS: &'static [(&'static str, Self)] = &[
        ("recency", Metric::Recency),
        ("frequency", Metric::Frequency),
        ("monetary", Metric::Monetary),
        ("average_order_value", Metric::AverageOrderValue),
        ("aov", Metric::AverageOrderValue),
    ];
}

impl Metric {
    fn value(self, m: &Metrics, i: usize) -> f64 {
        match self {
            Metric::Recency => m.recency[i],
            Metric::Frequency => m.frequency[i],
            Metric::Monetary => m.monetary[i],
            Metric::AverageOrderValue => m.monetary[i] / m.frequency[i],
        }
    }
}

/// Bounds on a metric, each open (`None`), inclusive or exclusive as stated: `>= 250` and
/// `> 250` are one bound with a different `min_inclusive`. A NaN metric never passes.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub metric: Metric,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub min_inclusive: bool,
    pub max_inclusive: bool,
}

impl Bound {
    /// `metric >= min` (or `> min` when not `inclusive`).
    pub fn at_least(metric: Metric, min: f64, inclusive: bool) -> Bound {
        Bound {
            metric,
            min: Some(min),
            max: None,
            min_inclusive: inclusive,
            max_inclusive: true,
        }
    }

    pub fn passes(&self, v: f64) -> bool {
        let above = |lo: f64| if self.min_inclusive { v >= lo } else { v > lo };
        let below = |hi: f64| if self.max_inclusive { v <= hi } else { v < hi };
        !v.is_nan() && self.min.is_none_or(above) && self.max.is_none_or(below)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CategoryRule {
    pub categories: Vec<String>,
    pub matching: CategoryMatch,
    pub combine: Combine,
}

/// All conditions must hold. `segments: None` means any segment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TargetRule {
    pub segments: Option<Vec<String>>,
    pub categories: Option<CategoryRule>,
    pub bounds: Vec<Bound>,
}

impl CategoryRule {
    /// Whether each distinct category list passes.
    fn per_set(&self, cats: &CategoryColumn) -> Vec<bool> {
        cats.sets
            .iter()
            .map(|set| {
                let hit = |wanted: &String| match self.matching {
                    CategoryMatch::Substring => set.raw.contains(wanted.as_str()),
                    CategoryMatch::Token => set
                        .tokens
                        .iter()
                        .any(|&t| cats.vocabulary[t as usize] == *wanted),
                };
                match self.combine {
                    Combine::Any => self.categories.iter().any(hit),
                    Combine::All => self.categories.iter().all(hit),
                }
            })
            .collect()
    }
}

/// Rows (in input order) that meet the rule. `segments[i]` codes into `segment_levels`.
pub fn select(
    cats: &CategoryColumn,
    metrics: &Metrics,
    segments: &[Option<u32>],
    segment_levels: &[String],
    rule: &TargetRule,
) -> Vec<usize> {
    let segment_ok: Option<Vec<bool>> = rule.segments.as_ref().map(|wanted| {
        segment_levels
            .iter()
            .map(|l| wanted.iter().any(|w| w == l))
            .collect()
    });
    let set_ok = rule.categories.as_ref().map(|c| c.per_set(cats));
    (0..segments.len())
        .filter(|&i| {
            if let Some(ok) = &segment_ok {
                match segments[i] {
                    Some(s) if ok[s as usize] => {}
                    _ => return false,
                }
            }
            if let Some(ok) = &set_ok {
                if !ok[cats.codes[i] as usize] {
                    return false;
                }
            }
            rule.bounds
                .iter()
                .all(|b| b.passes(b.metric.value(metrics, i)))
        })
        .collect()
}

/// The new-brand campaign: champions and loyal customers who shop women's (`KADIN`) with an average
/// order of at least 250 (the brief's reading; `> 250` and total spend are the same rule with
/// another [`Bound`]).
pub fn new_brand_rule(matching: CategoryMatch) -> TargetRule {
    TargetRule {
        segments: Some(vec!["champions".into(), "loyal_customers".into()]),
        categories: Some(CategoryRule {
            categories: vec!["KADIN".into()],
            matching,
            combine: Combine::Any,
        }),
        bounds: vec![Bound::at_least(Metric::AverageOrderValue, 250.0, true)],
    }
}

/// The discount campaign: lapsing and new customers who shop men's or children's.
pub fn discount_rule(matching: CategoryMatch) -> TargetRule {
    TargetRule {
        segments: Some(vec![
            "cant_loose".into(),
            "hibernating".into(),
            "new_customers".into(),
        ]),
        categories: Some(CategoryRule {
            categories: vec!["ERKEK".into(), "COCUK".into()],
            matching,
            combine: Combine::Any,
        }),
        bounds: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_vs_token() {
        let mut cats = CategoryColumn::default();
        cats.push("[AKTIFCOCUK]");
        cats.push("[COCUK, KADIN]");
        let m = Metrics {
            analysis_date: 0,
            recency: vec![1.0, 1.0],
            frequency: vec![1.0, 1.0],
            monetary: vec![1.0, 1.0],
        };
        let segs = [Some(0), Some(0)];
        let levels = vec!["hibernating".to_string()];
        let sub = select(
            &cats,
            &m,
            &segs,
            &levels,
            &discount_rule(CategoryMatch::Substring),
        );
        let tok = select(
            &cats,
            &m,
            &segs,
            &levels,
            &discount_rule(CategoryMatch::Token),
        );
        assert_eq!(sub, vec![0, 1]);
        assert_eq!(tok, vec![1]);
    }
}
