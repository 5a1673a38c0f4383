//! Exact order statistics of values spread over partitions, found digit by digit: histograms
//! of the values' order-preserving 64-bit keys (or the keys themselves, where few), summed
//! over the partitions by the caller.

use rustc_hash::FxHashMap;

/// An order-preserving unsigned key of a value (`-0.0` counted as `0.0`); `None` for NaN.
pub fn order_key(v: f64) -> Option<u64> {
    if v.is_nan() {
        return None;
    }
    let bits = (v + 0.0).to_bits();
    Some(if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    })
}

/// What one partition sends for its keys under `prefixes` (the keys' top `known` bits;
/// `prefixes` sorted; with `known = 0` one prefix holding every key) in a round.
#[derive(Debug, Default, PartialEq)]
pub struct Under {
    /// Codes `row << digit | next digit` (ascending) of the prefixes not settled here, and the
    /// keys counted under each: the non-zero cells of their next digit's histograms.
    pub codes: Vec<u64>,
    pub counts: Vec<i64>,
    /// The distinct keys (ascending within a row) of the prefixes settled here, their rows and
    /// how many values have each.
    pub rows: Vec<u64>,
    pub keys: Vec<u64>,
    pub key_counts: Vec<i64>,
    /// Per prefix: whether its keys were sent whole (at most `cap` distinct) rather than counted.
    pub settled: Vec<bool>,
}

/// Per prefix, the distinct keys under it with their counts where they are at most `cap`
/// (so a target under that prefix is found in this round, with no further digit), else the
/// counts of the keys' next `digit` bits (`cap = 0`: always the counts, as a first round
/// sends). Either way at most `max(cap, 1 << digit)` entries a prefix, however many values:
/// where ties abound or values are few, as in most customer metrics, the second round settles
/// every target.
pub fn keys_under(values: &[f64], prefixes: &[u64], known: u32, digit: u32, cap: usize) -> Under {
    assert!(
        known + digit <= 64 && digit < 32,
        "digits past the key's 64 bits"
    );
    let mut under: Vec<Vec<u64>> = vec![Vec::new(); prefixes.len()];
    for key in values.iter().filter_map(|&v| order_key(v)) {
        let row = match known {
            0 => (!prefixes.is_empty()).then_some(0),
            _ => prefixes.binary_search(&(key >> (64 - known))).ok(),
        };
        if let Some(r) = row {
            under[r].push(key);
        }
    }
    let low = 64 - known - digit;
    let mask = (1u64 << digit) - 1;
    let mut out = Under::default();
    for (row, keys) in under.iter().enumerate() {
        // No cap: never settled, even where empty (a first round counts every prefix).
        match (cap > 0).then(|| distinct_up_to(keys, cap)).flatten() {
            Some(runs) => {
                out.settled.push(true);
                for (key, n) in runs {
                    out.rows.push(row as u64);
                    out.keys.push(key);
                    out.key_counts.push(n);
                }
            }
            None => {
                // One pass over the prefix's keys: it goes down a digit.
                out.settled.push(false);
                let mut counts = vec![0i64; 1 << digit];
                for &key in keys {
                    counts[((key >> low) & mask) as usize] += 1;
                }
                for (d, &n) in counts.iter().enumerate().filter(|&(_, &n)| n != 0) {
                    out.codes.push((row as u64) << digit | d as u64);
                    out.counts.push(n);
                }
            }
        }
    }
    out
}

