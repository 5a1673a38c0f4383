//! Log-likelihood terms and their order-free sums (value, gradient, Hessian): the same numbers
//! whatever the order of the customers or how they were split between threads or machines.

use rayon::prelude::*;

use crate::core::error::{FloError, Result};
use crate::core::numeric::fixed_sum::{fixed_weight, BlockWeights, FixedSum};

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
