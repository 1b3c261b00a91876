//! The sans-IO Hrana core: no I/O, no clock. It turns calls into request bodies
//! and response bytes into results; both the client half ([`client`]) and the
//! server half (used by the reference server) live here.

pub mod client;
pub mod server;
pub mod wire;
