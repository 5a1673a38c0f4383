//! Order-free sums for the fits' likelihoods: the same number whatever the order of the terms
//! or how they were split between threads, partitions or machines, at close to the cost of a
//! plain float sum.
//!
//! A term `w * t` with a whole weight and `|t| < 2^20` is summed as `w * fixed(t)`, where
//! `fixed(t)` is `t` rounded to the nearest multiple of `2^-60` (about 1e-18), held as two
//! whole-number digits (`t = q1 2^-20 + q2 2^-60 + remainder`) whose sums are integers.
//! Anything else (a term of 2^20 or more, a weight that is not a whole number, infinities and
//! NaN) is summed exactly ([`ExactSum`]). The sum read is the exact sum of all that, rounded once.
//!
//! Rounding each term to `2^-60` is not exact, but it is the same rounding wherever the term is
//! summed, and it is far finer than a float sum: a million terms lose at most `5e-13` in all,
//! where a float sum of the same terms, of size around `1e6`, rounds every addition to `1e-10`.
//!
//! The digits come from float operations alone (adding and subtracting `1.5 * 2^52` rounds to a
//! whole number), so a block of terms is summed in vector registers (AVX2 where the processor
//! has it); a block with a term or weight out of that range is summed term by term instead, to
//! the same integers.

// The `plain-sums` benchmark build leaves the fixed-point path unused.
#![cfg_attr(feature = "plain-sums", allow(dead_code, unreachable_code))]

use crate::core::numeric::exact_sum::{int_parts, ExactSum};

/// `1.5 * 2^52`: `(v + MAGIC) - MAGIC` is `v` rounded to a whole number (ties to even) for
/// `|v| <= 2^51`, and the bits of `v + MAGIC` minus those of `MAGIC` are that number.
const MAGIC: f64 = 6_755_399_441_055_744.0;
const MAGIC_BITS: i64 = 0x4338_0000_0000_0000;
/// Terms below this (2^20, about 1e6) are summed in fixed point.
const RANGE: f64 = 1_048_576.0;
/// The digits' scales: `q1` counts `2^-20`, `q2` counts `2^-60`.
const SCALE1: f64 = 1_048_576.0; // 2^20
const SCALE2: f64 = 1_099_511_627_776.0; // 2^40
const DIGIT_EXP: [i32; 2] = [-20, -60];
/// Weights below this (2^11) keep `w * q1 <= 2^51` (exact, and convertible by `MAGIC`).
const BLOCK_W: f64 = 2_048.0;
/// Whole weights below this (2^53: every whole float weight) are multiplied as integers, one
/// term at a time: a term adds below `2^53 * 2^40`, so the totals overflow only past a total
/// weight of 2^87.
const WIDE_W: f64 = 9_007_199_254_740_992.0;
/// Terms summed in 64-bit lanes before the lanes are emptied into the 128-bit totals: each adds
/// at most 2^51.
const FLUSH: usize = 1_024;

/// `t`'s two digits, as whole-number floats (`|q1| <= 2^40`, `|q2| <= 2^39`), and the sums
/// `q + MAGIC` whose bits give them as integers.
#[inline(always)]
fn digits(t: f64) -> ([f64; 2], [f64; 2]) {
    let s = t * SCALE1;
    let m1 = s + MAGIC;
    let q1 = m1 - MAGIC;
    // Exact: `s - round(s)` is a multiple of `s`'s last bit.
    let r = (s - q1) * SCALE2;
    let m2 = r + MAGIC;
    ([q1, m2 - MAGIC], [m1, m2])
}

/// The whole number `m - MAGIC` (`|m - MAGIC| <= 2^51`) as an integer.
#[inline(always)]
fn bits_int(m: f64) -> i64 {
    (m.to_bits() as i64).wrapping_sub(MAGIC_BITS)
}

