//! Files in and out: inputs opened (decompressed, decoded) here and parsed by one CSV engine
//! (`read::engine`) into one of two row schemas (`schema::customers`, `schema::orders`), or
//! taken from columns already in memory (`schema::dataframe`); every output file is written
//! here, by one writer (`write`).

pub mod parse;
pub mod read;
pub mod schema;
pub mod write;
