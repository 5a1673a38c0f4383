use super::*;
use crate::core::error::FloError;

#[test]
fn analytic_gradient_matches_differences() {
    let data = BgNbdData::new(
        vec![0.0, 1.0, 5.0, 20.0, 1.0],
        vec![0.0, 0.3, 0.7, 0.95, 0.5],
        vec![0.5, 0.8, 0.9, 1.0, 0.6],
        vec![1.0, 2.0, 1.0, 3.0, 1.0],
    );
    crate::core::clv::likelihood::assert_gradient(
        |lp, g| objective(lp, &data, false, 0.01, g),
        [0.2, -0.5, 0.3, 0.7],
    );
}

#[test]
fn modified_gradient_matches_differences() {
    let data = BgNbdData::new(
        vec![0.0, 1.0, 5.0, 20.0, 0.0],
        vec![0.0, 0.3, 0.7, 0.95, 0.0],
        vec![0.5, 0.8, 0.9, 1.0, 0.6],
        vec![1.0, 2.0, 1.0, 3.0, 1.0],
    );
    crate::core::clv::likelihood::assert_gradient(
        |lp, g| objective(lp, &data, true, 0.01, g),
        [0.2, -0.5, 0.3, 0.7],
    );
}

/// The analytic Hessian against differences of the gradient, with and without the
/// dropout term at `x = 0` and at a penalizer.
#[test]
fn analytic_hessian_matches_differences() {
    for modified in [false, true] {
        let data = BgNbdData::new(
            vec![0.0, 1.0, 5.0, 20.0, 1.0, 0.0],
            vec![0.0, 0.3, 0.7, 0.95, 0.5, 0.0],
            vec![0.5, 0.8, 0.9, 1.0, 0.6, 0.7],
            vec![1.0, 2.0, 1.0, 3.0, 1.0, 2.5],
        );
        for lp in [[0.2f64, -0.5, 0.3, 0.7], [-1.0, 0.4, -2.0, 1.5]] {
            let e: Vec<f64> = lp.iter().map(|v| v.exp()).collect();
            let p = BgNbdParams::new([e[0], e[1], e[2], e[3]], modified);
            let sums = log_likelihood_sums(&p, &data, true);
            let mut g = [0.0; 4];
            let (value, h) = evaluation(&sums, &e, data.total_w, 0.01, &mut g);
            let mut plain = [0.0; 4];
            assert_eq!(value, objective(&lp, &data, modified, 0.01, &mut plain));
            assert_eq!(g, plain);
            crate::core::clv::likelihood::assert_hessian(
                |lp, g| objective(lp, &data, modified, 0.01, g),
                &h.expect("asked for"),
                lp,
            );
        }
    }
}

#[test]
fn fit_from_parts_equals_fit_bit_for_bit() {
    // Customers split in three uneven parts, each collapsed and summed on its own; with
    // 140,000 customers the fits start from the subsample's optimum.
    for n in [3_000, 140_000] {
        fit_from_parts_of(n);
    }
}

fn fit_from_parts_of(n: usize) {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut x, mut t_x, mut t) = (vec![], vec![], vec![]);
    // Times in 1e-4 weeks: most of 140,000 histories are distinct (the subsample start
    // asks for 131,072 distinct rows).
    for _ in 0..n {
        let big_t = ((10.0 + 40.0 * uniform()) * 1e4).round() / 1e4;
        let freq = (-(uniform().max(1e-12)).ln() * 2.0).floor().min(30.0);
        x.push(freq);
        t_x.push(if freq > 0.0 {
            (big_t * uniform() * 1e4).floor() / 1e4
        } else {
            0.0
        });
        t.push(big_t);
    }
    for modified in [false, true] {
        let whole = fit(&x, &t_x, &t, None, modified, 0.001, None).expect("whole fit");
        let scale = whole.scale;
        let sampled =
            crate::core::clv::history::sample_shift(n as f64, whole.info.groups).is_some();
        assert_eq!(sampled, n > 100_000, "{} groups", whole.info.groups);
        let parts: Vec<BgNbdData> = [0..700, 700..701, 701..n]
            .into_iter()
            .map(|r| {
                let h =
                    ScaledHistory::with_scale(&x[r.clone()], &t_x[r.clone()], &t[r], None, scale)
                        .unwrap();
                BgNbdData::new(h.x, h.t_x, h.t, h.w)
            })
            .collect();
        let shape = FitShape {
            total_w: n as f64,
            groups: parts.iter().map(|p| p.x.len()).sum(),
            scale,
            modified,
            penalizer: 0.001,
        };
        let split = fit_from_sums(
            |p, ask| {
                let sent: Vec<Vec<Vec<f64>>> = parts
                    .iter()
                    .map(|d| {
                        ask.over_part(d, BgNbdData::sample, |rows| {
                            log_likelihood_sums(p, rows, ask.hessian).to_parts()
                        })
                    })
                    .collect();
                TermSums::from_parts(&sent)
            },
            &shape,
        )
        .unwrap();
        assert_eq!(split.params, whole.params);
        assert_eq!(split.info.objective, whole.info.objective);
        assert_eq!(split.info.log_hessian, whole.info.log_hessian);
    }
}

/// Heavy weights on few distinct rows: a subsample of them would hold a handful of rows (or
/// none), whose optimum can sit on a boundary plateau the full fit then stays on (the
/// modified model's did, before the fit asked for enough distinct rows too); the fit must
/// reach the optimum of the same objective (a mean over the weights, so scaling every weight
/// changes nothing).
#[test]
fn heavy_weights_on_few_rows_reach_the_same_optimum() {
    let mut rng = crate::core::synth::Rng::new(11);
    let (mut x, mut t_x, mut t) = (vec![], vec![], vec![]);
    for _ in 0..60 {
        let big_t = (10.0 + 40.0 * rng.uniform()).round();
        let freq = (6.0 * rng.uniform()).floor();
        x.push(freq);
        t_x.push(if freq > 0.0 {
            1.0 + ((big_t - 1.0) * rng.uniform()).floor()
        } else {
            0.0
        });
        t.push(big_t);
    }
    let w: Vec<f64> = (0..x.len()).map(|i| 1.0 + (i % 3) as f64).collect();
    let heavy: Vec<f64> = w.iter().map(|v| v * 50_000.0).collect();
    assert!(crate::core::clv::history::sample_shift(heavy.iter().sum(), x.len()).is_none());
    for modified in [false, true] {
        let light = fit(&x, &t_x, &t, Some(&w), modified, 0.01, None).unwrap();
        let weighted = fit(&x, &t_x, &t, Some(&heavy), modified, 0.01, None).unwrap();
        let (a, b) = (light.info.objective, weighted.info.objective);
        assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{a} vs {b}");
    }
}

#[test]
fn rejects_recency_beyond_t() {
    assert!(check_inputs(&[1.0], &[2.0], &[1.0]).is_err());
}

#[test]
fn a_cancelled_watch_stops_the_fit() {
    let (x, t_x, t) = (
        vec![2.0, 0.0, 5.0],
        vec![3.0, 0.0, 9.0],
        vec![10.0, 8.0, 12.0],
    );
    let watch = Watch::default();
    assert!(fit(&x, &t_x, &t, None, false, 0.001, Some(&watch)).is_ok());
    watch.cancel();
    let err = fit(&x, &t_x, &t, None, false, 0.001, Some(&watch)).unwrap_err();
    assert!(matches!(err, FloError::Cancelled { .. }), "{err}");
    assert_eq!(err.to_string(), "BG/NBD fit: cancelled");
}
