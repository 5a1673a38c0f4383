//! The pure-Rust core: no Python here, so `cargo test` runs without an interpreter.

pub mod analysis;
pub mod cltv_study;
pub mod columnar;
pub mod columns;
pub mod error;
pub mod exact_sum;
pub mod fixed_sum;
pub mod frame;
pub mod io;
pub mod models;
pub mod outliers;
pub mod parse;
pub mod quantile;
pub mod rfm;
pub mod rfm_study;
pub mod segment;
pub mod stats;
pub mod summary;
pub mod synth;
pub mod target;
pub mod translog;
pub mod watch;
