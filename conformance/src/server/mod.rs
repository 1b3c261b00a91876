//! The reference Hrana-over-HTTP server (in progress).

pub mod cli;
