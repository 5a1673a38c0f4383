//! An order log split by customer into buckets, and buckets put back together: a distributed
//! summary shuffles each partition's lines so that every customer's lines meet in one bucket,
//! in input order (earlier partitions first), as one machine reads them.

use rayon::prelude::*;

use crate::core::error::{FloError, Result};
use crate::core::table::columns::{hash_text, DictColumn, StrColumn};
use crate::core::table::orders::OrderLog;

/// The bucket a customer's lines go to: the same for an id in every partition and process
/// (`hash_text` is FxHash, unseeded).
fn bucket_of(id: &str, buckets: usize) -> usize {
    (hash_text(id) % buckets as u64) as usize
}

/// The lines `rows` of `log` (in their order) as a log of their own, customers renumbered by
/// first appearance.
fn subset(log: &OrderLog, rows: &[usize]) -> OrderLog {
    let mut code = vec![u32::MAX; log.ids.len()];
    let mut ids = StrColumn::default();
    let mut customer = Vec::with_capacity(rows.len());
    let mut channel = DictColumn::default();
    for &r in rows {
        let c = log.customer[r] as usize;
        if code[c] == u32::MAX {
            code[c] = ids.len() as u32;
            ids.push(log.ids.get(c));
        }
        customer.push(code[c]);
        channel.push(log.channel.get(r).unwrap_or(""));
    }
    let pick_f = |v: &[f64]| rows.iter().map(|&r| v[r]).collect();
    OrderLog {
        source: log.source.clone(),
        ids,
        customer,
        time: rows.iter().map(|&r| log.time[r]).collect(),
        amount: pick_f(&log.amount),
        side: rows.iter().map(|&r| log.side[r]).collect(),
        channel,
        order: rows.iter().map(|&r| log.order[r]).collect(),
        lines: rows.iter().map(|&r| log.lines[r]).collect(),
        report: Default::default(),
        has_amount: log.has_amount,
    }
}

/// `log` split into `buckets` logs by customer id, each keeping its lines' order. The read
/// report (rows read, rows skipped) goes with bucket 0. Order ids are not carried: they are
/// numbered per log, so a log that has them is refused.
pub fn split_by_customer(log: &OrderLog, buckets: usize) -> Result<Vec<OrderLog>> {
    if buckets == 0 {
        return Err(FloError::invalid("buckets must be at least 1"));
    }
    if log.order.iter().any(|&o| o != u32::MAX) {
        return Err(FloError::invalid(
            "an order log with an order column cannot be split by customer",
        ));
    }
    let of_customer: Vec<usize> = (0..log.ids.len())
        .map(|c| bucket_of(log.ids.get(c), buckets))
        .collect();
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); buckets];
    for (r, &c) in log.customer.iter().enumerate() {
        rows[of_customer[c as usize]].push(r);
    }
    // Buckets are made on all cores (each on its own: the same logs in any order).
    let mut out: Vec<OrderLog> = rows.par_iter().map(|r| subset(log, r)).collect();
    out[0].report = log.report.clone();
    Ok(out)
}

/// The logs one after another as one log (customers renumbered by first appearance), as if
/// read in that order.
pub fn concat(parts: &[&OrderLog]) -> OrderLog {
    let Some(first) = parts.first() else {
        return OrderLog::default();
    };
    let rows: usize = parts.iter().map(|p| p.time.len()).sum();
    let customers: usize = parts.iter().map(|p| p.ids.len()).sum();
    let id_bytes: usize = parts.iter().map(|p| p.ids.parts().0.len()).sum();
    let mut out = OrderLog {
        source: first.source.clone(),
        has_amount: first.has_amount,
        ids: StrColumn::with_capacity(customers, id_bytes),
        customer: Vec::with_capacity(rows),
        time: Vec::with_capacity(rows),
        amount: Vec::with_capacity(rows),
        side: Vec::with_capacity(rows),
        order: Vec::with_capacity(rows),
        lines: Vec::with_capacity(rows),
        ..Default::default()
    };
    // Ids borrowed from the parts (no string made per id), room for all of them from the start.
    let mut codes: rustc_hash::FxHashMap<&str, u32> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(customers, Default::default());
    for p in parts {
        let remap: Vec<u32> = p
            .ids
            .iter()
            .map(|id| {
                *codes.entry(id).or_insert_with(|| {
                    out.ids.push(id);
                    (out.ids.len() - 1) as u32
                })
            })
            .collect();
        out.customer
            .extend(p.customer.iter().map(|&c| remap[c as usize]));
        out.time.extend_from_slice(&p.time);
        out.amount.extend_from_slice(&p.amount);
        out.side.extend_from_slice(&p.side);
        out.channel.append(&p.channel);
        out.order.extend_from_slice(&p.order);
        out.lines.extend_from_slice(&p.lines);
        out.report.rows_read += p.report.rows_read;
        out.report.skipped.extend(p.report.skipped.iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::table::customers::BadRows;
    use crate::core::table::orders::{OrderColumns, OrderLogBuilder};

    fn log(lines: &[(&str, &str, &str)]) -> OrderLog {
        let columns = OrderColumns {
            customer: "id".into(),
            datetime: "date".into(),
            amount: Some("amount".into()),
            channel: None,
            order: None,
        };
        let mut b = OrderLogBuilder::new("t", &columns, &[], &[], BadRows::Raise);
        for (i, (id, when, amount)) in lines.iter().enumerate() {
            b.push(i as u64 + 2, id, when, Some(amount), "", None)
                .unwrap();
        }
        b.finish()
    }

    #[test]
    fn split_then_concat_keeps_each_customers_lines_in_order() {
        let a = log(&[
            ("x", "2021-01-01", "1"),
            ("y", "2021-01-02", "2"),
            ("x", "2021-01-03", "3"),
        ]);
        let b = log(&[("y", "2021-01-04", "4"), ("z", "2021-01-05", "5")]);
        let (sa, sb) = (
            split_by_customer(&a, 3).unwrap(),
            split_by_customer(&b, 3).unwrap(),
        );
        let mut seen = 0;
        for k in 0..3 {
            let joined = concat(&[&sa[k], &sb[k]]);
            seen += joined.time.len();
            for c in 0..joined.ids.len() {
                let id = joined.ids.get(c).to_string();
                let mine: Vec<f64> = (0..joined.time.len())
                    .filter(|&r| joined.customer[r] as usize == c)
                    .map(|r| joined.amount[r])
                    .collect();
                let expect: Vec<f64> = match id.as_str() {
                    "x" => vec![1.0, 3.0],
                    "y" => vec![2.0, 4.0],
                    _ => vec![5.0],
                };
                assert_eq!(mine, expect, "{id}");
            }
        }
        assert_eq!(seen, 5);
    }
}
