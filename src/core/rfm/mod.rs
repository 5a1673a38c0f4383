//! RFM segmentation: metrics and quantile scores (`scores`), segment names (`segments`), the
//! per-segment summary (`summary`), campaign target rules (`rules`), the table that chains
//! them (`table`) and the whole study with its files (`study`).

pub mod rules;
pub mod scheme;
pub mod scores;
pub mod segments;
pub mod study;
pub mod summary;
pub mod table;
