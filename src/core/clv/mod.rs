//! Customer lifetime value: the study's frame (`prepare`), the purchase models (`bgnbd`,
//! `pareto`, behind one face in `purchases`), the spend model (`gamma_gamma`), the shared fit
//! machinery (`history`, `likelihood`, `fit`), CLV itself (`value`), its bootstrap and the
//! whole study (`study`). Objectives are exactly as `lifetimes` 0.11.3 defines them.

pub mod bgnbd;
pub mod bootstrap;
pub mod counts;
pub mod fit;
pub mod gamma_gamma;
pub mod history;
pub mod likelihood;
pub mod pareto;
pub mod prepare;
pub mod purchases;
pub mod study;
pub mod value;
