//! Group tables (per channel, per segment) and top-N lists, with pandas' arithmetic.

use crate::core::numeric::stats::{group_sums, GroupSums};
use crate::core::table::customers::CustomerFrame;

/// Groups rows by a code (`None` = null key, left out) and orders the groups by their name,
/// as pandas' `groupby(sort=True)` does. Returns the sorted names and each row's group.
pub fn sorted_groups<'a>(
    codes: &[Option<u32>],
    levels: &'a [String],
) -> (Vec<&'a str>, Vec<Option<usize>>) {
    let mut present = vec![false; levels.len()];
    for c in codes.iter().flatten() {
        present[*c as usize] = true;
    }
    let mut order: Vec<usize> = (0..levels.len()).filter(|&i| present[i]).collect();
    order.sort_by(|&a, &b| levels[a].cmp(&levels[b]));
    let mut rank = vec![usize::MAX; levels.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    let rows = codes.iter().map(|c| c.map(|c| rank[c as usize])).collect();
    (order.iter().map(|&i| levels[i].as_str()).collect(), rows)
}

/// Per group: the Kahan sums and counts of each value column.
pub fn group_table(rows: &[Option<usize>], n_groups: usize, columns: &[&[f64]]) -> Vec<GroupSums> {
    columns
        .iter()
        .map(|c| group_sums(rows, c, n_groups))
        .collect()
}

/// Customers, orders and spend per `order_channel`, channels sorted by name (pandas'
/// `groupby("order_channel").agg(...)` of the prepared table; null channels left out).
pub struct ChannelSummary {
    pub names: Vec<String>,
    pub customers: Vec<u64>,
    /// `order_num_total` per channel.
    pub orders: GroupSums,
    /// `customer_value_total` per channel.
    pub spend: GroupSums,
}

pub fn channel_summary(frame: &CustomerFrame) -> ChannelSummary {
    let codes: Vec<Option<u32>> = frame
        .order_channel
        .codes
        .iter()
        .map(|&c| (c != u32::MAX).then_some(c))
        .collect();
    let (names, rows) = sorted_groups(&codes, &frame.order_channel.levels);
    let (orders, spend) = (frame.order_num_total(), frame.customer_value_total());
    let [orders, spend]: [GroupSums; 2] = group_table(&rows, names.len(), &[&orders, &spend])
        .try_into()
        .expect("two columns");
    let mut customers = vec![0u64; names.len()];
    for g in rows.iter().flatten() {
        customers[*g] += 1;
    }
    ChannelSummary {
        names: names.iter().map(|s| s.to_string()).collect(),
        customers,
        orders,
        spend,
    }
}

/// Row numbers of the `n` largest values, largest first; ties keep input order, NaN never.
pub fn top_n(values: &[f64], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len()).filter(|&i| !values[i].is_nan()).collect();
    // Largest first, then earlier first: a total order, so selection then a sort of n rows.
    // (partial_cmp, not total_cmp: -0.0 and 0.0 tie, as in pandas; NaN was filtered out.)
    let key = |&a: &usize, &b: &usize| values[b].partial_cmp(&values[a]).unwrap().then(a.cmp(&b));
    if n < idx.len() {
        idx.select_nth_unstable_by(n, key);
        idx.truncate(n);
    }
    idx.sort_by(key);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_sorted_by_name_nulls_out() {
        let levels = vec!["b".to_string(), "a".to_string(), "c".to_string()];
        let (names, rows) = sorted_groups(&[Some(0), Some(1), None, Some(0)], &levels);
        assert_eq!(names, vec!["a", "b"]);
        assert_eq!(rows, vec![Some(1), Some(0), None, Some(1)]);
    }

    #[test]
    fn top_n_is_stable() {
        assert_eq!(top_n(&[1.0, 3.0, f64::NAN, 3.0, 2.0], 3), vec![1, 3, 4]);
    }
}
