use proptest::prelude::*;

use super::*;
use crate::core::numeric::quantile::DuplicateEdges;
use crate::core::rfm::scores::{scores, ScoreOptions};

fn metrics(recency: Vec<f64>, frequency: Vec<f64>, monetary: Vec<f64>) -> Metrics {
    Metrics {
        analysis_date: 0,
        recency,
        frequency,
        monetary,
    }
}

proptest! {
    /// Learned from a snapshot, the scheme gives that snapshot's pandas scores back, bin for
    /// bin: ties straddling a frequency edge included.
    #[test]
    fn a_learned_scheme_reproduces_its_scores(
        rows in prop::collection::vec((0u8..40, 1u8..6, 0u16..300), 5..200),
        q in 2usize..7,
    ) {
        let m = metrics(
            rows.iter().map(|r| f64::from(r.0)).collect(),
            rows.iter().map(|r| f64::from(r.1)).collect(),
            rows.iter().map(|r| f64::from(r.2) / 4.0).collect(),
        );
        let opts = ScoreOptions { duplicates: DuplicateEdges::Drop, ..ScoreOptions::quantiles(q) };
        let Ok(want) = scores(&m, &opts) else { return Ok(()) };
        let got = Scheme::learned(&m, &want).scores(&m);
        prop_assert_eq!(&got.recency.codes, &want.recency.codes);
        prop_assert_eq!(&got.frequency.codes, &want.frequency.codes);
        prop_assert_eq!(&got.monetary.codes, &want.monetary.codes);
    }
}

#[test]
fn given_thresholds_are_right_closed_with_open_ends() {
    let s = MetricScheme::given(&[10.0, 20.0], "recency").unwrap();
    let codes = s.codes(&[-5.0, 10.0, 10.5, 20.0, 20.5, 1e9, f64::NAN]);
    assert_eq!(codes, [0, 0, 1, 1, 2, 2, -1]);
    assert!(MetricScheme::given(&[2.0, 1.0], "recency").is_err());
    assert!(MetricScheme::given(&[1.0, 1.0], "recency").is_err());
    // Rank edges inside one run of 1s: 2 of them below, then 2 again (an empty bin), then all.
    let parts = [(1.0, Some(2)), (1.0, Some(2)), (1.0, None), (2.0, Some(0))];
    let s = MetricScheme::from_parts(&parts, "frequency").unwrap();
    assert_eq!(s.codes(&[1.0, 1.0, 1.0, 2.0]), [0, 0, 2, 4]);
    assert!(MetricScheme::from_parts(&[(1.0, Some(3)), (1.0, Some(2))], "f").is_err());
    assert!(MetricScheme::from_parts(&[(1.0, None), (1.0, Some(2))], "f").is_err());
    assert!(MetricScheme::given(&[f64::NAN], "recency").is_err());
}

#[test]
fn a_straddling_tie_keeps_the_first_ones_below() {
    // Ranks of [1, 2, 2, 2, 3]: 1..5; an edge at 2.5 keeps ranks 1 and 2: the value 1 and the
    // first 2; the other two 2s go above.
    let cut = Cut {
        edges: vec![1.0, 2.5, 5.0],
        codes: vec![],
    };
    let values = [2.0, 1.0, 2.0, 3.0, 2.0];
    let s = MetricScheme::from_rank_cut(&cut, &values);
    assert_eq!(
        s.thresholds,
        [Threshold {
            value: 2.0,
            ties_below: Some(1)
        }]
    );
    assert_eq!(s.codes(&values), [0, 0, 1, 1, 1]);
}
