//! Files in and out: inputs opened (decompressed, decoded) here and parsed by `reader.rs` /
//! `translog.rs`; every output file is written here, by one writer.

pub mod read;
pub mod write;
