//! The reference Hrana-over-HTTP server: sqld's observable behaviour (docs/PROTOCOL.md
//! §10.3, §11) over the local transport, for tests and as a `turso dev`-like
//! local server. Not a production server.
//!
//! - Routes: `GET /v2`, `/v3`, `/v1`, `/health`, `/version`; `POST
//!   /v2/pipeline`, `/v3/pipeline`, `/v3/cursor`, `/v1/execute`, `/v1/batch`.
//!   Anything else is 404; a known path with the wrong method 405.
//! - One SQLite connection per stream; random single-use batons; idle expiry
//!   with `STREAM_EXPIRED` tombstones; limits on body size (413), open streams
//!   (429, also per client) and response size (`RESPONSE_TOO_LARGE`, the
//!   statement stopped as soon as its encoding passes the budget), per
//!   response and for all responses held at once.
//! - Nothing a client sends can act on the process or outlive its welcome: an
//!   authorizer on every connection (PRAGMA allowlist, no `ATTACH`), a
//!   deadline on every statement, interruption when the client goes away, one
//!   bounded pool of SQL work, transactions rolled back when they hold the
//!   write lock too long while another stream waits (`TRANSACTION_TIMEOUT`),
//!   header/body timeouts, a write timeout for clients that stop reading
//!   their reply, a connection limit, and a shutdown that ends within
//!   its grace period. The README's "What the reference server enforces"
//!   lists every limit and default ([`ServerConfig`]).
//! - `/v3/cursor` streams its entries as the batch produces them (bounded
//!   memory), with sqld's entry grammar.
//! - `:memory:` is one fresh database shared by all streams (a temporary WAL
//!   file, so a writer does not block readers, as on sqld).
//! - Optional auth: a fixed bearer token or Ed25519 JWTs ([`ServerAuth`]).
//!
//! Use [`TestServer`] in tests (own runtime thread) and [`serve`] /
//! [`BoundServer`] from async code; `sqlport-conformance serve` runs it from the
//! command line.

mod analysis;
mod app;
mod auth;
mod baton;
#[cfg(feature = "cli")]
pub mod cli;
mod config;
mod control;
mod cursor;
mod executor;
mod functions;
mod handlers;
mod policy;
mod registry;
mod request;
mod response_budget;
mod responses;
mod test_server;
mod write_timeout;

pub use app::{BoundServer, serve};
pub use config::{ServerAuth, ServerConfig};
pub use test_server::TestServer;
