use super::*;

#[test]
fn a0_integral_vanishes_when_last_purchase_is_now() {
    let p = ParetoParams::new([0.55, 10.6, 0.61, 11.7]);
    assert_eq!(p.ln_a0(3.0, 20.0, 20.0).0, f64::NEG_INFINITY);
    let ll = p.log_likelihood(3.0, 20.0, 20.0);
    assert!(ll.is_finite());
}

#[test]
fn probability_alive_is_a_probability_and_falls_with_inactivity() {
    let p = ParetoParams::new([0.55, 10.6, 0.61, 11.7]);
    let recent = p.probability_alive(4.0, 38.0, 39.0);
    let stale = p.probability_alive(4.0, 5.0, 39.0);
    assert!(recent > stale && stale > 0.0 && recent < 1.0);
}

#[test]
fn analytic_gradient_matches_differences() {
    let data = ParetoData::new(
        vec![0.0, 1.0, 5.0, 20.0, 2.0],
        vec![0.0, 0.3, 0.7, 0.95, 0.95],
        vec![0.5, 0.8, 0.9, 1.0, 0.95],
        vec![1.0, 2.0, 1.0, 3.0, 1.0],
        7,
    );
    // alpha < beta and alpha > beta take different series.
    for at in [[0.2, -0.5, 0.3, 0.7], [-0.3, 0.9, -0.2, -1.1]] {
        crate::core::clv::likelihood::assert_gradient(
            |lp, g| mean_objective(lp, &data, 0.01, g),
            at,
        );
    }
}

#[test]
fn hypergeometric_series_matches_the_general_one() {
    for (a, b, z) in [
        (2.5, 1.3, 0.4),
        (30.0, 0.7, 0.95),
        (1.1, 25.0, 0.2),
        (3.0, 2.0, 0.0),
    ] {
        let ours = hyp2f1_a_a1(a, b, z, SERIES_TERMS).unwrap()[0];
        let general = crate::core::numeric::special::ln_hyp2f1(a, b, a + 1.0, z);
        assert!(
            (ours - general).abs() < 1e-13 * (1.0 + general.abs()),
            "{ours} vs {general}"
        );
    }
}

#[test]
fn s_equal_one_uses_the_limit() {
    let near = ln_one_minus_ratio_power(2.0, 1.0, 1.0 + 1e-7);
    let at = ln_one_minus_ratio_power(2.0, 1.0, 1.0);
    assert!((near - at).abs() < 1e-6, "{near} vs {at}");
}
