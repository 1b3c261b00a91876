//! # sqlport-http
//!
//! libSQL's Hrana-over-HTTP protocol: a sans-IO core ([`proto`]) and two thin
//! backends, blocking (feature `blocking`, ureq) and async (feature `async`,
//! reqwest).
#![forbid(unsafe_code)]

pub mod proto;
