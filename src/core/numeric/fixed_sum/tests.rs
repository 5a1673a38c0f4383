use super::*;
use proptest::prelude::*;

/// `w * fixed(t)` as an exact rational `n * 2^-60`, computed with integers only.
fn reference(w: i64, t: f64) -> i128 {
    let scaled = t * 2f64.powi(60); // exact: a power of two
    let bits = scaled.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32 - 1075;
    let mant = ((bits & ((1 << 52) - 1)) | (1 << 52)) as i128;
    // Round mant * 2^exp to the nearest integer, ties to even.
    let n = if exp >= 0 {
        mant << exp
    } else if exp < -60 {
        0
    } else {
        let sh = -exp;
        let q = mant >> sh;
        let r = mant & ((1 << sh) - 1);
        let half = 1i128 << (sh - 1);
        if r > half || (r == half && q & 1 == 1) {
            q + 1
        } else {
            q
        }
    };
    let n = if t < 0.0 { -n } else { n };
    w as i128 * n
}

/// `a - b`, exactly: zero only when the two sums hold the same number.
fn difference(a: &FixedSum, b: &FixedSum) -> f64 {
    let mut e = a.exact();
    for p in b.exact().partials() {
        e.add_partial(-p);
    }
    e.value()
}

#[test]
fn rounds_each_term_to_a_multiple_of_2_pow_minus_60() {
    for t in [
        0.1,
        -0.1,
        1.0 / 3.0,
        12_345.678_9,
        -1e-19,
        3e-18,
        1e6,
        -7.5e5,
        2.5,
    ] {
        let mut s = FixedSum::default();
        s.add(t);
        let exact = reference(1, t) as f64 * 2f64.powi(-60);
        assert_eq!(s.value(), exact, "{t}");
        assert!((s.value() - t).abs() <= 2f64.powi(-61), "{t}");
    }
}

#[test]
fn times_a_whole_number_is_exact() {
    let mut s = FixedSum::default();
    for t in [0.1, -3.25, 1e-18, 7e5, 1e30] {
        s.add(t);
    }
    let mut thrice = s.clone();
    thrice.merge(&s);
    thrice.merge(&s);
    assert_eq!(difference(&s.times(3.0), &thrice), 0.0);
    let mut zero = s.times(-1.0);
    zero.merge(&s);
    assert_eq!(zero.value(), 0.0);
    // Digits too large for the integers go to the exact sum, still exactly.
    let mut big = FixedSum::default();
    big.add_weighted(fixed_weight(4e9), 4e9, 9e5);
    let huge = big.times(2f64.powi(52)).times(2f64.powi(52));
    assert_eq!(huge.value(), 4e9 * 9e5 * 2f64.powi(104));
    // A factor that is not a whole number below 2^53: exact too.
    let mut fifth = FixedSum::default();
    fifth.add(0.5);
    assert_eq!(fifth.times(1e19).value(), 5e18);
    assert_eq!(fifth.times(0.1).value(), 0.05);
}

#[test]
fn out_of_range_terms_are_summed_exactly() {
    let mut s = FixedSum::default();
    for v in [1e30, 0.25, -1e30] {
        s.add(v);
    }
    assert_eq!(s.value(), 0.25);
    s.add(f64::INFINITY);
    assert_eq!(s.value(), f64::INFINITY);
    s.add_block(&[f64::NAN], &[1.0], BlockWeights::Unit);
    assert!(s.value().is_nan());
}

proptest! {
    #[test]
    fn any_split_order_or_path_gives_the_same_sum(
        // Blocks all in range (the vector path), or with some terms out of it.
        v in prop_oneof![
            prop::collection::vec(prop_oneof![-1e3f64..1e3, -1e-3f64..1e-3, -1e-17f64..1e-17, -1e6f64..1e6], 0..3000),
            prop::collection::vec(prop_oneof![-1e3f64..1e3, -2e6f64..2e6, -1e40f64..1e40], 0..3000),
        ],
        // Weights all small and whole (the vector path), some large, or some not whole.
        w in prop_oneof![
            prop::collection::vec((1u32..2047).prop_map(f64::from), 3000),
            prop::collection::vec(prop_oneof![(1u32..40).prop_map(f64::from), (2000u32..5_000_000).prop_map(f64::from)], 3000),
            prop::collection::vec(prop_oneof![(1u32..40).prop_map(f64::from), 0.5f64..10.0], 3000),
        ],
        cut in 0usize..3000,
    ) {
        let n = v.len().min(w.len());
        let (v, w) = (&v[..n], &w[..n]);
        // One term at a time.
        let mut one = FixedSum::default();
        for i in 0..n {
            one.add_weighted(fixed_weight(w[i]), w[i], v[i]);
        }
        // In blocks, split in two, the second half reversed, merged through partials.
        let cut = cut.min(n);
        let mut left = FixedSum::default();
        left.add_block(&v[..cut], &w[..cut], BlockWeights::of(&w[..cut]));
        let (rv, rw): (Vec<f64>, Vec<f64>) = (cut..n).rev().map(|i| (v[i], w[i])).unzip();
        let mut right = FixedSum::default();
        right.add_block(&rv, &rw, BlockWeights::of(&rw));
        let ones = vec![1.0; n];
        let mut unit = FixedSum::default();
        unit.add_block(v, &ones, BlockWeights::of(&ones));
        let mut unit_one = FixedSum::default();
        for &t in v {
            unit_one.add(t);
        }
        prop_assert_eq!(difference(&unit, &unit_one), 0.0);
        let mut merged = FixedSum::from_partials(&right.partials());
        merged.merge(&left);
        prop_assert_eq!(difference(&merged, &one), 0.0);
        prop_assert_eq!(merged.value().to_bits(), one.value().to_bits());
        // Whole weights split into two whole parts: the same sum.
        let mut halves = FixedSum::default();
        for i in 0..n {
            let a = (w[i] / 2.0).floor();
            if a >= 1.0 && w[i].fract() == 0.0 {
                halves.add_weighted(fixed_weight(a), a, v[i]);
                halves.add_weighted(fixed_weight(w[i] - a), w[i] - a, v[i]);
            } else {
                halves.add_weighted(fixed_weight(w[i]), w[i], v[i]);
            }
        }
        prop_assert_eq!(difference(&halves, &one), 0.0);
        // What it should be: in-range whole-weight terms rounded to 2^-60, the rest exact.
        let mut expect = ExactSum::default();
        let mut fixed: i128 = 0;
        for i in 0..n {
            match fixed_weight(w[i]) {
                Some(wi) if v[i].abs() < RANGE => fixed += reference(wi, v[i]),
                _ => expect.add_product(w[i], v[i]),
            }
        }
        for p in int_parts(fixed, -60) {
            expect.add_partial(p);
        }
        prop_assert_eq!(difference(&one, &FixedSum::from_partials(&expect.partials())), 0.0);
    }
}
