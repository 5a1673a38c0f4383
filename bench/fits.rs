//! The CLTV study's fits at scale, in the core alone (no Python): `cargo bench --bench fits`.
//! Times the BG/NBD and Gamma-Gamma fits on the weekly history of generated customers, and one
//! evaluation of each likelihood sum, so the cost of the exact (order-independent) sums can be
//! compared with plain float sums (see bench/NOTES.md): `cargo bench --features plain-sums`
//! builds the plain baseline. `--fits-only` stops after the fits.

use std::time::Instant;

use flo_rfm::core::clv::bgnbd::{self, BgNbdData, BgNbdParams};
use flo_rfm::core::clv::gamma_gamma;
use flo_rfm::core::clv::history::ScaledHistory;
use flo_rfm::core::clv::prepare::{cltv_frame, FrequencyDefinition};
use flo_rfm::core::clv::purchases::{self, HorizonTable, PurchaseModel};
use flo_rfm::core::clv::study::{cltv_study, CltvOptions};
use flo_rfm::core::clv::value::{clv, clv_horizons, Horizon};
use flo_rfm::core::io::schema::customers::{read_from, ReadOptions};
use flo_rfm::core::synth::sample_bytes;
use rayon::prelude::*;

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
        purchases::fit(PurchaseModel::BgNbd, x, t_x, t, None, 0.001, None).expect("BG/NBD fits")
    });
    println!(
        "BG/NBD fit      {secs:.3} s  ({} iterations, {} groups, objective {:.15})",
        bg.info.iterations, bg.info.groups, bg.info.objective
    );
    let (secs, gg) = best_of(3, || {
        gamma_gamma::fit(x, m, None, 0.01, None).expect("Gamma-Gamma fits")
    });
    println!(
        "Gamma-Gamma fit {secs:.3} s  ({} iterations, {} groups, objective {:.15})",
        gg.info.iterations, gg.info.groups, gg.info.objective
    );
    // One evaluation of each likelihood sum at the fitted parameters: the part of a fit the
    // order-free sums could slow down.
    let (secs, scaled) = best_of(3, || ScaledHistory::new(x, t_x, t, None).expect("history"));
    println!("BG/NBD collapse {secs:.3} s  (check, scale and collapse the histories)");
    let (secs, data) = best_of(3, || {
        BgNbdData::new(
            scaled.x.clone(),
            scaled.t_x.clone(),
            scaled.t.clone(),
            scaled.w.clone(),
        )
    });
    println!("BG/NBD data     {secs:.3} s  (sort by frequency, distinct times)");
    let fitted = BgNbdParams::new(
        [
            bg.model.params()[0],
            bg.model.params()[1] * scaled.scale,
            bg.model.params()[2],
            bg.model.params()[3],
        ],
        false,
    );
    let (secs, _) = best_of(30, || bgnbd::log_likelihood_sums(&fitted, &data, false));
    println!("BG/NBD sums     {:.1} ms  (one evaluation)", secs * 1e3);
    let spend = gamma_gamma::spend_data(x, m, None).expect("spend data");
    let (secs, _) = best_of(30, || {
        gamma_gamma::log_likelihood_sums(&gg.params, &spend, false)
    });
    println!("Gamma-Gamma sums {:.1} ms  (one evaluation)", secs * 1e3);
    if std::env::args().any(|a| a == "--fits-only") {
        return;
    }
    let model = bg.model;
    let (secs, _) = best_of(3, || {
        (0..x.len())
            .into_par_iter()
            .map(|i| model.expected_purchases(24.0, x[i], t_x[i], t[i]))
            .sum::<f64>()
    });
    println!("one prediction  {secs:.3} s  (expected purchases in 24 weeks, every customer)");
    let horizon = Horizon {
        months: 6,
        discount: 0.01,
        factor: 4.345,
    };
    let (secs, table) = best_of(3, || {
        HorizonTable::new(&model, x, t, &clv_horizons(horizon))
    });
    println!(
        "horizon table   {secs:.3} s  ({} horizons, the 2F1 series once per distinct (x, T))",
        clv_horizons(horizon).len()
    );
    drop(table);
    let (secs, _) = best_of(3, || clv(&model, &gg.params, [x, t_x, t, m], horizon));
    println!("6-month CLV     {secs:.3} s  (the table included)");
    let (secs, study) = best_of(1, || {
        cltv_study(&frame, &CltvOptions::default()).expect("the study runs")
    });
    println!(
        "whole study     {secs:.3} s  ({} customers)",
        study.cltv.len()
    );
}
