//! Sums of floats that do not depend on the order of the terms or on how they were split into
//! parts, so a sum computed on many threads or many machines and merged is the same number as a
//! sum computed in one loop.
//!
//! Ordinary terms (and products `w * t` with a whole weight), below 2^31 in size, are rounded
//! once to a multiple of 2^-64 (an error below 6e-20, far below the rounding of the result) and
//! added as integers — exact and fast; anything else is kept exactly as Shewchuk's
//! non-overlapping partials. The result is the sum of the terms so rounded, rounded once to the
//! nearest float: a function of the terms alone.

/// 2^62: fixed-point scale of the integer part (a fraction times it fits an `i64`).
const SCALE: f64 = 4_611_686_018_427_387_904.0;
const SCALE_BITS: u32 = 62;
/// Whole weights below this go to the integer part (products then fit in 2^113).
const LIMIT: f64 = 2_147_483_648.0;
/// The integer part is moved into the partials before it could overflow.
const SPILL: u128 = 1 << 125;

// The fastest path, for whole weights below 2^11 and terms below 2^20: each term is split on two
// fixed grids (2^-14 and 2^-49, by the add-and-subtract-a-constant rounding) and the pieces,
// times the weight, are summed in two plain floats. Every piece and every partial sum of up to
// BATCH of them is a multiple of its grid small enough to be exact, so those float sums are
// exact; the batch is then moved into the integer part. What is left of a term below 2^-49 is
// dropped (the same for the same term, always).
const FAST_T: f64 = 1_048_576.0; // 2^20
const FAST_W: f64 = 2_048.0; // 2^11
const HI_ROUND: f64 = 1.5 * 274_877_906_944.0; // 1.5 * 2^38: rounds to multiples of 2^-14
const LO_ROUND: f64 = 1.5 * 8.0; // 1.5 * 2^3: rounds to multiples of 2^-49
const HI_BITS: u32 = 14;
const LO_BITS: u32 = 49;
const BATCH: u32 = 256;

/// A running order-independent sum. Non-finite terms are summed apart (an infinite or NaN term
/// makes the sum infinite or NaN, as an ordinary sum would).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExactSum {
    fixed: i128,
    /// Exact float sums of the fast path's pieces since the last move into `fixed`.
    hi: f64,
    lo: f64,
    batch: u32,
    partials: Vec<f64>,
    special: f64,
}

impl ExactSum {
    /// The sum of parts another sum gave ([`ExactSum::partials`]), kept exactly.
    pub fn from_partials(parts: &[f64]) -> Self {
        let mut s = ExactSum::default();
        for &p in parts {
            s.add_exact(p);
        }
        s
    }

    pub fn add(&mut self, x: f64) {
        self.add_product(1.0, x);
    }

    /// Adds `w * t`: a whole weight times a term through the integer part, anything else with
    /// the product's rounding error kept.
    pub fn add_product(&mut self, w: f64, t: f64) {
        self.add_weighted(whole_weight(w), w, t);
    }

    /// `add_product` with `whole_weight(w)` already found (once for many terms).
    #[inline(always)]
    pub fn add_weighted(&mut self, whole: Option<i128>, w: f64, t: f64) {
        if !(t.abs() < FAST_T) {
            // Large or not finite: kept exactly, as it is.
            self.add_product_exactly(w, t);
            return;
        }
        // The term rounded to the 2^-49 grid, as two floats: a function of the term alone, so a
        // weight split over parts (2 + 3 customers, or 5 at once) gives the same sum.
        let hi = (t + HI_ROUND) - HI_ROUND;
        let lo = ((t - hi) + LO_ROUND) - LO_ROUND;
        match whole {
            Some(_) if w.abs() < FAST_W => {
                self.hi += w * hi;
                self.lo += w * lo;
                self.batch += 1;
                if self.batch == BATCH {
                    self.move_batch();
                }
            }
            Some(wi) => {
                let q = ((hi * (1u64 << HI_BITS) as f64) as i64 as i128) << (SCALE_BITS - HI_BITS);
                let r = ((lo * (1u64 << LO_BITS) as f64) as i64 as i128) << (SCALE_BITS - LO_BITS);
                let v = (q + r) * wi;
                match self.fixed.checked_add(v) {
                    Some(sum) if sum.unsigned_abs() < SPILL => self.fixed = sum,
                    _ => self.spill_then(v),
                }
            }
            None => {
                self.add_product_exactly(w, hi);
                self.add_product_exactly(w, lo);
            }
        }
    }

