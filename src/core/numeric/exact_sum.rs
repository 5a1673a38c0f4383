//! Exact sums of floats (and of products `w * t`): the result is the exact sum rounded once to
//! the nearest float, so it does not depend on the order of the terms or on how they were split
//! into parts — a sum computed on many threads or many machines and merged is the same number as
//! a sum computed in one loop.
//!
//! The common case is a few integer operations: a float is `mantissa * 2^exponent` exactly, so
//! a term whose exponent lies in a window (every float from about 1e-37 up to 2^53) times
//! a whole weight below 2^11 adds `weight * mantissa` (below 2^64) to a 128-bit integer kept per
//! exponent. Nothing is rounded until the sum is read. Anything else is kept exactly as
//! Shewchuk's non-overlapping partials.

/// The biased exponents (IEEE `exp` field) the integer bins cover.
const LOW_EXP: usize = 900;
const BINS: usize = 176;
const FAST_W: f64 = 2_048.0; // 2^11

/// A running exact sum. Non-finite terms are summed apart (an infinite or NaN term makes the
/// sum infinite or NaN, as an ordinary sum would).
#[derive(Debug, Clone, PartialEq)]
pub struct ExactSum {
    /// Per exponent `LOW_EXP + k`: the sum of `weight * mantissa`, in units of `2^(k + LOW_EXP
    /// - 1075)`. Each addition is below 2^64, so 2^63 of them cannot overflow.
    bins: Box<[i128; BINS]>,
    partials: Vec<f64>,
    special: f64,
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum {
            bins: Box::new([0; BINS]),
            partials: Vec::new(),
            special: 0.0,
        }
    }
}

impl ExactSum {
    /// The sum of floats another sum gave ([`ExactSum::partials`]).
    pub fn from_partials(parts: &[f64]) -> Self {
        let mut s = ExactSum::default();
        for &p in parts {
            s.add(p);
        }
        s
    }

    pub fn add(&mut self, x: f64) {
        self.add_weighted(Some(1), 1.0, x);
    }

    /// Adds `w * t` exactly.
    pub fn add_product(&mut self, w: f64, t: f64) {
        self.add_weighted(whole_weight(w), w, t);
    }

    /// `add_product` with `whole_weight(w)` already found (once for many terms).
    #[inline(always)]
    pub fn add_weighted(&mut self, whole: Option<i64>, w: f64, t: f64) {
        if let Some(whole) = whole {
            let bits = t.to_bits();
            let k = ((bits >> 52) & 0x7ff) as usize;
            if k.wrapping_sub(LOW_EXP) < BINS {
                let mantissa = ((bits & ((1 << 52) - 1)) | (1 << 52)) as i64;
                // The sign joins the weight: one 64 x 64 -> 128-bit multiply, no branch.
                let negative = (bits >> 63) as i64;
                let signed_weight = (whole ^ -negative) + negative;
                self.bins[k - LOW_EXP] += signed_weight as i128 * mantissa as i128;
                return;
            }
            if t == 0.0 {
                return;
            }
        }
        self.add_product_exactly(w, t);
    }

    #[cold]
    fn add_product_exactly(&mut self, w: f64, t: f64) {
        let p = w * t;
        self.add_partial(p);
        if p.is_finite() {
            let err = w.mul_add(t, -p);
            if err != 0.0 {
                self.add_partial(err);
            }
        }
    }

    pub(crate) fn add_partial(&mut self, mut x: f64) {
        if !x.is_finite() {
            self.special += x;
            return;
        }
        let mut kept = 0;
        for j in 0..self.partials.len() {
            let mut y = self.partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        self.partials.truncate(kept);
        self.partials.push(x);
    }

    pub fn merge(&mut self, other: &ExactSum) {
        for (a, b) in self.bins.iter_mut().zip(other.bins.iter()) {
            *a += b;
        }
        self.special += other.special;
        for &p in &other.partials {
            self.add_partial(p);
        }
    }

    /// This sum times `k`, exactly (a product of floats is kept as two).
    pub fn times(&self, k: f64) -> ExactSum {
        let mut out = ExactSum::default();
        for p in self.partials() {
            out.add_product(k, p);
        }
        out
    }

    /// The integer bins as floats that add up to them exactly.
    fn bin_parts(&self) -> impl Iterator<Item = f64> + '_ {
        self.bins
            .iter()
            .enumerate()
            .filter(|(_, &q)| q != 0)
            .flat_map(|(k, &q)| int_parts(q, (k + LOW_EXP) as i32 - 1075))
    }

    /// Floats whose exact sum is this sum (to send elsewhere and merge).
    pub fn partials(&self) -> Vec<f64> {
        let mut out: Vec<f64> = self.bin_parts().collect();
        out.extend_from_slice(&self.partials);
        if self.special != 0.0 || self.special.is_nan() {
            out.push(self.special);
        }
        out
    }

    /// The sum rounded to the nearest float (ties to even).
    pub fn value(&self) -> f64 {
        if self.special != 0.0 || self.special.is_nan() {
            return self.special;
        }
        let mut all = ExactSum {
            partials: self.partials.clone(),
            ..ExactSum::default()
        };
        for p in self.bin_parts() {
            all.add_partial(p);
        }
        round_partials(&all.partials)
    }
}

