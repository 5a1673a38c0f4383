//! Exact order statistics of values spread over partitions, found digit by digit: histograms
//! of the values' order-preserving 64-bit keys, summed over the partitions by the caller.

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

/// Per prefix (the keys' top `known` bits; `prefixes` sorted), the counts of the keys' next
/// `digit` bits: `prefixes.len()` rows of `1 << digit` counts, in one pass over the values.
pub fn key_histograms(values: &[f64], prefixes: &[u64], known: u32, digit: u32) -> Vec<i64> {
    assert!(
        known + digit <= 64 && digit < 32,
        "digits past the key's 64 bits"
    );
    let size = 1usize << digit;
    let mut out = vec![0i64; prefixes.len() * size];
    let low = 64 - known - digit;
    let mask = (size - 1) as u64;
    for key in values.iter().filter_map(|&v| order_key(v)) {
        let row = if known == 0 {
            (!prefixes.is_empty()).then_some(0)
        } else {
            prefixes.binary_search(&(key >> (64 - known))).ok()
        };
        if let Some(r) = row {
            out[r * size + ((key >> low) & mask) as usize] += 1;
        }
    }
    out
}

/// `key_histograms` without its zeros: the codes `row << digit | next digit` (ascending) that
/// hold a key, and their counts. What a partition sends: a few hundred pairs where the dense
/// rows are `prefixes.len() << digit` counts, most of them zero past the first digit.
pub fn key_counts(
    values: &[f64],
    prefixes: &[u64],
    known: u32,
    digit: u32,
) -> (Vec<u64>, Vec<i64>) {
    key_histograms(values, prefixes, known, digit)
        .into_iter()
        .enumerate()
        .filter(|&(_, count)| count != 0)
        .map(|(code, count)| (code as u64, count))
        .unzip()
}

/// What one partition sends for its keys under `prefixes` (the keys' top `known` bits, `known`
/// at least one digit; `prefixes` sorted) in a round past the first.
#[derive(Debug, Default, PartialEq)]
pub struct Under {
    /// Codes `row << digit | next digit` (ascending) of the prefixes not settled here, and the
    /// keys counted under each, as [`key_counts`] gives them.
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
/// counts of the keys' next `digit` bits. Either way at most `max(cap, 1 << digit)` entries a
/// prefix, however many values: where ties abound or values are few, as in most customer
/// metrics, the second round settles every target.
pub fn keys_under(values: &[f64], prefixes: &[u64], known: u32, digit: u32, cap: usize) -> Under {
    assert!(
        known > 0 && known + digit <= 64 && digit < 32,
        "digits past the key's 64 bits"
    );
    let mut under: Vec<Vec<u64>> = vec![Vec::new(); prefixes.len()];
    for key in values.iter().filter_map(|&v| order_key(v)) {
        if let Ok(r) = prefixes.binary_search(&(key >> (64 - known))) {
            under[r].push(key);
        }
    }
    let low = 64 - known - digit;
    let mask = (1u64 << digit) - 1;
    let mut out = Under::default();
    for (row, keys) in under.iter().enumerate() {
        match distinct_up_to(keys, cap) {
            Some(runs) => {
                out.settled.push(true);
                for (key, n) in runs {
                    out.rows.push(row as u64);
                    out.keys.push(key);
                    out.key_counts.push(n);
                }
            }
            None => {
                // One pass, as `key_counts` counts: the prefix goes down a digit.
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
    fn keys_keep_the_order_and_histograms_count_each_prefix() {
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
        let all = key_histograms(&v, &[0], 0, 16);
        assert_eq!(all.iter().sum::<i64>(), 7);
        let top = order_key(1.0).unwrap() >> 48;
        let one = key_histograms(&v, &[top], 16, 16);
        assert_eq!(one[((order_key(1.0).unwrap() >> 32) & 0xffff) as usize], 1);
        assert_eq!(one.iter().sum::<i64>(), 1);
    }

    #[test]
    fn counts_are_the_histograms_nonzero_cells() {
        let v = [3.0, -1.0, 3.0, 7.5, f64::NAN, 1e300, -0.0];
        let prefixes = [
            order_key(3.0).unwrap() >> 48,
            order_key(1e300).unwrap() >> 48,
        ];
        for (known, p) in [(0, &prefixes[..1]), (16, &prefixes[..])] {
            let dense = key_histograms(&v, p, known, 16);
            let (codes, counts) = key_counts(&v, p, known, 16);
            assert!(codes.windows(2).all(|w| w[0] < w[1]));
            assert_eq!(counts.iter().sum::<i64>(), dense.iter().sum::<i64>());
            for (c, n) in codes.iter().zip(&counts) {
                assert_eq!(dense[*c as usize], *n);
            }
        }
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
        // cap 2: 3.0's prefix falls back to the next digit's counts, as key_counts gives them.
        let u = keys_under(&v, &prefixes, 16, 16, 2);
        assert_eq!(u.settled, vec![true, false]);
        let (codes, counts) = key_counts(&v, &prefixes[1..], 16, 16);
        let shifted: Vec<u64> = codes.iter().map(|c| c | 1 << 16).collect();
        assert_eq!((u.codes, u.counts), (shifted, counts));
        assert_eq!(u.keys, vec![key(-1.0)]);
    }
}
