//! Customers' purchase histories as the fits see them: identical rows collapsed into weights,
//! times scaled, rows grouped by frequency, and the content-chosen subsample a large fit starts
//! from.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::core::clv::bgnbd;
use crate::core::error::{FloError, Result};
use crate::core::numeric::fixed_sum::{BlockWeights, FixedSum};

/// Identical input rows collapsed into one row with a weight: the likelihood is a weighted sum,
/// so the fit sees the same objective with far fewer terms. The rows come out sorted by their
/// columns' bits, the first column first (for the models' non-negative columns, by value: each
/// frequency's rows in one run, and the times in order within it); a row's weights are added in
/// input order.
pub fn collapse<const N: usize>(
    columns: [&[f64]; N],
    weights: Option<&[f64]>,
) -> ([Vec<f64>; N], Vec<f64>) {
    let n = columns.first().map_or(0, |c| c.len());
    // Sorting (in parallel) rather than hashing: a million random-access inserts into a table
    // of most of a million rows cost more than the sort, which also orders the rows.
    let mut keys: Vec<([u64; N], usize)> = (0..n)
        .into_par_iter()
        .with_min_len(4096)
        .map(|i| (std::array::from_fn(|k| columns[k][i].to_bits()), i))
        .collect();
    keys.par_sort_unstable();
    let mut out: [Vec<f64>; N] = std::array::from_fn(|_| Vec::new());
    let mut w: Vec<f64> = Vec::new();
    let mut last: Option<[u64; N]> = None;
    for (key, i) in keys {
        let wi = weights.map_or(1.0, |ws| ws[i]);
        if last == Some(key) {
            *w.last_mut().expect("a row was pushed") += wi;
        } else {
            for (o, bits) in out.iter_mut().zip(key) {
                o.push(f64::from_bits(bits));
            }
            w.push(wi);
            last = Some(key);
        }
    }
    (out, w)
}

/// A 64-bit hash of a row's bits (SplitMix64's finaliser over each word): every bit of every
/// column matters, and it is the same on every machine.
fn mix<const N: usize>(row: &[u64; N]) -> u64 {
    let mut h = 0x9E37_79B9_7F4A_7C15_u64;
    for &v in row {
        h ^= v;
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
    }
    h
}

/// Per row, the index of its pair `(a[i], b[i])` among the distinct pairs, and those pairs,
/// sorted by their bits (`a` first).
pub fn pair_groups(a: &[f64], b: &[f64]) -> (Vec<u32>, Vec<(f64, f64)>) {
    // One table, filled in one pass: measured faster on two cores than gathering the pairs
    // chunk by chunk in parallel and merging (and than ranking each column on a grid).
    let mut index: FxHashMap<(u64, u64), u32> = FxHashMap::default();
    let mut pairs: Vec<(u64, u64)> = Vec::new();
    let group: Vec<u32> = a
        .iter()
        .zip(b)
        .map(|(x, y)| {
            let key = (x.to_bits(), y.to_bits());
            *index.entry(key).or_insert_with(|| {
                pairs.push(key);
                (pairs.len() - 1) as u32
            })
        })
        .collect();
    let mut order: Vec<u32> = (0..pairs.len() as u32).collect();
    order.sort_unstable_by_key(|&k| pairs[k as usize]);
    let mut renumber = vec![0u32; pairs.len()];
    for (new, &old) in order.iter().enumerate() {
        renumber[old as usize] = new as u32;
    }
    let group = group
        .par_iter()
        .with_min_len(4096)
        .map(|&g| renumber[g as usize])
        .collect();
    let keys = order
        .iter()
        .map(|&k| {
            let (x, y) = pairs[k as usize];
            (f64::from_bits(x), f64::from_bits(y))
        })
        .collect();
    (group, keys)
}

/// Distinct values of `x` with the total weight of each: the model terms that depend on the
/// frequency only are computed once per distinct frequency.
pub fn weight_by_value(x: &[f64], w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut by: FxHashMap<u64, f64> = FxHashMap::default();
    for (xi, wi) in x.iter().zip(w) {
        *by.entry(xi.to_bits()).or_insert(0.0) += wi;
    }
    let mut pairs: Vec<(f64, f64)> = by
        .into_iter()
        .map(|(k, v)| (f64::from_bits(k), v))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    pairs.into_iter().unzip()
}

/// The rows of `columns` sorted by the first (the frequency): the sums are order-free, and each
/// frequency's rows then come in one run for [`frequency_sums`].
pub fn sorted_by_frequency<const N: usize>(columns: [Vec<f64>; N]) -> [Vec<f64>; N] {
    let x = &columns[0];
    // Collapsed rows ([`collapse`]) come sorted already.
    if x.windows(2).all(|p| p[0].to_bits() <= p[1].to_bits()) {
        return columns;
    }
    let mut order: Vec<usize> = (0..x.len()).collect();
    // Frequencies are whole numbers >= 0, whose bits sort as they do.
    order.par_sort_unstable_by_key(|&i| x[i].to_bits());
    columns.map(|c| order.iter().map(|&i| c[i]).collect())
}

/// Per row of `x`, the index of its value among `values` (which hold every one).
pub fn frequency_slots(values: &[f64], x: &[f64]) -> Vec<u32> {
    let at: FxHashMap<u64, u32> = values
        .iter()
        .enumerate()
        .map(|(k, v)| (v.to_bits(), k as u32))
        .collect();
    x.iter().map(|v| at[&v.to_bits()]).collect()
}

