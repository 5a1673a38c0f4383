//! Any bytes through the order-log schema, both bad-row policies, with and without the optional
//! columns: no panic, and every line accounted for.
#![no_main]

use flo_rfm::core::table::customers::BadRows;
use flo_rfm::core::io::read::engine::CsvOptions;
use flo_rfm::core::io::schema::orders::{read_from, OrderOptions};
use flo_rfm::core::table::orders::OrderColumns;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (bad_rows, optional) in [
        (BadRows::Raise, true),
        (BadRows::Skip, true),
        (BadRows::Skip, false),
    ] {
        let name = |n: &str| optional.then(|| n.to_string());
        let opts = OrderOptions {
            columns: OrderColumns {
                customer: "id".into(),
                datetime: "date".into(),
                amount: name("amount"),
                channel: name("channel"),
                order: name("order"),
            },
            online: vec!["Web".into()],
            offline: vec!["Store".into()],
            bad_rows,
            csv: CsvOptions::default(),
        };
        if let Ok(log) = read_from(data, "fuzz.csv", &opts) {
            let r = &log.report;
            let kept = log.time.len();
            assert_eq!(r.rows_read, kept as u64 + r.skipped.len() as u64);
            for len in [log.customer.len(), log.amount.len(), log.side.len(), log.order.len(), log.lines.len(), log.channel.len()] {
                assert_eq!(len, kept);
            }
            assert!(log.customer.iter().all(|&c| (c as usize) < log.ids.len()));
            assert!(log.lines.windows(2).all(|w| w[0] < w[1]));
        }
    }
});
