//! The CLV models: BG/NBD (Fader, Hardie & Lee 2005), modified BG/NBD (Batislam et al. 2007),
//! Pareto/NBD (Schmittlein, Morrison & Colombo 1987) and Gamma-Gamma (Fader & Hardie 2013),
//! with the objectives exactly as `lifetimes` 0.11.3 defines them.

pub mod bgnbd;
pub mod bootstrap;
pub mod clv;
pub mod gamma_gamma;
pub mod optim;
pub mod pareto;
pub mod purchases;
pub mod special;

use rustc_hash::FxHashMap;

use crate::core::error::{FloError, Result};
use crate::core::fixed_sum::{fixed_weight, BlockWeights, FixedSum};
use crate::core::watch::Watch;
use rayon::prelude::*;

/// `Err(Cancelled)` once `watch` has been asked to stop (Ctrl-C in Python): checked at every
/// evaluation of a fit's objective, so a long fit stops within one evaluation.
pub fn checkpoint(watch: Option<&Watch>, what: &str) -> Result<()> {
    match watch {
        Some(w) if w.is_cancelled() => Err(FloError::Cancelled {
            path: what.to_string(),
        }),
        _ => Ok(()),
    }
}

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

/// A log-likelihood term and its gradient, `N` parameters.
pub type Term<const N: usize> = (f64, [f64; N]);

pub fn add<const N: usize>(a: Term<N>, b: Term<N>) -> Term<N> {
    (a.0 + b.0, std::array::from_fn(|j| a.1[j] + b.1[j]))
}

pub fn scale<const N: usize>(w: f64, v: Term<N>) -> Term<N> {
    (w * v.0, std::array::from_fn(|j| w * v.1[j]))
}

/// A weighted log-likelihood sum and its gradient sums, all order-free ([`FixedSum`]): the
/// same numbers whatever the order of the terms or how the customers were split (threads,
/// partitions, machines).
#[derive(Debug, Clone)]
pub struct TermSums<const N: usize> {
    pub value: FixedSum,
    pub grad: [FixedSum; N],
    /// The Hessian's upper triangle row by row (`N (N + 1) / 2` sums), or empty when it was
    /// not asked for.
    pub hessian: Vec<FixedSum>,
}

impl<const N: usize> Default for TermSums<N> {
    fn default() -> Self {
        TermSums {
            value: FixedSum::default(),
            grad: std::array::from_fn(|_| FixedSum::default()),
            hessian: Vec::new(),
        }
    }
}

/// Entries in the upper triangle of an `n x n` matrix.
pub const fn triangle(n: usize) -> usize {
    n * (n + 1) / 2
}

/// The index of entry `(i, j)`, `i <= j`, in an upper triangle stored row by row.
pub const fn tri_index(n: usize, i: usize, j: usize) -> usize {
    i * n - i * (i + 1) / 2 + j
}

impl<const N: usize> TermSums<N> {
    /// Adds `w` times a term.
    #[inline(always)]
    pub fn push(&mut self, w: f64, term: Term<N>) {
        let whole = fixed_weight(w);
        self.value.add_weighted(whole, w, term.0);
        for (g, t) in self.grad.iter_mut().zip(term.1) {
            g.add_weighted(whole, w, t);
        }
    }

