//! numpy's `linear` quantile, pandas' `qcut` binning and `rank(method="first")`.
//!
//! Over 400 lines because quantiles, bin edges and codes are one rule in pandas (`qcut` =
//! quantiles, unique edges, right-closed bins) and their tests read best beside it.

use crate::core::choice::Choice;
use rayon::prelude::*;

use crate::core::error::{FloError, Result};
pub use crate::core::numeric::versions::{cut_probabilities, qcut_probabilities};

/// numpy's `linear` quantile of `sorted` (ascending, no NaN, non-empty) at probability `p`.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    quantile_at(sorted.len(), p, |i| sorted[i])
}

/// numpy's `linear` quantile of `n` values (n > 0) at probability `p`, reading the `i`-th
/// smallest value as `stat(i)` (only at the positions `order_positions` lists).
pub fn quantile_at(n: usize, p: f64, stat: impl Fn(usize) -> f64) -> f64 {
    let h = (n - 1) as f64 * p;
    if h >= (n - 1) as f64 {
        return stat(n - 1);
    }
    if h < 0.0 {
        return stat(0);
    }
    let j = h.floor();
    let g = h - j;
    lerp(stat(j as usize), stat(j as usize + 1), g)
}

/// The order statistics (0-based, ascending, distinct) the quantiles of `n` values at
/// `probabilities` read.
pub fn order_positions(n: usize, probabilities: &[f64]) -> Vec<usize> {
    if n == 0 {
        return vec![];
    }
    let last = n - 1;
    let mut needed: Vec<usize> = probabilities
        .iter()
        .flat_map(|&p| {
            let h = last as f64 * p;
            if h >= last as f64 {
                [last, last]
            } else if h < 0.0 {
                [0, 0]
            } else {
                let j = h.floor() as usize;
                [j, j + 1]
            }
        })
        .collect();
    needed.sort_unstable();
    needed.dedup();
    needed
}

/// numpy's `_lerp`: from the nearer end, so the result is exact at both ends.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// The quantiles of `n` values from their order statistics `values` at `positions` (as
/// [`order_positions`] plans them, e.g. selected part by part on a cluster): identical to
/// [`edges`] on all the values.
pub fn quantiles_from_order_stats(
    n: usize,
    probabilities: &[f64],
    positions: &[usize],
    values: &[f64],
) -> Result<Vec<f64>> {
    if n == 0 {
        return Ok(vec![f64::NAN; probabilities.len()]);
    }
    if positions.len() != values.len() || order_positions(n, probabilities) != positions {
        return Err(FloError::invalid(
            "the order statistics do not match the plan for these probabilities",
        ));
    }
    let stat = |i: usize| values[positions.binary_search(&i).expect("planned position")];
    Ok(probabilities
        .iter()
        .map(|&p| quantile_at(n, p, stat))
        .collect())
}

/// What pandas does when two bin edges are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateEdges {
    Raise,
    Drop,
}

impl Choice for DuplicateEdges {
    const OPTION: &'static str = "duplicates";
    const WORDS: &'static [(&'static str, Self)] = &[
        ("raise", DuplicateEdges::Raise),
        ("drop", DuplicateEdges::Drop),
    ];
}

/// The result of a quantile cut: the edges and, per value, a 0-based bin (or -1 for null).
#[derive(Debug, Clone, PartialEq)]
pub struct Cut {
    pub edges: Vec<f64>,
    pub codes: Vec<i32>,
}

impl Cut {
    /// A cut made elsewhere (bins found over more rows than these, as a distributed run does):
    /// one code per row, each -1 (null) or a bin of `edges`.
    pub fn given(codes: &[i64], edges: Vec<f64>, rows: usize) -> Result<Cut> {
        if codes.len() != rows {
            return Err(FloError::invalid(format!(
                "{} bin codes for {rows} customers",
                codes.len()
            )));
        }
        let bins = edges.len().saturating_sub(1) as i64;
        if let Some(bad) = codes.iter().find(|&&c| c < -1 || c >= bins) {
            return Err(FloError::invalid(format!(
                "bin code {bad} outside -1..{bins}"
            )));
        }
        Ok(Cut {
            edges,
            codes: codes.iter().map(|&c| c as i32).collect(),
        })
    }

    pub fn bins(&self) -> usize {
        self.edges.len().saturating_sub(1)
    }
}

