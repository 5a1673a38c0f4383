//! Files in and out. Reading still lives in `reader.rs`/`translog.rs`; every output file is
//! written here, by one writer.

pub mod write;
