//! Sums of floats kept exactly (Shewchuk's non-overlapping partials) and rounded once at the
//! end: the result does not depend on the order of the terms or on how they were split into
//! parts, so a sum computed on many threads or many machines and merged is the same number
//! as a sum computed in one loop.

/// An exact running sum. Non-finite terms are summed apart (an infinite or NaN term makes
/// the sum infinite or NaN, as an ordinary sum would).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExactSum {
    partials: Vec<f64>,
    special: f64,
}

impl ExactSum {
    /// The sum of already exact partials (what [`ExactSum::partials`] gave elsewhere).
    pub fn from_partials(parts: &[f64]) -> Self {
        let mut s = ExactSum::default();
        for &p in parts {
            s.add(p);
        }
        s
    }

    pub fn add(&mut self, mut x: f64) {
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

    /// Adds `a * b` exactly (the product's rounding error is added too).
    pub fn add_product(&mut self, a: f64, b: f64) {
        let p = a * b;
        if !p.is_finite() {
            self.add(p);
            return;
        }
        self.add(p);
        let err = a.mul_add(b, -p);
        if err != 0.0 {
            self.add(err);
        }
    }

    pub fn merge(&mut self, other: &ExactSum) {
        self.special += other.special;
        for &p in &other.partials {
            self.add(p);
        }
    }

    /// The exact sum as non-overlapping partials (to send elsewhere and merge).
    pub fn partials(&self) -> Vec<f64> {
        let mut out = self.partials.clone();
        if self.special != 0.0 || self.special.is_nan() {
            out.push(self.special);
        }
        out
    }

    /// The exact sum rounded to the nearest float (ties to even).
    pub fn value(&self) -> f64 {
        if self.special != 0.0 || self.special.is_nan() {
            return self.special;
        }
        let p = &self.partials;
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
        p.add_product(0.1, 3.0);
        p.add(-0.3);
        // 0.1 * 3 exactly minus the float 0.3: tiny, not zero and not 4e-17 rounded garbage.
        assert_eq!(p.value(), 0.1f64.mul_add(3.0, -0.3));
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
            v in prop::collection::vec(-1e12f64..1e12, 0..200),
            w in prop::collection::vec(1.0f64..1e6, 0..200),
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
            // And it is the correctly rounded sum: compare with 128-bit integer arithmetic on
            // values scaled to whole numbers.
            let scaled: i128 = (0..n).map(|i| (w[i].round() as i128) * (v[i].round() as i128)).sum();
            let mut ints = ExactSum::default();
            for i in 0..n {
                ints.add_product(w[i].round(), v[i].round());
            }
            prop_assert_eq!(ints.value(), scaled as f64);
        }
    }
}
