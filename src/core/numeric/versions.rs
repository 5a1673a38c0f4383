//! The rules that differ between the pandas and numpy versions flo_rfm follows, chosen once
//! per process: the Python package reads the installed pandas' and numpy's versions at import
//! and sets them here; without that (the Rust tests, the CLI's core) pandas 3's and numpy
//! 2.3's rules hold.
//!
//! * Quantile probabilities. pandas 2 (`Series.quantile`, hence `qcut` and `describe`) passes
//!   `p * 100` to `np.percentile`, which divides by 100 again: the probability numpy sees is
//!   `p * 100 / 100`, one ulp away from `p` for some `p` (`1/3`). pandas 3 passes `p` to
//!   `np.quantile`, and its `qcut(x, q)` nudges each `np.linspace` probability that is not
//!   exact in binary one ulp up.
//! * Sums. numpy before 2.3 reduces an array in blocks of its buffer size (8192 elements):
//!   pairwise inside a block, the blocks' sums added in order. numpy 2.3 sums the whole array
//!   pairwise.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::core::error::{FloError, Result};

/// The pandas and numpy versions whose rules hold, as `major * 1000 + minor`.
static PANDAS: AtomicU32 = AtomicU32::new(3_000);
static NUMPY: AtomicU32 = AtomicU32::new(2_003);

/// The elements numpy before 2.3 sums per block (`np.getbufsize()`, 8192 by default).
pub const NUMPY_SUM_BLOCK: usize = 8192;

/// Follow these pandas and numpy versions' rules from now on.
pub fn set_versions(pandas: (u32, u32), numpy: (u32, u32)) -> Result<()> {
    if pandas.0 < 2 || numpy.0 < 1 || pandas.1 >= 1000 || numpy.1 >= 1000 {
        return Err(FloError::invalid(format!(
            "pandas {}.{} with numpy {}.{} is not supported: flo_rfm follows pandas 2 and 3",
            pandas.0, pandas.1, numpy.0, numpy.1
        )));
    }
    PANDAS.store(pandas.0 * 1000 + pandas.1, Ordering::Relaxed);
    NUMPY.store(numpy.0 * 1000 + numpy.1, Ordering::Relaxed);
    Ok(())
}

/// The pandas and numpy versions whose rules hold, as `(major, minor)`.
pub fn versions() -> ((u32, u32), (u32, u32)) {
    let split = |v: u32| (v / 1000, v % 1000);
    (
        split(PANDAS.load(Ordering::Relaxed)),
        split(NUMPY.load(Ordering::Relaxed)),
    )
}

/// The pandas major version whose rules hold.
pub fn pandas_major() -> u8 {
    (PANDAS.load(Ordering::Relaxed) / 1000).min(255) as u8
}

/// How many elements numpy sums pairwise before adding the block's sum to the total: a block
/// (numpy < 2.3) or the whole array.
pub fn numpy_sum_block() -> usize {
    if NUMPY.load(Ordering::Relaxed) < 2_003 {
        NUMPY_SUM_BLOCK
    } else {
        usize::MAX
    }
}

/// The probability numpy's quantile sees when pandas `major` is asked for quantile `p`.
pub fn probability_for(major: u8, p: f64) -> f64 {
    if major == 2 {
        // `np.percentile(a, qs * 100.0)` → `np.true_divide(q, 100)`.
        p * 100.0 / 100.0
    } else {
        p
    }
}

/// [`probability_for`] under the rules that hold.
pub fn pandas_probability(p: f64) -> f64 {
    probability_for(pandas_major(), p)
}

/// The probabilities numpy sees for pandas `major`'s `qcut(x, q)`: `np.linspace(0, 1, q + 1)`,
/// each nudged up one ulp where `q * p` is not the integer it stands for (pandas >= 3), or
/// through `np.percentile`'s `* 100 / 100` (pandas 2).
pub fn qcut_probabilities_for(major: u8, q: usize) -> Vec<f64> {
    debug_assert!(q >= 1, "qcut needs at least one bin");
    let step = 1.0 / q as f64;
    (0..=q)
        .map(|i| {
            let p = if i == q { 1.0 } else { i as f64 * step };
            if major >= 3 && q as f64 * p != i as f64 {
                next_up(p)
            } else {
                probability_for(major, p)
            }
        })
        .collect()
}

/// [`qcut_probabilities_for`] under the rules that hold.
pub fn qcut_probabilities(q: usize) -> Vec<f64> {
    qcut_probabilities_for(pandas_major(), q)
}

/// A cut's probabilities as numpy sees them: `q` equal bins (pandas' own) or the given ones,
/// exactly one of them.
pub fn cut_probabilities(q: Option<usize>, probabilities: Option<Vec<f64>>) -> Result<Vec<f64>> {
    match (q, probabilities) {
        (Some(q), None) if q >= 1 => Ok(qcut_probabilities(q)),
        (None, Some(p)) => Ok(given_probabilities(p)),
        _ => Err(FloError::invalid(
            "pass either q (a positive integer) or probabilities",
        )),
    }
}

/// Probabilities the user gave (`qcut(x, [0, .3, 1])`) as numpy sees them.
pub fn given_probabilities(p: Vec<f64>) -> Vec<f64> {
    p.into_iter().map(pandas_probability).collect()
}

fn next_up(p: f64) -> f64 {
    // `np.nextafter(p, 1)` for 0 <= p < 1.
    if p >= 1.0 {
        return p;
    }
    f64::from_bits(p.to_bits() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pandas_three_nudges_linspace() {
        let p = qcut_probabilities_for(3, 5);
        assert_eq!(p[3], f64::from_bits(0.6000000000000001f64.to_bits() + 1));
        assert_eq!((p[0], p[1], p[5]), (0.0, 0.2, 1.0));
    }

    #[test]
    fn pandas_two_goes_through_percent() {
        let p = qcut_probabilities_for(2, 5);
        // 0.6000000000000001 * 100 = 60.00000000000001, / 100 = 0.6000000000000001.
        assert_eq!(p, vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        // 1/3 * 100 = 33.33333333333333, / 100 = 0.33333333333333326 (one ulp below 1/3).
        assert_eq!(qcut_probabilities_for(2, 3)[1], 0.33333333333333326);
        assert_eq!(probability_for(3, 1.0 / 3.0), 1.0 / 3.0);
        assert_eq!(qcut_probabilities_for(2, 10)[7], 0.7);
        assert_eq!(qcut_probabilities_for(3, 10)[7], 0.7000000000000002);
    }

    #[test]
    fn the_defaults_are_the_newest_rules() {
        assert_eq!(versions(), ((3, 0), (2, 3)));
        assert_eq!((pandas_major(), numpy_sum_block()), (3, usize::MAX));
        assert!(set_versions((1, 5), (1, 26)).is_err());
    }
}