/// `w` as an integer if [`FixedSum::add_weighted`] can multiply by it: whole and below 2^53.
#[inline(always)]
pub fn fixed_weight(w: f64) -> Option<i64> {
    (w.abs() < WIDE_W && (w as i64) as f64 == w).then_some(w as i64)
}

/// What a block's weights allow (found once for the several sums a block of terms feeds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockWeights {
    /// Every weight is 1.
    Unit,
    /// Every weight is whole and below 2^11.
    Small,
    /// Anything else: the block is summed term by term.
    Other,
}

impl BlockWeights {
    pub fn of(w: &[f64]) -> Self {
        if w.iter().all(|&v| v == 1.0) {
            BlockWeights::Unit
        } else if w
            .iter()
            .all(|&v| v.abs() < BLOCK_W && (v + MAGIC) - MAGIC == v)
        {
            BlockWeights::Small
        } else {
            BlockWeights::Other
        }
    }
}

/// The lanes' sums of a block (`FLUSH` terms at most), and whether every term was in range.
#[inline(always)]
fn lanes(t: &[f64], w: &[f64], unit: bool) -> ([i64; 2], bool) {
    // The raw bits are summed and `MAGIC_BITS` taken off once per term at the end (wrapping
    // arithmetic: the same integers).
    let mut lanes = [0i64; 2];
    let mut in_range = true;
    if unit {
        for &v in t {
            in_range &= v.abs() < RANGE;
            let (_, m) = digits(v);
            for k in 0..2 {
                lanes[k] = lanes[k].wrapping_add(m[k].to_bits() as i64);
            }
        }
    } else {
        for (&v, &wi) in t.iter().zip(w) {
            in_range &= v.abs() < RANGE;
            let (q, _) = digits(v);
            for k in 0..2 {
                // Exact: a whole weight below 2^11 times a digit below 2^40.
                lanes[k] = lanes[k].wrapping_add((wi * q[k] + MAGIC).to_bits() as i64);
            }
        }
    }
    let offset = MAGIC_BITS.wrapping_mul(t.len() as i64);
    (lanes.map(|l| l.wrapping_sub(offset)), in_range)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn lanes_avx2(t: &[f64], w: &[f64], unit: bool) -> ([i64; 2], bool) {
    lanes(t, w, unit)
}

/// `lanes` in the widest vector registers the processor has; the same integers either way.
fn block_lanes(t: &[f64], w: &[f64], unit: bool) -> ([i64; 2], bool) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2 (checked just above).
        return unsafe { lanes_avx2(t, w, unit) };
    }
    lanes(t, w, unit)
}

/// A running order-free sum (see the module's text).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FixedSum {
    /// The digits' sums, in units of 2^-20 and 2^-60.
    digits: [i128; 2],
    /// Terms outside the fixed-point range, and sums merged in from partials.
    rest: Option<Box<ExactSum>>,
    /// Only with the `plain-sums` feature (benchmarks): a plain float sum instead.
    #[cfg(feature = "plain-sums")]
    plain: f64,
}

impl FixedSum {
    /// The sum of floats another sum gave ([`FixedSum::partials`]), kept exactly.
    pub fn from_partials(parts: &[f64]) -> Self {
        FixedSum {
            rest: Some(Box::new(ExactSum::from_partials(parts))),
            #[cfg(feature = "plain-sums")]
            plain: parts.iter().sum(),
            ..FixedSum::default()
        }
    }

    pub fn add(&mut self, t: f64) {
        self.add_weighted(Some(1), 1.0, t);
    }

    /// Adds `w * t`; `whole` is `fixed_weight(w)` (found once for many terms).
    #[inline(always)]
    pub fn add_weighted(&mut self, whole: Option<i64>, w: f64, t: f64) {
        #[cfg(feature = "plain-sums")]
        {
            let _ = whole;
            self.plain += w * t;
        }
        #[cfg(not(feature = "plain-sums"))]
        match whole {
            Some(wi) if t.abs() < RANGE => {
                for (d, m) in self.digits.iter_mut().zip(digits(t).1) {
                    *d += wi as i128 * bits_int(m) as i128;
                }
            }
            _ => self.add_rest(w, t),
        }
    }