/// The distinct keys (ascending) and how many times each occurs, or `None` as soon as there
/// are more than `cap` of them: a dense prefix costs one pass, not a sort.
fn distinct_up_to(keys: &[u64], cap: usize) -> Option<Vec<(u64, i64)>> {
    let mut seen: FxHashMap<u64, i64> = FxHashMap::default();
    for &key in keys {
        *seen.entry(key).or_insert(0) += 1;
        if seen.len() > cap {
            return None;
        }
    }
    let mut runs: Vec<(u64, i64)> = seen.into_iter().collect();
    runs.sort_unstable();
    Some(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_the_order() {
        let v = [
            -2.5,
            -0.0,
            0.0,
            1.0,
            3.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut keys: Vec<u64> = v.iter().filter_map(|&x| order_key(x)).collect();
        keys.sort();
        let back: Vec<u64> = [f64::NEG_INFINITY, -2.5, 0.0, 0.0, 1.0, 3.0, f64::INFINITY]
            .iter()
            .map(|&x| order_key(x).unwrap())
            .collect();
        assert_eq!(keys, back);
    }

    /// The next digit's counts of the keys under each prefix, by sorting every key.
    fn counted(v: &[f64], prefixes: &[u64], known: u32) -> (Vec<u64>, Vec<i64>) {
        let mut cells: Vec<u64> = v
            .iter()
            .filter_map(|&x| order_key(x))
            .filter_map(|k| {
                let p = if known == 0 { 0 } else { k >> (64 - known) };
                let row = prefixes.iter().position(|&q| q == p)? as u64;
                Some(row << 16 | (k >> (48 - known)) & 0xffff)
            })
            .collect();
        cells.sort();
        let mut out: (Vec<u64>, Vec<i64>) = (vec![], vec![]);
        for c in cells {
            if out.0.last() == Some(&c) {
                *out.1.last_mut().unwrap() += 1;
            } else {
                out.0.push(c);
                out.1.push(1);
            }
        }
        out
    }

    #[test]
    fn with_no_cap_every_prefix_is_counted_by_its_next_digit() {
        let v = [
            3.0,
            -1.0,
            3.0,
            7.5,
            f64::NAN,
            1e300,
            -0.0,
            1.0,
            f64::INFINITY,
        ];
        let key = |x: f64| order_key(x).unwrap();
        let prefixes = [key(3.0) >> 48, key(1e300) >> 48];
        for (known, p) in [(0, &[0][..]), (16, &prefixes[..]), (16, &[5][..])] {
            let u = keys_under(&v, p, known, 16, 0);
            assert_eq!(u.settled, vec![false; p.len()]); // an empty prefix included
            assert!(u.keys.is_empty());
            assert_eq!((u.codes, u.counts), counted(&v, p, known));
        }
        assert_eq!(keys_under(&v, &[0], 0, 16, 0).counts.iter().sum::<i64>(), 8);
    }

    #[test]
    fn keys_under_settles_few_distinct_keys_and_counts_the_rest() {
        let v = [
            3.0,
            3.0,
            3.0001,
            -1.0,
            7.5,
            f64::NAN,
            3.0,
            1e300,
            -0.0,
            3.0002,
        ];
        let key = |x: f64| order_key(x).unwrap();
        let prefixes = [key(-1.0) >> 48, key(3.0) >> 48];
        // cap 3: 3.0's prefix holds 3 distinct keys (settled), -1.0's one (settled).
        let u = keys_under(&v, &prefixes, 16, 16, 3);
        assert_eq!(u.settled, vec![true, true]);
        assert_eq!(u.keys, vec![key(-1.0), key(3.0), key(3.0001), key(3.0002)]);
        assert_eq!(u.key_counts, vec![1, 3, 1, 1]);
        assert_eq!(u.rows, vec![0, 1, 1, 1]);
        assert!(u.codes.is_empty());
        // cap 2: 3.0's prefix falls back to the next digit's counts.
        let u = keys_under(&v, &prefixes, 16, 16, 2);
        assert_eq!(u.settled, vec![true, false]);
        let (codes, counts) = counted(&v, &prefixes[1..], 16);
        let shifted: Vec<u64> = codes.iter().map(|c| c | 1 << 16).collect();
        assert_eq!((u.codes, u.counts), (shifted, counts));
        assert_eq!(u.keys, vec![key(-1.0)]);
    }
}
