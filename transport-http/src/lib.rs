//! # sqlport-http
//!
//! libSQL's Hrana-over-HTTP protocol (sqld, Turso): a sans-IO core ([`proto`])
//! and two thin backends, blocking (feature `blocking`, ureq: [`HttpConnector`],
//! [`HttpTransport`]) and async (feature `async`, reqwest:
//! [`AsyncHttpConnector`], [`AsyncHttpTransport`]). Both may be enabled
//! together; with neither, the protocol core is still usable.
//!
//! ## Connections are stateful
//!
//! Each connection owns one Hrana stream, so interactive transactions, nested
//! savepoints and PRAGMAs persist for the connection's life. The stream (its
//! baton) is kept only while the connection holds state (an open transaction
//! or a PRAGMA assignment); otherwise `close` rides in the same request and the
//! server keeps nothing.
//!
//! ## Round trips
//!
//! | operation | HTTP requests |
//! |---|---|
//! | autocommit `execute`, query | 1 (no `describe`) |
//! | `batch` (any mode, atomic included) | 1 |
//! | `BEGIN`, N statements, `COMMIT` | N + 1 (`BEGIN` rides with the first statement, `COMMIT` with `close`) |
//! | `BEGIN` directly followed by `COMMIT`/`ROLLBACK` | 0 |
//!
//! On v3 every pipeline also carries `get_autocommit`, so the transaction state
//! is always the server's; on v2 it is inferred from the statements.
//!
//! ## Failures
//!
//! - A stream that expired while idle outside a transaction is reopened
//!   transparently, the connection's replayable PRAGMA settings are
//!   re-applied first ([`proto::client::replay`]: an allowlist of
//!   connection-scoped settings, from outside transactions or committed
//!   ones; never `user_version`, `journal_mode`, ...), and the request runs
//!   once more. Inside a transaction the result is
//!   [`Error::StreamExpired`](sqlport_core::Error::StreamExpired)` { in_transaction: true }`:
//!   nothing is replayed.
//! - A transaction that ends without the caller's `COMMIT`/`ROLLBACK`
//!   (expiry, a request that may have run but got no good reply, any
//!   non-2xx, the server's own rollback seen through `get_autocommit`, a
//!   held `BEGIN` that failed, an abandoned request) is *lost*: every later
//!   call fails with
//!   [`Error::TransactionLost`](sqlport_core::Error::TransactionLost) and
//!   sends nothing until the caller's `ROLLBACK` (see
//!   [`sqlport_core::tx_gate`]). On Hrana 2 (no `get_autocommit`), a
//!   rollback the server does on its own while the stream lives is not seen.
//! - A request is retried only when it provably never reached the server
//!   (connection refused); if the retry fails the same way, the stream and
//!   its transaction are kept as they were. Never after a timeout, a 5xx or
//!   a reset mid-reply. One operation sends at most
//!   [`MAX_REQUESTS_PER_OPERATION`](proto::client::MAX_REQUESTS_PER_OPERATION)
//!   requests, and the reply to every request sent is read: a request that
//!   ran is never reported as failed for want of a round trip.
//! - Timeouts: [`HttpConfig::connect_timeout`], [`HttpConfig::request_timeout`]
//!   (a whole request, body included) and [`HttpConfig::read_timeout`] (each
//!   read of a reply). A streamed cursor has no whole-request deadline: it
//!   is bounded by the connect and per-read idle timeouts only, so a long
//!   `query_stream` that keeps sending rows is never cut.
//! - A server's `base_url` is followed only on the database URL's origin
//!   (same scheme, host and port), otherwise ignored: the token never goes
//!   to another server, nor from HTTPS to HTTP.
//! - The auth token is taken from the config, the target, or an
//!   `authToken` query parameter left in the URL; it is only ever sent in
//!   the `Authorization` header.
//! - 401/403 are [`Error::Auth`](sqlport_core::Error::Auth); other non-2xx
//!   replies [`Error::Http`](sqlport_core::Error::Http); undecodable replies
//!   [`Error::Protocol`](sqlport_core::Error::Protocol). Nothing panics on any
//!   reply.
//!
//! ## Versions, streaming, settings
//!
//! The version is negotiated once per connector (`GET /v3`, else `GET /v2`,
//! else the stateless v1 endpoints with reduced capabilities) unless
//! [`HttpConfig::version`] forces one; the protocol core does it
//! ([`proto::client::negotiate`]), the backends only send the probes. `query_stream` uses `/v3/cursor` and
//! hands rows to the sink as they arrive (a cursor cannot close its stream:
//! back-to-back cursors reuse one, anything else leaves it to expire).
//! Batches with `ContinueOnError` are sent as independent requests of one
//! pipeline; when sqld refuses a whole batch because a step does not parse,
//! the failing step is found with `describe` (extra round trips on that error
//! path only). TLS is rustls with certificate
//! verification; proxies come from the environment (`HTTPS_PROXY`, ...).
//! The auth token is sent as `Authorization: Bearer` and never appears in
//! `Debug` output, errors or logs. Each HTTP request gets a `tracing` span
//! `hrana_http` (endpoint, status, bytes, duration, baton carried).
#![forbid(unsafe_code)]

mod config;
pub mod proto;

#[cfg(feature = "async")]
mod async_backend;
#[cfg(feature = "blocking")]
mod blocking;
#[cfg(any(feature = "blocking", feature = "async"))]
mod redact;
#[cfg(feature = "blocking")]
mod resolve;
#[cfg(any(feature = "blocking", feature = "async"))]
mod sink;
#[cfg(any(feature = "blocking", feature = "async"))]
mod target;
pub mod tls;
#[cfg(any(feature = "blocking", feature = "async"))]
mod trace;

#[cfg(feature = "async")]
pub use async_backend::{AsyncHttpConnector, AsyncHttpTransport};
#[cfg(feature = "blocking")]
pub use blocking::{HttpConnector, HttpTransport};
pub use config::HttpConfig;
pub use proto::Version;
