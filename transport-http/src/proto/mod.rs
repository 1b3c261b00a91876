//! The sans-IO Hrana core: no I/O, no clock. It turns calls into request bodies
//! and response bytes into results; both the client half ([`client`]) and the
//! server half (used by the reference server) live here.

pub mod client;
#[cfg(feature = "server")]
pub mod server;
pub mod wire;

/// The protocol version, the one type shared with the rest of sqlport
/// ([`sqlport_core::HranaVersion`]).
pub use sqlport_core::HranaVersion as Version;
