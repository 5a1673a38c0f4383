//! An order log summarised into the customer table (one row per customer, the FLO file's
//! columns), so the RFM and CLTV studies run on a log.

use std::collections::HashMap;

use crate::core::error::Result;
use crate::core::table::customers::{CustomerFrame, Record, NULL_DATE};
use crate::core::table::orders::OrderLog;
use crate::core::table::orders::{OFFLINE, ONLINE};

/// The FLO customer summary of a log: dates, order counts and totals per side; `order_channel`
/// is the customer's most used channel (first used on a tie), `last_order_channel` that of the
/// last order. Orders with an order id count once however many lines they have.
pub fn customer_frame(tx: &OrderLog) -> Result<CustomerFrame> {
    let n = tx.ids.len();
    let mut first = vec![i64::MAX; n];
    let mut last = vec![i64::MIN; n];
    let mut last_side = [vec![i64::MIN; n], vec![i64::MIN; n]];
    let mut counts = [vec![0f64; n], vec![0f64; n]];
    let mut money = [vec![0f64; n], vec![0f64; n]];
    let mut last_channel = vec![u32::MAX; n];
    let mut channel_use: Vec<HashMap<u32, (u64, usize)>> = vec![HashMap::new(); n];
    let mut seen_orders: std::collections::HashSet<u32> = std::collections::HashSet::new();
    for r in 0..tx.time.len() {
        let c = tx.customer[r] as usize;
        let t = tx.time[r];
        first[c] = first[c].min(t);
        if t >= last[c] {
            last[c] = t;
            last_channel[c] = tx.channel.codes[r];
        }
        let entry = channel_use[c].entry(tx.channel.codes[r]).or_insert((0, r));
        entry.0 += 1;
        let side = match tx.side[r] {
            ONLINE => 0,
            OFFLINE => 1,
            _ => continue,
        };
        last_side[side][c] = last_side[side][c].max(t);
        let new_order = tx.order[r] == u32::MAX || seen_orders.insert(tx.order[r]);
        if new_order {
            counts[side][c] += 1.0;
        }
        if !tx.amount[r].is_nan() {
            money[side][c] += tx.amount[r];
        }
    }
    let mut frame = CustomerFrame::new(&tx.source, vec![]);
    let day = |s: i64| {
        if s == i64::MIN {
            NULL_DATE
        } else {
            s.div_euclid(86_400) as i32
        }
    };
    let name = |code: u32| -> String {
        if code == u32::MAX {
            String::new()
        } else {
            tx.channel
                .levels
                .get(code as usize)
                .cloned()
                .unwrap_or_default()
        }
    };
    for c in 0..n {
        let most_used = channel_use[c]
            .iter()
            .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
            .map(|(&code, _)| code)
            .unwrap_or(u32::MAX);
        let (oc, lc) = (name(most_used), name(last_channel[c]));
        let rec = Record {
            master_id: tx.ids.get(c),
            order_channel: &oc,
            last_order_channel: &lc,
            dates: [
                day(first[c]),
                day(last[c]),
                day(last_side[0][c]),
                day(last_side[1][c]),
            ],
            counts: [counts[0][c], counts[1][c]],
            money: [money[1][c], money[0][c]],
            categories: "[]",
        };
        frame.report.rows_read += 1;
        frame.push(&rec, c as u64 + 2, c as u64)?;
    }
    Ok(frame)
}
