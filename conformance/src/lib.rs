//! # sqlport-conformance
//!
//! The conformance suite every sqlport transport is held to, the runner CLI
//! that runs it against any NAME/URL, and the reference Hrana-over-HTTP server
//! that the HTTP transport is tested against.
#![forbid(unsafe_code)]

pub mod server;
pub mod suite;
