//! The typed tables every study works on: customers (one row per customer) and the order log
//! (one row per purchase), with their compact column types.

pub mod bytes;
pub mod columns;
pub mod customers;
pub mod orders;