    /// The sums of `w[i]` times `term(i)` for i in 0..n, on all cores in fixed chunks. Terms are
    /// made a block at a time and each sum takes the block at once (in vector registers).
    pub fn over(n: usize, w: &[f64], term: impl Fn(usize) -> Term<N> + Sync) -> Self {
        const CHUNK: usize = 8192;
        const BLOCK: usize = 256;
        (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let mut acc = TermSums::default();
                // The benchmarks' plain baseline: each term added as it is made.
                #[cfg(feature = "plain-sums")]
                {
                    let start = c * CHUNK;
                    for (i, &wi) in w.iter().enumerate().take(n.min(start + CHUNK)).skip(start) {
                        acc.push(wi, term(i));
                    }
                    return acc;
                }
                #[cfg_attr(feature = "plain-sums", allow(unreachable_code))]
                let (mut value, mut grad) = ([0.0; BLOCK], [[0.0; BLOCK]; N]);
                let end = n.min((c + 1) * CHUNK);
                let mut start = c * CHUNK;
                while start < end {
                    let len = BLOCK.min(end - start);
                    for k in 0..len {
                        let (v, g) = term(start + k);
                        value[k] = v;
                        for j in 0..N {
                            grad[j][k] = g[j];
                        }
                    }
                    let wb = &w[start..start + len];
                    let weights = BlockWeights::of(wb);
                    acc.value.add_block(&value[..len], wb, weights);
                    for (s, g) in acc.grad.iter_mut().zip(&grad) {
                        s.add_block(&g[..len], wb, weights);
                    }
                    start += len;
                }
                acc
            })
            .reduce(TermSums::default, TermSums::merge)
    }

    pub fn merge(mut self, other: Self) -> Self {
        self.value.merge(&other.value);
        for (g, o) in self.grad.iter_mut().zip(&other.grad) {
            g.merge(o);
        }
        if self.hessian.is_empty() {
            self.hessian = other.hessian;
        } else {
            for (h, o) in self.hessian.iter_mut().zip(&other.hessian) {
                h.merge(o);
            }
        }
        self
    }

    /// The value's partials, then each gradient component's, then the Hessian's if it was
    /// computed (to merge elsewhere).
    pub fn to_parts(&self) -> Vec<Vec<f64>> {
        std::iter::once(&self.value)
            .chain(&self.grad)
            .chain(&self.hessian)
            .map(FixedSum::partials)
            .collect()
    }

    /// The sums of several parts (each as [`TermSums::to_parts`] gave), merged.
    pub fn from_parts(parts: &[Vec<Vec<f64>>]) -> Result<Self> {
        let mut out = TermSums::default();
        let with_hessian = parts.first().is_some_and(|p| p.len() > N + 1);
        if with_hessian {
            out.hessian = vec![FixedSum::default(); triangle(N)];
        }
        let expected = N + 1 + out.hessian.len();
        for p in parts {
            if p.len() != expected {
                return Err(FloError::invalid(format!(
                    "a partial likelihood has {} sums, expected {expected}",
                    p.len(),
                )));
            }
            out.value.merge(&FixedSum::from_partials(&p[0]));
            for (g, q) in out.grad.iter_mut().chain(&mut out.hessian).zip(&p[1..]) {
                g.merge(&FixedSum::from_partials(q));
            }
        }
        Ok(out)
    }

    /// The Hessian sums as a full symmetric matrix, `None` if they were not computed.
    #[allow(clippy::needless_range_loop)] // a triangle read into a square
    pub fn hessian_matrix(&self) -> Option<[[f64; N]; N]> {
        if self.hessian.len() != triangle(N) {
            return None;
        }
        let mut h = [[0.0; N]; N];
        for i in 0..N {
            for j in i..N {
                let v = self.hessian[tri_index(N, i, j)].value();
                h[i][j] = v;
                h[j][i] = v;
            }
        }
        Some(h)
    }

    /// lifetimes' objective in log-parameters from the sums: `-sum(w LL) / sum(w) +
    /// penalizer * sum(params^2)`, its gradient written to `grad`. `e` are the parameters.
    pub fn objective(&self, e: &[f64], total_w: f64, penalizer: f64, grad: &mut [f64]) -> f64 {
        for j in 0..N {
            grad[j] = e[j] * (-self.grad[j].value() / total_w + 2.0 * penalizer * e[j]);
        }
        let pen: f64 = e.iter().map(|v| v * v).sum::<f64>() * penalizer;
        -self.value.value() / total_w + pen
    }
}

