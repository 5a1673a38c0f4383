use super::rows::sorted_by_hash;
use super::*;

fn rec(id: &str) -> Record<'_> {
    Record {
        master_id: id,
        order_channel: "Mobile",
        last_order_channel: "Offline",
        dates: [100, 200, 150, 200],
        counts: [2.0, 1.0],
        money: [10.5, 20.25],
        categories: "[KADIN]",
    }
}

#[test]
fn rules_name_column_and_text() {
    let mut f = CustomerFrame::new("f.csv", vec![]);
    let mut r = rec("a");
    r.counts[1] = -1.0;
    let e = f.push(&r, 7, 0).unwrap_err().to_string();
    assert_eq!(
        e,
        "f.csv:7: column order_num_total_ever_offline: \"-1\" is a negative count"
    );
    let mut r = rec("a");
    r.dates[1] = 50;
    let e = f.push(&r, 8, 0).unwrap_err().to_string();
    assert!(
        e.starts_with(
            "f.csv:8: column last_order_date: \"1970-02-20\" is before first_order_date 1970-04-11"
        ),
        "{e}"
    );
    let e = f.push(&rec(" "), 9, 0).unwrap_err().to_string();
    assert!(e.contains("empty id"), "{e}");
    assert!(f.is_empty());
}

#[test]
fn duplicates_merge_sums_and_maxes() {
    let mut f = CustomerFrame::new("f.csv", vec![]);
    f.push(&rec("a"), 2, 0).unwrap();
    f.push(&rec("b"), 3, 1).unwrap();
    let mut r = rec("a");
    r.dates[1] = 300;
    f.push(&r, 4, 2).unwrap();
    f.resolve_duplicates(Duplicates::Merge, BadRows::Raise)
        .unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(f.dates[1], vec![300, 200]);
    assert_eq!(f.counts[0], vec![4.0, 2.0]);
    assert_eq!(f.report.merged, 1);
}

#[test]
fn bucketed_sort_equals_one_sort() {
    let hashes: Vec<u64> = (0..50_000u64)
        .map(|i| (i % 7_919).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .collect();
    let mut want: Vec<(u64, u32)> = hashes
        .iter()
        .enumerate()
        .map(|(i, &h)| (h, i as u32))
        .collect();
    want.sort_unstable();
    assert_eq!(sorted_by_hash(&hashes), want);
    let few = [u64::MAX, 3, 1 << 63, 3];
    assert_eq!(
        sorted_by_hash(&few),
        vec![(3, 1), (3, 3), (1 << 63, 2), (u64::MAX, 0)]
    );
    assert!(sorted_by_hash(&[]).is_empty());
}

#[test]
fn duplicates_raise_or_skip() {
    let mut f = CustomerFrame::new("f.csv", vec![]);
    f.push(&rec("a"), 2, 0).unwrap();
    f.push(&rec("a"), 3, 1).unwrap();
    let mut g = f.clone();
    let e = f
        .resolve_duplicates(Duplicates::Error, BadRows::Raise)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "f.csv:3: column master_id: \"a\" is a duplicated id (first seen on line 2)"
    );
    g.resolve_duplicates(Duplicates::Error, BadRows::Skip)
        .unwrap();
    assert_eq!(g.len(), 1);
    assert_eq!(g.report.skipped[0].line, 3);
}

mod missing {
    use super::*;

    #[test]
    fn missing_values_are_counted_by_column_with_their_lines() {
        let mut f = CustomerFrame::new("f.csv", vec![]);
        f.dates = [
            vec![1, 2, NULL_DATE],
            vec![1, NULL_DATE, 3],
            vec![0; 3],
            vec![0; 3],
        ];
        f.counts = [vec![1.0, f64::NAN, 1.0], vec![1.0; 3]];
        f.money = [vec![1.0; 3], vec![1.0, 1.0, f64::NAN]];
        f.lines = vec![2, 5, 9];
        for id in ["a", "b", "c"] {
            f.master_id.push(id);
        }
        let m = f.missing_values();
        assert_eq!(m.customers, 2);
        assert_eq!(m.lines[0], ("first_order_date", vec![9]));
        assert_eq!(m.lines[1], ("last_order_date", vec![5]));
        assert_eq!(m.lines[2], ("order_num_total_ever_online", vec![5]));
        assert_eq!(m.lines[5], ("customer_value_total_ever_online", vec![9]));
        assert_eq!(m.first(), Some((5, "last_order_date")));
        let err = f.check_no_missing().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("f.csv:5: column last_order_date: missing value"),
            "{err}"
        );
    }
}