/// Edges at the given probabilities over the non-null values (`Series.dropna().quantile`).
/// Only the order statistics the quantiles read are selected (no full sort); every other
/// position is left unordered, which `quantile_sorted` never looks at.
pub fn edges(values: &[f64], probabilities: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if v.is_empty() {
        return vec![f64::NAN; probabilities.len()];
    }
    let positions = order_positions(v.len(), probabilities);
    select_many(&mut v, &positions);
    probabilities
        .iter()
        .map(|&p| quantile_sorted(&v, p))
        .collect()
}

/// Puts the `k`-th smallest value (in `total_cmp` order) at position `k` for every `k` in
/// `ks` (ascending): select the middle one, then each side for the ones on that side.
fn select_many(v: &mut [f64], ks: &[usize]) {
    if ks.is_empty() || v.is_empty() {
        return;
    }
    let mid = ks.len() / 2;
    let k = ks[mid];
    v.select_nth_unstable_by(k, f64::total_cmp);
    let (left, right) = v.split_at_mut(k);
    select_many(left, &ks[..mid]);
    let after: Vec<usize> = ks[mid + 1..].iter().map(|&j| j - k - 1).collect();
    select_many(&mut right[1..], &after);
}

/// `pd.qcut(values, probabilities, labels=False, duplicates=...)`; `what` names the column in
/// the error.
pub fn qcut(
    values: &[f64],
    probabilities: &[f64],
    duplicates: DuplicateEdges,
    what: &str,
) -> Result<Cut> {
    if probabilities.len() < 2 {
        return Err(FloError::invalid("qcut needs at least two quantiles"));
    }
    cut_with_edges(values, edges(values, probabilities), duplicates, what)
}

/// `qcut` of values already ranked 1..=m (no ties, as `rank(method="first")` gives): the edges
/// are the quantiles of 1..=m, found without a sort.
pub fn qcut_ranks(
    ranks: &[f64],
    probabilities: &[f64],
    duplicates: DuplicateEdges,
    what: &str,
) -> Result<Cut> {
    let m = ranks.iter().filter(|v| !v.is_nan()).count();
    if m == 0 {
        return qcut(ranks, probabilities, duplicates, what);
    }
    cut_with_edges(ranks, rank_edges(m, probabilities), duplicates, what)
}

/// The quantiles of the ranks 1..=m (m > 0) at `probabilities`.
pub fn rank_edges(m: usize, probabilities: &[f64]) -> Vec<f64> {
    if m == 0 {
        return vec![f64::NAN; probabilities.len()];
    }
    probabilities
        .iter()
        .map(|&p| quantile_at(m, p, |i| (i + 1) as f64))
        .collect()
}

/// Bins `values` by `edges`, applying pandas' rule for equal edges.
fn cut_with_edges(
    values: &[f64],
    edges: Vec<f64>,
    duplicates: DuplicateEdges,
    what: &str,
) -> Result<Cut> {
    let edges = unique_edges(edges, duplicates, what)?;
    let codes = cut_codes(values, &edges);
    Ok(Cut { edges, codes })
}

/// pandas' rule for equal edges: an error (`duplicates="raise"`) or the distinct ones.
pub fn unique_edges(edges: Vec<f64>, duplicates: DuplicateEdges, what: &str) -> Result<Vec<f64>> {
    let mut unique = edges.clone();
    unique.dedup_by(|a, b| a == b || (a.is_nan() && b.is_nan()));
    if unique.len() < edges.len() && edges.len() != 2 {
        if duplicates == DuplicateEdges::Raise {
            return Err(FloError::BinEdges {
                what: what.to_string(),
                edges,
            });
        }
        return Ok(unique);
    }
    Ok(edges)
}

/// The bin of every value by edges already made unique.
pub fn cut_codes(values: &[f64], edges: &[f64]) -> Vec<i32> {
    values
        .par_iter()
        .with_min_len(1 << 14)
        .map(|&v| bin_of(edges, v))
        .collect()
}

/// pandas' right-closed bin of `v` with the lowest edge included; -1 when outside or null.
pub fn bin_of(edges: &[f64], v: f64) -> i32 {
    if v.is_nan() {
        return -1;
    }
    // searchsorted(side="left"): the number of edges strictly below v.
    let mut id = edges.partition_point(|&e| e < v);
    if v == edges[0] {
        id = 1;
    }
    if id == 0 || id == edges.len() {
        -1
    } else {
        id as i32 - 1
    }
}

