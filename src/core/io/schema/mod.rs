//! The two row schemas read by the one CSV engine (`io::read::engine`): the customer file and
//! the order log.

pub mod customers;
pub mod orders;