    /// The fast path's float sums into the integer part, exactly (they are whole multiples of
    /// their grids, below 2^53 of them).
    fn move_batch(&mut self) {
        let hi = (self.hi * (1u64 << HI_BITS) as f64) as i64 as i128;
        let lo = (self.lo * (1u64 << LO_BITS) as f64) as i64 as i128;
        self.hi = 0.0;
        self.lo = 0.0;
        self.batch = 0;
        self.add_fixed((hi << (SCALE_BITS - HI_BITS)) + (lo << (SCALE_BITS - LO_BITS)));
    }

    #[cold]
    fn spill_then(&mut self, q: i128) {
        self.spill();
        self.fixed = q;
    }

    #[cold]
    fn add_product_exactly(&mut self, w: f64, t: f64) {
        let p = w * t;
        self.add_exact(p);
        if p.is_finite() {
            let err = w.mul_add(t, -p);
            if err != 0.0 {
                self.add_exact(err);
            }
        }
    }

    fn add_fixed(&mut self, q: i128) {
        match self.fixed.checked_add(q) {
            Some(v) if v.unsigned_abs() < SPILL => self.fixed = v,
            _ => self.spill_then(q),
        }
    }

    /// Moves the integer part into the partials, exactly.
    fn spill(&mut self) {
        for p in fixed_parts(self.fixed) {
            self.add_exact(p);
        }
        self.fixed = 0;
    }

    fn add_exact(&mut self, mut x: f64) {
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
        let mut other = other.clone();
        other.move_batch();
        self.special += other.special;
        self.add_fixed(other.fixed);
        for &p in &other.partials {
            self.add_exact(p);
        }
    }

    /// The sum as floats whose exact sum it is (to send elsewhere and merge).
    pub fn partials(&self) -> Vec<f64> {
        let mut done = self.clone();
        done.move_batch();
        let mut out = fixed_parts(done.fixed);
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
        let mut done = self.clone();
        done.move_batch();
        let mut all = ExactSum {
            partials: self.partials.clone(),
            ..ExactSum::default()
        };
        all.spill_from(done.fixed);
        round_partials(&all.partials)
    }

    fn spill_from(&mut self, fixed: i128) {
        for p in fixed_parts(fixed) {
            self.add_exact(p);
        }
    }
}

/// `w` as an integer if it is a whole number small enough for the integer part.
#[inline(always)]
pub fn whole_weight(w: f64) -> Option<i128> {
    // Casts, not `trunc`: no libm call on targets without SSE4.1.
    (w.abs() < LIMIT && (w as i64) as f64 == w).then_some(w as i64 as i128)
}

/// `q * 2^-62` as at most three floats that add up to it exactly.
fn fixed_parts(q: i128) -> Vec<f64> {
    let mut out = Vec::with_capacity(3);
    let mut rest = q;
    while rest != 0 {
        let head = rest as f64; // nearest float; |rest| < 2^126, so it converts back exactly
        out.push(head / SCALE);
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
            v in prop::collection::vec(prop_oneof![-1e12f64..1e12, -1e-3f64..1e-3, -1e40f64..1e40], 0..200),
            w in prop::collection::vec(prop_oneof![(1u32..1000).prop_map(f64::from), 0.5f64..1e6], 0..200),
            cut in 0usize..200,
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
