use super::*;

#[test]
fn analytic_gradient_matches_differences() {
    let data = GammaGammaData::new(
        vec![1.0, 3.0, 10.0, 3.0],
        vec![20.0, 55.5, 300.0, 7.0],
        vec![1.0, 2.0, 1.0, 1.0],
    );
    crate::core::clv::likelihood::assert_gradient(
        |lp, g| objective(lp, &data, 0.01, g),
        [0.5, 0.2, 1.3],
    );
}

#[test]
fn analytic_hessian_matches_differences() {
    let data = GammaGammaData::new(
        vec![1.0, 3.0, 10.0, 3.0],
        vec![20.0, 55.5, 300.0, 7.0],
        vec![1.0, 2.0, 1.0, 1.5],
    );
    for lp in [[0.5f64, 0.2, 1.3], [1.4, -0.7, 3.0]] {
        let e: Vec<f64> = lp.iter().map(|v| v.exp()).collect();
        let par = GammaGammaParams {
            p: e[0],
            q: e[1],
            v: e[2],
        };
        let mut g = [0.0; 3];
        let (value, h) =
            log_likelihood_sums(&par, &data, true).evaluation(&par, &e, data.total_w, 0.01, &mut g);
        let mut plain = [0.0; 3];
        assert_eq!(value, objective(&lp, &data, 0.01, &mut plain));
        assert_eq!(g, plain);
        crate::core::clv::likelihood::assert_hessian(
            |lp, g| objective(lp, &data, 0.01, g),
            &h.expect("asked for"),
            lp,
        );
    }
}

#[test]
fn fit_from_parts_equals_fit_bit_for_bit() {
    // With 140,000 customers the fits start from the subsample's optimum.
    for n in [4_000, 140_000] {
        fit_from_parts_of(n);
    }
}

fn fit_from_parts_of(n: usize) {
    let mut rng = crate::core::synth::Rng::new(7);
    let mut uniform = move || rng.uniform();
    let (mut x, mut m) = (vec![], vec![]);
    for _ in 0..n {
        x.push((1.0 + 12.0 * uniform() * uniform()).floor());
        // Spend in 1e-4: most of 140,000 rows distinct (for the subsample start).
        m.push(((20.0 + 400.0 * uniform().powi(3)) * 1e4).round() / 1e4);
    }
    let whole = fit(&x, &m, None, 0.01, None).expect("whole fit");
    let sampled = crate::core::clv::history::sample_shift(n as f64, whole.info.groups).is_some();
    assert_eq!(sampled, n > 100_000, "{} groups", whole.info.groups);
    let parts: Vec<GammaGammaData> = [0..1500, 1500..1501, 1501..n]
        .into_iter()
        .map(|r| spend_data(&x[r.clone()], &m[r], None).unwrap())
        .collect();
    let split = fit_from_sums(
        |p, ask| {
            let sent: Vec<Vec<Vec<f64>>> = parts
                .iter()
                .map(|d| {
                    ask.over_part(d, GammaGammaData::sample, |rows| {
                        log_likelihood_sums(p, rows, ask.hessian).to_parts()
                    })
                })
                .collect();
            SpendSums::from_parts(&sent)
        },
        n as f64,
        parts.iter().map(|d| d.x.len()).sum(),
        0.01,
    )
    .expect("split fit");
    assert_eq!(whole.params, split.params);
    assert_eq!(
        whole.info.objective.to_bits(),
        split.info.objective.to_bits()
    );
}

#[test]
fn zero_monetary_is_a_clear_error() {
    let e = fit(&[2.0, 3.0], &[10.0, 0.0], None, 0.01, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("monetary_value > 0"), "{e}");
}
