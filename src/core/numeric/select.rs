//! Exact order statistics of values spread over partitions, found digit by digit: histograms
//! of the values' order-preserving 64-bit keys, summed over the partitions by the caller.

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
}