/// The objective's Hessian in the log-parameters from the log-likelihood's Hessian `h` (sums,
/// natural parameters) and the objective's gradient `grad` in the log-parameters: with `e` the
/// parameters, `d2/dlp_i dlp_j = -e_i e_j h_ij / W + [i = j] (grad_i + 2 penalizer e_i^2)`.
pub fn log_hessian<const N: usize>(
    h: &[[f64; N]; N],
    e: &[f64],
    grad: &[f64],
    total_w: f64,
    penalizer: f64,
) -> Vec<Vec<f64>> {
    (0..N)
        .map(|i| {
            (0..N)
                .map(|j| {
                    let diagonal = if i == j {
                        grad[i] + 2.0 * penalizer * e[i] * e[i]
                    } else {
                        0.0
                    };
                    -e[i] * e[j] * h[i][j] / total_w + diagonal
                })
                .collect()
        })
        .collect()
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

/// Asserts that `grad` matches central differences of `f` at `x` (for the models' tests).
#[cfg(test)]
pub fn assert_gradient<const N: usize>(f: impl Fn(&[f64], &mut [f64]) -> f64, x: [f64; N]) {
    let mut g = [0.0; N];
    f(&x, &mut g);
    for j in 0..N {
        let h = 1e-6;
        let (mut up, mut dn) = (x, x);
        up[j] += h;
        dn[j] -= h;
        let mut tmp = [0.0; N];
        let fd = (f(&up, &mut tmp) - f(&dn, &mut tmp)) / (2.0 * h);
        assert!(
            (fd - g[j]).abs() < 1e-7 * (1.0 + fd.abs()),
            "param {j}: {fd} vs {}",
            g[j]
        );
    }
}

/// Asserts that `hessian` (with the gradient `f` writes) matches central differences of the
/// gradient at `x`, relative to the Hessian's largest entry (for the models' tests).
#[cfg(test)]
pub fn assert_hessian<const N: usize>(
    f: impl Fn(&[f64], &mut [f64]) -> f64,
    hessian: &[Vec<f64>],
    x: [f64; N],
) {
    let size = hessian.iter().flatten().fold(1.0f64, |m, v| m.max(v.abs()));
    for j in 0..N {
        let h = 1e-5;
        let (mut up, mut dn) = (x, x);
        up[j] += h;
        dn[j] -= h;
        let (mut gu, mut gd) = ([0.0; N], [0.0; N]);
        f(&up, &mut gu);
        f(&dn, &mut gd);
        for i in 0..N {
            let fd = (gu[i] - gd[i]) / (2.0 * h);
            assert!(
                (fd - hessian[i][j]).abs() < 1e-6 * size,
                "entry ({i}, {j}): differences {fd}, analytic {}",
                hessian[i][j]
            );
        }
    }
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

/// What a fit asks of its objective at some log-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ask {
    /// The Hessian too (an objective without an analytic one leaves it out).
    pub hessian: bool,
    /// Over the deterministic subsample of rows [`in_sample`] picks with this shift only.
    pub sample: Option<u32>,
}

impl Ask {
    /// The rows this evaluation is over: `sample` when it asks for the subsample and one was
    /// made, else `all`.
    pub fn rows<'a, T>(&self, all: &'a T, sample: &'a Option<T>) -> &'a T {
        match (self.sample, sample) {
            (Some(_), Some(sample)) => sample,
            _ => all,
        }
    }

    /// `f` over `part`'s rows as asked: the whole part, or its subsample made by `sample`
    /// (a part's sums for a split fit, in the tests).
    #[cfg(test)]
    pub fn over_part<T, R>(
        &self,
        part: &T,
        sample: impl Fn(&T, u32) -> T,
        f: impl FnOnce(&T) -> R,
    ) -> R {
        match self.sample {
            Some(shift) => f(&sample(part, shift)),
            None => f(part),
        }
    }
    /// What the objective is a mean over: the customers' total weight, or for a subsample,
    /// its expected share of it (the same number wherever the sums were made).
    pub fn mean_weight(&self, total_w: f64) -> f64 {
        match self.sample {
            Some(shift) => total_w / f64::from(1u32 << shift),
            None => total_w,
        }
    }
}

/// The objective's value, with the gradient in the log-parameters written elsewhere, and its
/// Hessian in the log-parameters when asked for and available.
pub type Evaluation = (f64, Option<Vec<Vec<f64>>>);

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

/// How a fit's objective is evaluated and what it offers.
pub struct FitSpec<'a> {
    /// Distinct rows after collapsing identical ones (reported).
    pub groups: usize,
    /// The customers' total weight, by which the objective is a mean.
    pub total_weight: f64,
    pub model: &'a str,
    /// What to try when the fit does not converge.
    pub advice: &'a str,
    /// The objective gives its Hessian when asked (else it is taken by differences).
    pub analytic_hessian: bool,
    /// The objective can be evaluated over a subsample (see [`sample_shift`]).
    pub samples: bool,
}

/// A fit's objective as the optimiser sees it: errors become NaN (which stops it) and the
/// first one is kept.
struct Asked<'a, F> {
    objective: &'a F,
    sample: Option<u32>,
    analytic: bool,
    failed: &'a std::cell::RefCell<Option<FloError>>,
}

impl<F: Fn(&[f64], Ask, &mut [f64]) -> Result<Evaluation>> Asked<'_, F> {
    fn call(&self, lp: &[f64], hessian: bool, g: &mut [f64]) -> Evaluation {
        if self.failed.borrow().is_some() {
            return (f64::NAN, None);
        }
        let ask = Ask {
            hessian,
            sample: self.sample,
        };
        (self.objective)(lp, ask, g).unwrap_or_else(|err| {
            self.failed.replace(Some(err));
            (f64::NAN, None)
        })
    }
}

impl<F: Fn(&[f64], Ask, &mut [f64]) -> Result<Evaluation>> optim::Objective for Asked<'_, F> {
    fn eval(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.call(x, false, grad).0
    }

    fn eval_hessian(&self, x: &[f64], grad: &mut [f64]) -> Option<(f64, Vec<Vec<f64>>)> {
        if !self.analytic {
            return None;
        }
        // No Hessian from an objective that has one (a caller's sums without it): taken by
        // differences instead.
        let (value, h) = self.call(x, true, grad);
        h.map(|h| (value, h))
    }
}