/// Sums of `K` per-row terms for each distinct frequency: `slot[i]` is row `i`'s frequency
/// (an index below `slots`), rows sorted by it so that each frequency's rows come in one run.
/// On all cores in fixed chunks, a block at a time, order-free; the caller applies any factor
/// of the frequency once per frequency, not once per row.
#[allow(clippy::needless_range_loop)] // terms by row into blocks by term
pub fn frequency_sums<const K: usize>(
    slot: &[u32],
    slots: usize,
    w: &[f64],
    term: impl Fn(usize) -> [f64; K] + Sync,
) -> Vec<[FixedSum; K]> {
    const CHUNK: usize = 8192;
    const BLOCK: usize = 256;
    let n = slot.len();
    let empty = || -> Vec<[FixedSum; K]> {
        (0..slots)
            .map(|_| std::array::from_fn(|_| FixedSum::default()))
            .collect()
    };
    (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut acc = empty();
            let mut buf = [[0.0; BLOCK]; K];
            let end = n.min((c + 1) * CHUNK);
            let mut start = c * CHUNK;
            while start < end {
                let k_of = slot[start];
                let run_end = start + slot[start..end].iter().take_while(|&&v| v == k_of).count();
                let run = &mut acc[k_of as usize];
                while start < run_end {
                    let len = BLOCK.min(run_end - start);
                    for i in 0..len {
                        let t = term(start + i);
                        for k in 0..K {
                            buf[k][i] = t[k];
                        }
                    }
                    let wb = &w[start..start + len];
                    let weights = BlockWeights::of(wb);
                    for (s, b) in run.iter_mut().zip(&buf) {
                        s.add_block(&b[..len], wb, weights);
                    }
                    start += len;
                }
            }
            acc
        })
        .reduce(empty, |mut a, b| {
            for (sa, sb) in a.iter_mut().zip(&b) {
                for (x, y) in sa.iter_mut().zip(sb) {
                    x.merge(y);
                }
            }
            a
        })
}

/// Customers' `(x, t_x, T)` checked, times scaled by `1 / max(T)` (lifetimes' `_scale_time`)
/// and identical rows collapsed into weights.
pub struct ScaledHistory {
    pub x: Vec<f64>,
    pub t_x: Vec<f64>,
    pub t: Vec<f64>,
    pub w: Vec<f64>,
    pub scale: f64,
}

impl ScaledHistory {
    pub fn new(x: &[f64], t_x: &[f64], t: &[f64], weights: Option<&[f64]>) -> Result<Self> {
        bgnbd::check_inputs(x, t_x, t)?;
        let max_t = t.iter().copied().fold(f64::MIN, f64::max);
        Self::with_scale(x, t_x, t, weights, time_scale(max_t)?)
    }

    /// With a scale found elsewhere (`time_scale` of the largest T of all customers, when
    /// these are only some of them).
    pub fn with_scale(
        x: &[f64],
        t_x: &[f64],
        t: &[f64],
        weights: Option<&[f64]>,
        scale: f64,
    ) -> Result<Self> {
        bgnbd::check_inputs(x, t_x, t)?;
        let scaled_tx: Vec<f64> = t_x.iter().map(|v| v * scale).collect();
        let scaled_t: Vec<f64> = t.iter().map(|v| v * scale).collect();
        let ([x, t_x, t], w) = collapse([x, &scaled_tx, &scaled_t], weights);
        Ok(ScaledHistory {
            x,
            t_x,
            t,
            w,
            scale,
        })
    }
}

/// lifetimes' `_scale_time`: `1 / max(T)`.
pub fn time_scale(max_t: f64) -> Result<f64> {
    if max_t <= 0.0 {
        return Err(FloError::invalid(
            "every T is 0: customers need some observed time",
        ));
    }
    Ok(1.0 / max_t)
}

/// A large fit starts from the optimum over a subsample of its distinct rows: those whose
/// contents hash to zero in their low `shift` bits, about one in `2^shift`. Chosen by content,
/// any split of the customers (threads, partitions) picks the same rows with the same total
/// weights, so the start, and so the fit, is the same number. The shift comes from the total
/// weight (the same however the customers were split, unlike a count of distinct rows): the
/// subsample holds about 32,768-65,535 customers' worth of rows. `None` below a total weight of
/// 131,072 (customers, when unweighted), and below 131,072 distinct `rows`: a subsample of few
/// heavy rows can have its optimum on a boundary plateau that the full fit would stay on.
/// (`rows` from a split counts a row once per part that holds it, so a split fit of fewer
/// distinct rows than that but more counted can start differently: it then equals the one-machine
/// fit to the optimiser's tolerance, not bit for bit.)
pub fn sample_shift(total_w: f64, rows: usize) -> Option<u32> {
    let ratio = total_w / 32_768.0;
    (ratio >= 4.0 && rows >= 131_072).then(|| ratio.log2().floor().min(24.0) as u32)
}

/// Whether a row (its columns' bits) is in the subsample of [`sample_shift`] `shift`.
pub fn in_sample<const N: usize>(row: [f64; N], shift: u32) -> bool {
    shift == 0 || mix(&row.map(f64::to_bits)) & ((1u64 << shift) - 1) == 0
}
