//! Order logs summarised per customer: the BTYD shape (`btyd`) as lifetimes computes it, and
//! the customer-file shape (`customers`) so the RFM and CLTV studies run on a log.

pub mod btyd;
pub mod customers;
pub mod shuffle;
