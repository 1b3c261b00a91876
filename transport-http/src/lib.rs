//! # sqlport-http
//!
//! libSQL's Hrana-over-HTTP protocol: a sans-IO core ([`proto`]) and two thin
//! backends, blocking (feature `blocking`, ureq: [`HttpConnector`],
//! [`HttpTransport`]) and async (feature `async`, reqwest:
//! [`AsyncHttpConnector`], [`AsyncHttpTransport`]). Both may be enabled together.
//!
//! Connections are stateful: one Hrana stream per connection, so interactive
//! transactions, savepoints and PRAGMAs persist across calls, at one HTTP
//! request per statement (a `BEGIN` rides with the next statement, `COMMIT`
//! rides with the stream's `close`).
#![forbid(unsafe_code)]

mod config;
pub mod proto;

#[cfg(feature = "async")]
mod async_backend;
#[cfg(feature = "blocking")]
mod blocking;
#[cfg(any(feature = "blocking", feature = "async"))]
mod common;

#[cfg(feature = "async")]
pub use async_backend::{AsyncHttpConnector, AsyncHttpTransport};
#[cfg(feature = "blocking")]
pub use blocking::{HttpConnector, HttpTransport};
pub use config::{HttpConfig, ProtocolVersion};
pub use proto::client::Version;