/// `w` as an integer if it is a whole number (the fast path's test, once for many terms).
#[inline(always)]
pub fn whole_weight(w: f64) -> Option<i64> {
    // Casts, not `trunc`: no libm call on targets without SSE4.1.
    (w.abs() < FAST_W && (w as i64) as f64 == w).then_some(w as i64)
}

/// `q * 2^e` as at most three floats that add up to it exactly (`|q| < 2^127`, and `2^e` well
/// inside the normal range).
pub(crate) fn int_parts(q: i128, e: i32) -> Vec<f64> {
    let mut out = Vec::with_capacity(3);
    let mut rest = q;
    let unit = 2f64.powi(e);
    while rest != 0 {
        let head = rest as f64; // nearest float; converts back exactly
        out.push(head * unit);
        rest -= head as i128;
    }
    out
}

/// Shewchuk's partials (non-overlapping, increasing) rounded once, half-way cases to even.
fn round_partials(p: &[f64]) -> f64 {
    let Some(&last) = p.last() else {
        return 0.0;
    };
    let mut n = p.len() - 1;
    let mut hi = last;
    let mut lo = 0.0;
    while n > 0 {
        let x = hi;
        let y = p[n - 1];
        n -= 1;
        hi = x + y;
        lo = y - (hi - x);
        if lo != 0.0 {
            break;
        }
    }
    // Half-way between two floats: the partials below decide which way to round.
    if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
        let y = lo * 2.0;
        let x = hi + y;
        if y == x - hi {
            hi = x;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_where_naive_sums_lose() {
        let mut s = ExactSum::default();
        for v in [1e100, 1.0, -1e100, 1e-30] {
            s.add(v);
        }
        assert_eq!(s.value(), 1.0 + 1e-30);
        let mut p = ExactSum::default();
        p.add_product(3.5, 0.1);
        p.add_product(-0.5, 0.7);
        p.add(1e-25);
        p.add(-1e-25);
        // Products kept exactly: 3.5 * 0.1 - 0.35, nothing rounded away.
        assert_eq!(p.value(), 3.5f64.mul_add(0.1, -0.5 * 0.7));
        // Whole weights times terms, in parts or at once, merged or not: the same sum.
        let mut once = ExactSum::default();
        once.add_product(5.0, 0.1);
        let mut parts = ExactSum::default();
        parts.add_product(2.0, 0.1);
        let mut other = ExactSum::default();
        other.add_product(3.0, 0.1);
        parts.merge(&ExactSum::from_partials(&other.partials()));
        assert_eq!(parts.value().to_bits(), once.value().to_bits());
        // A weight split across the fast, integer and exact paths: still the same sum.
        for (split, total) in [
            (vec![1000.0, 2000.0], 3000.0),
            (vec![2.5, 0.5], 3.0),
            (vec![1.0; 5], 5e9),
        ] {
            let t = -0.123_456_789_012_345_67;
            let mut whole = ExactSum::default();
            let scale = total / split.iter().sum::<f64>();
            whole.add_product(total, t);
            let mut pieces = ExactSum::default();
            for w in split {
                let mut one = ExactSum::default();
                one.add_product(w * scale, t);
                pieces.merge(&one);
            }
            assert_eq!(pieces.value().to_bits(), whole.value().to_bits(), "{total}");
        }
    }

    #[test]
    fn non_finite_terms_behave_as_in_a_plain_sum() {
        let mut s = ExactSum::default();
        s.add(1.0);
        s.add(f64::INFINITY);
        assert_eq!(s.value(), f64::INFINITY);
        s.add(f64::NEG_INFINITY);
        assert!(s.value().is_nan());
    }

    proptest! {
        #[test]
        fn any_split_and_order_gives_the_same_sum(
            v in prop::collection::vec(
                prop_oneof![-1e6f64..1e6, -1e-3f64..1e-3, -1e-18f64..1e-18, -1e12f64..1e12, -1e40f64..1e40],
                0..700,
            ),
            w in prop::collection::vec(prop_oneof![(1u32..2047).prop_map(f64::from), 0.5f64..1e6], 0..700),
            cut in 0usize..700,
        ) {
            let n = v.len().min(w.len());
            let mut whole = ExactSum::default();
            for i in 0..n {
                whole.add_product(w[i], v[i]);
            }
            let cut = cut.min(n);
            let (mut left, mut right) = (ExactSum::default(), ExactSum::default());
            for i in (0..cut).rev() {
                left.add_product(w[i], v[i]);
            }
            for i in cut..n {
                right.add_product(w[i], v[i]);
            }
            let mut merged = ExactSum::from_partials(&right.partials());
            merged.merge(&left);
            prop_assert_eq!(merged.value().to_bits(), whole.value().to_bits());
            // The fast path is exact: the same as keeping every product as exact partials.
            let mut slow = ExactSum::default();
            for i in 0..n {
                slow.add_product_exactly(w[i], v[i]);
            }
            prop_assert_eq!(whole.value().to_bits(), slow.value().to_bits());
            // Whole numbers are summed exactly and rounded once: compare with 128-bit integers.
            let ints: Vec<(f64, f64)> = (0..n)
                .map(|i| (w[i].round().min(1e6), (v[i] / 1e30).round().clamp(-1e12, 1e12)))
                .collect();
            let scaled: i128 = ints.iter().map(|&(a, b)| a as i128 * b as i128).sum();
            let mut sum = ExactSum::default();
            for &(a, b) in &ints {
                sum.add_product(a, b);
            }
            prop_assert_eq!(sum.value(), scaled as f64);
        }
    }
}
