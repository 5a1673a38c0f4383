//! Sums, means and summaries computed the way numpy and pandas compute them, bit for bit.

use crate::core::error::{FloError, Result};
use crate::core::numeric::quantile::quantile_sorted;
use crate::core::numeric::versions::numpy_sum_block;

/// numpy's pairwise summation (`np.add.reduce` on a contiguous float64 array).
pub fn pairwise_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= BLOCK {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.sum` under the numpy rules that hold (see [`numpy_sum_in_blocks`]).
pub fn numpy_sum(a: &[f64]) -> f64 {
    numpy_sum_in_blocks(a, numpy_sum_block())
}

/// `np.sum` as reduce calls it: the identity 0 plus the pairwise sum of each `block` elements
/// in turn (numpy < 2.3 hands its inner loop one buffer of 8192 at a time; 2.3 the whole array).
pub fn numpy_sum_in_blocks(a: &[f64], block: usize) -> f64 {
    a.chunks(block.max(1)).fold(0.0, |s, c| s + pairwise_sum(c))
}

/// pandas `Series.mean()` (skipna): NaN counts as 0 in the sum and not in the count.
pub fn pandas_mean(values: &[f64]) -> f64 {
    let (filled, count) = fill_nan(values);
    if count == 0 {
        return f64::NAN;
    }
    numpy_sum(&filled) / count as f64
}

/// pandas `Series.std(ddof=1)`: the two-pass `nanvar`, then the square root.
pub fn pandas_std(values: &[f64]) -> f64 {
    let (filled, count) = fill_nan(values);
    if count <= 1 {
        return f64::NAN;
    }
    let avg = numpy_sum(&filled) / count as f64;
    let sqr: Vec<f64> = values
        .iter()
        .zip(&filled)
        .map(|(v, f)| {
            if v.is_nan() {
                0.0
            } else {
                (avg - f) * (avg - f)
            }
        })
        .collect();
    (numpy_sum(&sqr) / (count - 1) as f64).sqrt()
}

fn fill_nan(values: &[f64]) -> (Vec<f64>, usize) {
    let mut count = 0;
    let filled = values
        .iter()
        .map(|&v| {
            if v.is_nan() {
                0.0
            } else {
                count += 1;
                v
            }
        })
        .collect();
    (filled, count)
}

/// One column of pandas' `describe()`: count, mean, std, min, 25%, 50%, 75%, max.
pub fn describe(values: &[f64]) -> [f64; 8] {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_unstable_by(f64::total_cmp);
    let count = sorted.len();
    let q = |p: f64| {
        if count == 0 {
            f64::NAN
        } else {
            quantile_sorted(&sorted, p)
        }
    };
    [
        count as f64,
        pandas_mean(values),
        pandas_std(values),
        sorted.first().copied().unwrap_or(f64::NAN),
        q(0.25),
        q(0.5),
        q(0.75),
        sorted.last().copied().unwrap_or(f64::NAN),
    ]
}

/// Per-group count and Kahan-compensated sum, as pandas' cython `group_sum`/`group_mean` do.
/// `groups[i]` is row i's group (`None` rows are left out, as pandas drops null keys).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSums {
    pub count: Vec<u64>,
    pub sum: Vec<f64>,
}

impl GroupSums {
    pub fn mean(&self) -> Vec<f64> {
        self.sum
            .iter()
            .zip(&self.count)
            .map(|(s, &c)| if c == 0 { f64::NAN } else { s / c as f64 })
            .collect()
    }
}

pub fn group_sums(groups: &[Option<usize>], values: &[f64], n_groups: usize) -> GroupSums {
    let mut acc = vec![Kahan::default(); n_groups];
    continue_group_sums(&mut acc, groups, values);
    GroupSums {
        count: acc.iter().map(|k| k.count).collect(),
        sum: acc.iter().map(|k| k.sum).collect(),
    }
}

/// Adds rows to running per-group sums: the rows of a table split in parts, added part after
/// part in order, give the sums of the whole table bit for bit.
pub fn continue_group_sums(acc: &mut [Kahan], groups: &[Option<usize>], values: &[f64]) {
    for (g, &v) in groups.iter().zip(values) {
        if let Some(g) = *g {
            acc[g].add(v);
        }
    }
}

/// Running per-group sums as they leave one part of a table for the next (per group: count,
/// sum, compensation).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupState {
    pub counts: Vec<u64>,
    pub sums: Vec<f64>,
    pub compensations: Vec<f64>,
}

/// [`continue_group_sums`] on a state carried between parts: `groups[i]` is row `i`'s group,
/// or -1 to leave it out; any other group outside the state is an error.
pub fn resume_group_sums(state: GroupState, groups: &[i64], values: &[f64]) -> Result<GroupState> {
    let n_groups = state.counts.len();
    if state.sums.len() != n_groups || state.compensations.len() != n_groups {
        return Err(FloError::invalid("group state lengths differ"));
    }
    if groups.len() != values.len() {
        return Err(FloError::invalid("one group per value expected"));
    }
    let rows: Vec<Option<usize>> = groups
        .iter()
        .map(|&g| usize::try_from(g).ok().filter(|&g| g < n_groups))
        .collect();
    if let Some(i) = (0..rows.len()).find(|&i| groups[i] >= 0 && rows[i].is_none()) {
        return Err(FloError::invalid(format!(
            "group {} outside 0..{n_groups}",
            groups[i]
        )));
    }
    let mut acc: Vec<Kahan> = (0..n_groups)
        .map(|g| Kahan::resume(state.counts[g], state.sums[g], state.compensations[g]))
        .collect();
    continue_group_sums(&mut acc, &rows, values);
    Ok(GroupState {
        counts: acc.iter().map(|k| k.count).collect(),
        sums: acc.iter().map(|k| k.sum).collect(),
        compensations: acc.iter().map(|k| k.comp).collect(),
    })
}

/// pandas' groupby sum of one group: Kahan-compensated, NaN skipped and not counted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kahan {
    pub count: u64,
    pub sum: f64,
    comp: f64,
}

impl Kahan {
    /// A sum carried over from elsewhere (`count`, `sum` and `compensation` as it left them).
    pub fn resume(count: u64, sum: f64, compensation: f64) -> Self {
        Kahan {
            count,
            sum,
            comp: compensation,
        }
    }

    pub fn add(&mut self, v: f64) {
        if v.is_nan() {
            return;
        }
        self.count += 1;
        let y = v - self.comp;
        let t = self.sum + y;
        self.comp = t - self.sum - y;
        if self.comp.is_nan() {
            self.comp = 0.0;
        }
        self.sum = t;
    }

    /// The mean, or `empty` for a group with no values.
    pub fn mean_or(&self, empty: f64) -> f64 {
        if self.count == 0 {
            empty
        } else {
            self.sum / self.count as f64
        }
    }
}

/// pandas' Pearson correlation (`DataFrame.corr()`, its `nancorr`): Welford's one-pass means,
/// sums of squares and co-products over the pairs where neither value is NaN, in input order;
/// NaN when fewer than one pair or a column is constant. With `weights`, each pair counts its
/// weight's times (the same updates, scaled by the weight, so weights of 1 give pandas' bits).
pub fn pandas_corr(x: &[f64], y: &[f64], weights: Option<&[f64]>) -> f64 {
    let (mut total, mut mean_x, mut mean_y) = (0.0, 0.0, 0.0);
    let (mut ssq_x, mut ssq_y, mut cov) = (0.0, 0.0, 0.0);
    for (i, (&vx, &vy)) in x.iter().zip(y).enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        if vx.is_nan() || vy.is_nan() || w == 0.0 {
            continue;
        }
        total += w;
        let (dx, dy) = (vx - mean_x, vy - mean_y);
        mean_x += w / total * dx;
        mean_y += w / total * dy;
        ssq_x += w * (vx - mean_x) * dx;
        ssq_y += w * (vy - mean_y) * dy;
        cov += w * (vx - mean_x) * dy;
    }
    let divisor = (ssq_x * ssq_y).sqrt();
    if total == 0.0 || divisor == 0.0 {
        return f64::NAN;
    }
    cov / divisor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_differs_from_naive_where_numpy_does() {
        // 0.1 added 1000 times: numpy's pairwise sum gives 100.00000000000004 (checked in
        // tests/test_prepare.py against numpy itself); a naive loop gives 99.9999999999986.
        let a = vec![0.1; 1000];
        let naive: f64 = a.iter().fold(0.0, |s, x| s + x);
        assert_ne!(pairwise_sum(&a), naive);
    }

    #[test]
    fn kahan_groups_skip_nan_and_none() {
        let g = group_sums(
            &[Some(0), Some(1), None, Some(0)],
            &[1.0, 2.0, 5.0, f64::NAN],
            2,
        );
        assert_eq!(g.count, vec![1, 1]);
        assert_eq!(g.sum, vec![1.0, 2.0]);
    }

    #[test]
    fn std_needs_two_values() {
        assert!(pandas_std(&[1.0]).is_nan());
        assert_eq!(pandas_std(&[1.0, 3.0]), 2f64.sqrt());
    }

    #[test]
    fn pandas_corr_is_pearson_and_nan_when_constant() {
        let x = [1.0, 2.0, 3.0, 4.0];
        assert!((pandas_corr(&x, &[2.0, 4.0, 6.0, 8.0], None) - 1.0).abs() < 1e-15);
        assert!((pandas_corr(&x, &[8.0, 6.0, 4.0, 2.0], None) + 1.0).abs() < 1e-15);
        assert!(pandas_corr(&x, &[1.0; 4], None).is_nan());
        // A weight of 2 is the row twice.
        let twice = pandas_corr(&[1.0, 2.0, 2.0, 5.0], &[3.0, 1.0, 1.0, 4.0], None);
        let weighted = pandas_corr(&[1.0, 2.0, 5.0], &[3.0, 1.0, 4.0], Some(&[1.0, 2.0, 1.0]));
        assert!((twice - weighted).abs() < 1e-14, "{twice} {weighted}");
    }
}