    /// Adds `w[i] * t[i]` for every `i`; `weights` is `BlockWeights::of(w)`.
    pub fn add_block(&mut self, t: &[f64], w: &[f64], weights: BlockWeights) {
        #[cfg(feature = "plain-sums")]
        {
            let _ = weights;
            for (v, wi) in t.iter().zip(w) {
                self.plain += wi * v;
            }
        }
        #[cfg(not(feature = "plain-sums"))]
        for (tc, wc) in t.chunks(FLUSH).zip(w.chunks(FLUSH)) {
            if weights != BlockWeights::Other {
                let (sums, in_range) = block_lanes(tc, wc, weights == BlockWeights::Unit);
                if in_range {
                    for (d, l) in self.digits.iter_mut().zip(sums) {
                        *d += l as i128;
                    }
                    continue;
                }
            }
            for (&v, &wi) in tc.iter().zip(wc) {
                self.add_weighted(fixed_weight(wi), wi, v);
            }
        }
    }

    #[cold]
    #[cfg_attr(feature = "plain-sums", allow(dead_code))]
    fn add_rest(&mut self, w: f64, t: f64) {
        self.rest
            .get_or_insert_with(Default::default)
            .add_product(w, t);
    }

    pub fn merge(&mut self, other: &FixedSum) {
        for (d, o) in self.digits.iter_mut().zip(other.digits) {
            *d += o;
        }
        if let Some(r) = &other.rest {
            self.rest.get_or_insert_with(Default::default).merge(r);
        }
        #[cfg(feature = "plain-sums")]
        {
            self.plain += other.plain;
        }
    }

    /// This sum times `k`, exactly: in the integers for a whole `|k| < 2^53`, else in the exact
    /// sum.
    // The update fills the `plain-sums` build's extra field.
    #[allow(clippy::needless_update)]
    pub fn times(&self, k: f64) -> FixedSum {
        let digits = match fixed_weight(k) {
            Some(whole) => [
                self.digits[0].checked_mul(whole as i128),
                self.digits[1].checked_mul(whole as i128),
            ],
            None => [None, None],
        };
        let mut out = match digits {
            [Some(a), Some(b)] => FixedSum {
                digits: [a, b],
                rest: self.rest.as_ref().map(|r| Box::new(r.times(k))),
                ..FixedSum::default()
            },
            // Not a whole number, or too large for the integers: the exact sum takes it all.
            _ => FixedSum {
                rest: Some(Box::new(self.exact().times(k))),
                ..FixedSum::default()
            },
        };
        #[cfg(feature = "plain-sums")]
        {
            out.plain = self.plain * k;
        }
        #[cfg(not(feature = "plain-sums"))]
        let _ = &mut out;
        out
    }

    /// Everything as one exact sum.
    fn exact(&self) -> ExactSum {
        let mut all = self.rest.as_deref().cloned().unwrap_or_default();
        for (&d, e) in self.digits.iter().zip(DIGIT_EXP) {
            for p in int_parts(d, e) {
                all.add_partial(p);
            }
        }
        all
    }

    /// Floats whose exact sum is this sum (to send elsewhere and merge).
    pub fn partials(&self) -> Vec<f64> {
        #[cfg(feature = "plain-sums")]
        return vec![self.plain];
        #[cfg(not(feature = "plain-sums"))]
        self.exact().partials()
    }

    /// The sum rounded to the nearest float (ties to even).
    pub fn value(&self) -> f64 {
        #[cfg(feature = "plain-sums")]
        return self.plain;
        #[cfg(not(feature = "plain-sums"))]
        self.exact().value()
    }
}

#[cfg(all(test, not(feature = "plain-sums")))]
mod tests;