/// Maximum likelihood in log-parameters from lifetimes' start (every log-parameter 0.1), or
/// for a large fit that offers a subsample, from the subsample's optimum (Newton steps with an
/// analytic Hessian, else BFGS from the subsample's Hessian; from lifetimes' start again if
/// that does not converge):
/// the parameters (exponentiated) and the fit's diagnostics, with the objective's Hessian at
/// the optimum, or a `ConvergenceError` naming the model and what to try. Never returns a NaN,
/// infinite or zero parameter.
pub fn fit_log_params<const N: usize>(
    objective: impl Fn(&[f64], Ask, &mut [f64]) -> Result<Evaluation>,
    spec: &FitSpec<'_>,
) -> Result<([f64; N], FitInfo)> {
    // The optimiser sees NaN once the objective fails, and stops; the first error is returned.
    let failed = std::cell::RefCell::new(None);
    let asked = |sample| Asked {
        objective: &objective,
        sample,
        analytic: spec.analytic_hessian,
        failed: &failed,
    };
    let mut opts = optim::Options::default();
    let mut start = vec![0.1; N];
    if let Some(shift) = sample_shift(spec.total_weight, spec.groups).filter(|_| spec.samples) {
        let on_sample = asked(Some(shift));
        let sampled = optim::minimize(&on_sample, &start, &opts);
        if let Some(err) = failed.borrow_mut().take() {
            return Err(err);
        }
        // A subsample that cannot be fitted (too few rows in it) costs only its evaluations.
        if sampled.converged {
            start = sampled.x.clone();
            // With an analytic Hessian, Newton steps from there; else BFGS, starting from the
            // subsample's Hessian (both objectives are means, so of one size).
            if spec.analytic_hessian {
                opts.newton_first = true;
            } else {
                let at = &sampled.x;
                opts.initial_hessian = Some(
                    sampled
                        .hessian
                        .unwrap_or_else(|| optim::hessian_of(&on_sample, at)),
                );
            }
        }
    }
    let full = asked(None);
    let mut sol = optim::minimize(&full, &start, &opts);
    let usable = |sol: &optim::Solution| sol.converged && sol.x.iter().all(|v| v.exp() > 0.0);
    if !usable(&sol) && start != [0.1; N] && failed.borrow().is_none() {
        sol = optim::minimize(&full, &[0.1; N], &optim::Options::default());
    }
    let at: [f64; N] = std::array::from_fn(|j| sol.x[j]);
    // The last Newton step's Hessian, when there was one: at the optimum (analytic), or within
    // ~1e-8 of it, and 2 n evaluations saved.
    let log_hessian = sol
        .hessian
        .clone()
        .unwrap_or_else(|| optim::hessian_of(&full, &at));
    if let Some(err) = failed.into_inner() {
        return Err(err);
    }
    let info = FitInfo {
        iterations: sol.iterations,
        objective: sol.value,
        gradient_norm: sol.grad_norm(),
        groups: spec.groups,
        log_hessian,
        total_weight: spec.total_weight,
    };
    let params: [f64; N] = std::array::from_fn(|j| sol.x[j].exp());
    if !sol.converged || params.iter().any(|v| !v.is_finite() || *v <= 0.0) {
        return Err(FloError::Convergence(format!(
            "{} did not converge after {} iterations (objective {}, gradient norm {:e}). {}",
            spec.model, info.iterations, info.objective, info.gradient_norm, spec.advice
        )));
    }
    Ok((params, info))
}

/// Fit diagnostics, reported with every fitted model.
#[derive(Debug, Clone, PartialEq)]
pub struct FitInfo {
    pub iterations: usize,
    /// The objective at the optimum (lifetimes' `_negative_log_likelihood_`).
    pub objective: f64,
    /// Largest gradient component at the optimum, in the log-parameters.
    pub gradient_norm: f64,
    /// Distinct rows after collapsing identical ones.
    pub groups: usize,
    /// The objective's Hessian in the log-parameters at the optimum.
    pub log_hessian: Vec<Vec<f64>>,
    /// The customers' total weight: the objective is a mean over it.
    pub total_weight: f64,
}

impl FitInfo {
    /// The parameters' covariance matrix (row by row) by the delta method from the Hessian:
    /// `cov_ij = p_i p_j inv(H)_ij / total_weight`, whose diagonal is lifetimes'
    /// `variance_matrix_` diagonal. NaN where the Hessian is singular.
    pub fn covariance(&self, params: &[f64]) -> Vec<f64> {
        let n = params.len();
        // Column j of inv(H) solves H c = e_j (the optimiser's own elimination).
        let columns: Option<Vec<Vec<f64>>> = (0..n)
            .map(|j| {
                let unit = (0..n).map(|i| if i == j { 1.0 } else { 0.0 }).collect();
                optim::solve(self.log_hessian.clone(), unit)
            })
            .collect();
        (0..n * n)
            .map(|k| {
                let (i, j) = (k / n, k % n);
                columns.as_ref().map_or(f64::NAN, |c| {
                    params[i] * params[j] * c[j][i] / self.total_weight
                })
            })
            .collect()
    }
}
