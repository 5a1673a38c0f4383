use super::*;

#[test]
fn rosenbrock_to_machine_precision() {
    let f = |x: &[f64], g: &mut [f64]| {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    };
    let s = minimize(&f, &[-1.2, 1.0], &Options::default());
    assert!(s.converged, "{s:?}");
    assert!(
        (s.x[0] - 1.0).abs() < 1e-8 && (s.x[1] - 1.0).abs() < 1e-8,
        "{s:?}"
    );
}
