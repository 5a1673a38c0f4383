//! Exact sums of floats (and of products `w * t`): the result is the exact sum rounded once to
//! the nearest float, so it does not depend on the order of the terms or on how they were split
//! into parts — a sum computed on many threads or many machines and merged is the same number as
//! a sum computed in one loop.
//!
//! The common case is fast: a term below 2^20 whose bits lie above 2^-119 (every float from
//! about 1e-20 up), times a whole weight below 2^11, is cut along four fixed grids (2^-14,
//! 2^-49, 2^-84, 2^-119) into pieces that plain float sums add without rounding (each piece and
//! each partial sum of up to `BATCH` of them fits 53 bits on its grid); each batch then moves
//! into 128-bit integers. Anything else is kept exactly as Shewchuk's non-overlapping partials.

/// Grid exponents of the four bins, and the constants whose add-and-subtract rounds a value
/// to each grid: `1.5 * 2^(52 - g)`.
const GRIDS: [i32; 4] = [14, 49, 84, 119];
const BATCH: u32 = 256;
const FAST_T: f64 = 1_048_576.0; // 2^20
const FAST_W: f64 = 2_048.0; // 2^11

fn round_constant(g: i32) -> f64 {
    1.5 * 2f64.powi(52 - g)
}

/// A running exact sum. Non-finite terms are summed apart (an infinite or NaN term makes the
/// sum infinite or NaN, as an ordinary sum would).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExactSum {
    /// Per grid: the float sum of the current batch's pieces (exact) and the integer sum of
    /// earlier batches, in units of the grid.
    bins: [f64; 4],
    ints: [i128; 4],
    batch: u32,
    partials: Vec<f64>,
    special: f64,
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
    pub fn add_weighted(&mut self, whole: Option<i128>, w: f64, t: f64) {
        if whole.is_some() && w.abs() < FAST_W && t.abs() < FAST_T {
            let c = [
                round_constant(GRIDS[0]),
                round_constant(GRIDS[1]),
                round_constant(GRIDS[2]),
                round_constant(GRIDS[3]),
            ];
            let h0 = (t + c[0]) - c[0];
            let r1 = t - h0;
            let h1 = (r1 + c[1]) - c[1];
            let r2 = r1 - h1;
            let h2 = (r2 + c[2]) - c[2];
            let r3 = r2 - h2;
            let h3 = (r3 + c[3]) - c[3];
            if r3 == h3 {
                self.bins[0] += w * h0;
                self.bins[1] += w * h1;
                self.bins[2] += w * h2;
                self.bins[3] += w * h3;
                self.batch += 1;
                if self.batch == BATCH {
                    self.move_batch();
                }
                return;
            }
        }
        self.add_product_exactly(w, t);
    }

    /// The batch's float sums into the integers, exactly (whole multiples of their grids, below
    /// 2^53 of them).
    fn move_batch(&mut self) {
        for ((int, bin), g) in self.ints.iter_mut().zip(&mut self.bins).zip(GRIDS) {
            *int += (*bin * 2f64.powi(g)) as i64 as i128;
            *bin = 0.0;
        }
        self.batch = 0;
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

    fn add_partial(&mut self, mut x: f64) {
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
        self.move_batch();
        for k in 0..4 {
            self.ints[k] += other.ints[k];
        }
        self.special += other.special;
        for &p in &other.partials {
            self.add_partial(p);
        }
    }

    /// Floats whose exact sum is this sum (to send elsewhere and merge).
    pub fn partials(&self) -> Vec<f64> {
        let mut done = self.clone();
        done.move_batch();
        let mut out: Vec<f64> = done
            .ints
            .iter()
            .zip(GRIDS)
            .flat_map(|(&int, g)| int_parts(int, g))
            .collect();
        out.extend_from_slice(&done.partials);
        if done.special != 0.0 || done.special.is_nan() {
            out.push(done.special);
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
            partials: done.partials.clone(),
            ..ExactSum::default()
        };
        for (&int, g) in done.ints.iter().zip(GRIDS) {
            for p in int_parts(int, g) {
                all.add_partial(p);
            }
        }
        round_partials(&all.partials)
    }
}

/// `w` as an integer if it is a whole number (the fast path's test, once for many terms).
#[inline(always)]
pub fn whole_weight(w: f64) -> Option<i128> {
    // Casts, not `trunc`: no libm call on targets without SSE4.1.
    (w.abs() < FAST_W && (w as i64) as f64 == w).then_some(w as i64 as i128)
}

/// `q * 2^-g` as at most three floats that add up to it exactly.
fn int_parts(q: i128, g: i32) -> Vec<f64> {
    let mut out = Vec::with_capacity(3);
    let mut rest = q;
    let unit = 2f64.powi(-g);
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
