//! The pure-Rust core: no Python here, so `cargo test` runs without an interpreter.
//!
//! The folders follow the data: `io` reads inputs into the typed tables of `table`, `rfm` and
//! `clv` run the two studies on them, `orders` summarises order logs, and `io::write` writes
//! every output file. `numeric` holds the arithmetic they share (quantiles, order-free sums,
//! special functions, the minimiser).

pub mod choice;
pub mod clv;
pub mod customer_table;
pub mod error;
pub mod io;
pub mod numeric;
pub mod orders;
pub mod rfm;
pub mod synth;
pub mod table;
pub mod watch;
