//! The CLTV study's fits at scale, in the core alone (no Python): `cargo bench --bench fits`.
//! Times the BG/NBD and Gamma-Gamma fits on the weekly history of generated customers, and one
//! evaluation of each likelihood sum, so the cost of the exact (order-independent) sums can be
//! compared with plain float sums (see bench/NOTES.md).

use std::time::Instant;

use flo_rfm::core::models::gamma_gamma;
use flo_rfm::core::models::purchases::{self, Kind};
use flo_rfm::core::outliers::{cltv_frame, FrequencyDefinition};
use flo_rfm::core::reader::{read_from, ReadOptions};
use flo_rfm::core::synth::sample_bytes;

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, out.expect("at least one run"))
}

fn main() {
    let customers: usize = std::env::args()
        .nth(1)
        .filter(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let bytes = sample_bytes(customers, 42);
    let frame = read_from(&bytes[..], "sample", &ReadOptions::default()).expect("sample reads");
    let f = cltv_frame(&frame, None, FrequencyDefinition::Orders, None).expect("frame");
    let (x, t_x, t, m) = (
        &f.frequency,
        &f.recency_weekly,
        &f.t_weekly,
        &f.monetary_avg,
    );
    println!(
        "{customers} customers, {} in the CLTV frame, {} threads",
        x.len(),
        rayon::current_num_threads()
    );
    let (secs, bg) = best_of(3, || {
        purchases::fit(Kind::BgNbd, x, t_x, t, None, 0.001).expect("BG/NBD fits")
    });
    println!(
        "BG/NBD fit      {secs:.3} s  ({} iterations, {} groups, objective {:.15})",
        bg.info.iterations, bg.info.groups, bg.info.objective
    );
    let (secs, gg) = best_of(3, || {
        gamma_gamma::fit(x, m, None, 0.01).expect("Gamma-Gamma fits")
    });
    println!(
        "Gamma-Gamma fit {secs:.3} s  ({} iterations, {} groups, objective {:.15})",
        gg.info.iterations, gg.info.groups, gg.info.objective
    );
}