/// `Series.rank(method="first")`: 1..n by value, ties in input order; NaN stays NaN.
/// Small whole numbers (order counts) are ranked by counting, in O(n).
pub fn rank_first(values: &[f64]) -> Vec<f64> {
    const COUNTING_LIMIT: f64 = (1 << 22) as f64;
    let small_whole = values
        .iter()
        .all(|&v| v.is_nan() || ((0.0..COUNTING_LIMIT).contains(&v) && v.fract() == 0.0));
    if small_whole {
        return rank_first_counting(values);
    }
    let mut order: Vec<usize> = (0..values.len()).filter(|&i| !values[i].is_nan()).collect();
    // A stable sort, so ties keep input order; -0.0 and 0.0 tie, as in pandas.
    order.par_sort_by(|&a, &b| values[a].partial_cmp(&values[b]).unwrap());
    let mut ranks = vec![f64::NAN; values.len()];
    for (r, &i) in order.iter().enumerate() {
        ranks[i] = (r + 1) as f64;
    }
    ranks
}

fn rank_first_counting(values: &[f64]) -> Vec<f64> {
    let max = values
        .iter()
        .filter(|v| !v.is_nan())
        .fold(0.0f64, |m, &v| m.max(v)) as usize;
    let mut next = vec![0u64; max + 2];
    for &v in values.iter().filter(|v| !v.is_nan()) {
        next[v as usize + 1] += 1;
    }
    // next[v] = 1 + the number of values below v: the rank of v's first occurrence.
    next[0] = 1;
    for i in 1..next.len() {
        next[i] += next[i - 1];
    }
    values
        .iter()
        .map(|&v| {
            if v.is_nan() {
                return f64::NAN;
            }
            let slot = &mut next[v as usize];
            let r = *slot;
            *slot += 1;
            r as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_right_closed_lowest_included() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        let c = qcut(&v, &qcut_probabilities(2), DuplicateEdges::Raise, "x").unwrap();
        assert_eq!(c.edges, vec![1.0, 3.0, 5.0]);
        assert_eq!(c.codes, vec![0, 0, 0, 1, 1]);
    }

    #[test]
    fn duplicate_edges_raise_or_drop() {
        let v = [1.0, 1.0, 1.0, 1.0, 2.0];
        let e = qcut(&v, &qcut_probabilities(4), DuplicateEdges::Raise, "x").unwrap_err();
        assert!(e.to_string().starts_with("Bin edges must be unique"));
        let c = qcut(&v, &qcut_probabilities(4), DuplicateEdges::Drop, "x").unwrap();
        assert_eq!(c.edges, vec![1.0, 2.0]);
        assert_eq!(c.codes, vec![0, 0, 0, 0, 0]);
    }

    #[test]
    fn rank_cut_equals_general_cut() {
        for n in [1usize, 2, 3, 5, 7, 10, 11, 99, 1000, 1001] {
            let ranks: Vec<f64> = (0..n).map(|i| ((i * 37) % n + 1) as f64).collect();
            for q in [1, 2, 3, 4, 5, 7, 10] {
                let p = qcut_probabilities(q);
                let a = qcut(&ranks, &p, DuplicateEdges::Drop, "x").unwrap();
                let b = qcut_ranks(&ranks, &p, DuplicateEdges::Drop, "x").unwrap();
                assert_eq!(a, b, "n={n} q={q}");
            }
        }
    }

    #[test]
    fn rank_paths_agree() {
        let whole = [3.0, 1.0, 3.0, f64::NAN, 1.0, 0.0];
        let shifted: Vec<f64> = whole.iter().map(|v| v + 0.5).collect();
        assert_eq!(rank_first(&whole)[..3], [4.0, 2.0, 5.0]);
        let (a, b) = (rank_first(&whole), rank_first(&shifted));
        for (x, y) in a.iter().zip(&b) {
            assert!(x == y || (x.is_nan() && y.is_nan()));
        }
    }

    #[test]
    fn selected_edges_equal_sorted_edges() {
        let v: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1000) as f64 / 3.0)
            .collect();
        let mut sorted = v.clone();
        sorted.sort_by(f64::total_cmp);
        let p = qcut_probabilities(7);
        let want: Vec<f64> = p.iter().map(|&q| quantile_sorted(&sorted, q)).collect();
        assert_eq!(edges(&v, &p), want);
    }

    #[test]
    fn rank_first_breaks_ties_by_position() {
        assert_eq!(
            rank_first(&[3.0, 1.0, 3.0, f64::NAN, 1.0])[..3],
            [3.0, 1.0, 4.0]
        );
    }
}
