//! The two row schemas read by the one CSV engine (`io::read::engine`): the customer file and
//! the order log; and the customer table built from in-memory columns (a pandas DataFrame)
//! with the same row rules.

pub mod customers;
pub mod dataframe;
pub mod orders;
