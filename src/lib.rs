//! # sqlport
//!
//! One API over SQLite-compatible databases, local or remote: a local SQLite
//! file or `:memory:` (through rusqlite, SQLite bundled), or a remote libSQL
//! server — `sqld` or Turso — over Hrana over HTTP. The database NAME picks the
//! transport, so the same program runs on a local file in development and on a
//! remote server in production, with the same semantics: real transactions,
//! savepoints and connection-scoped PRAGMAs everywhere.
//!
//! Two flavours with the same types and methods: async at the crate root
//! ([`Database`], [`Connection`], [`Transaction`], [`Savepoint`],
//! [`PreparedStatement`], [`Executor`] for helpers that take a connection or
//! a guard, and `Pool` with the `async-pool` feature) and blocking in
//! [`blocking`] (the same). The query helpers and their contracts
//! are listed on [`blocking::Connection`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> sqlport::Result<()> {
//! let db = sqlport::Database::open(":memory:")?;
//! let mut conn = db.connect().await?;
//! conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", ()).await?;
//! conn.execute("INSERT INTO t (name) VALUES (?)", ["ada"]).await?;
//! let name: String = conn.query_scalar("SELECT name FROM t WHERE id = ?", [1]).await?;
//! assert_eq!(name, "ada");
//! # Ok(()) }
//! ```
//!
//! ## NAME forms
//!
//! The NAME picks the transport: `:memory:`, a path or a bare file name is
//! local; `https://`, `libsql://`, `http://` or a bare `*.turso.io` host is
//! remote. The full table, with the rules for bare names, is in
//! [`sqlport_core::name`].
//!
//! ## Features
//!
//! | feature | what |
//! |---|---|
//! | `local` (default) | local SQLite through rusqlite |
//! | `http-blocking` | remote databases, blocking (ureq) |
//! | `http-async` | remote databases, async (reqwest) |
//! | `schema` | Django-compatible schema, introspection, migrations ([`schema`]) |
//! | `serde` | deserialize rows into structs ([`Row::deserialize`], `query_as`) |
//! | `async-pool` | the async connection pool ([`Pool`]; tokio) |
//! | `functions` | rusqlite's user-defined scalar and aggregate functions, through `Connection::with_rusqlite` (implies `local`) |
//! | `load-extension` | rusqlite's extension loading, through `with_rusqlite` (its calls are `unsafe`, so your code makes them; implies `local`) |
//! | `chrono`, `time` | dates, times, datetimes and durations in Django's storage formats ([`types`]) |
//! | `uuid`, `json`, `rust_decimal` | `Uuid`, `serde_json::Value` / `types::Json`, `Decimal` as Django stores them ([`types`]) |
//!
//! Opening a NAME whose transport was compiled out is an
//! [`Error::Unsupported`] naming the feature to enable.
//!
//! ## Errors
//!
//! One [`Error`] type; compare [`Error::kind`] and the SQLite codes
//! ([`Error::sqlite_code`], [`Error::extended_code`]), never message text.
//! Constraint violations: [`Error::is_unique_violation`] and its siblings
//! answer the same locally and remotely (see [`Constraint`]); remote servers
//! send no extended codes.
//!
//! A transaction that was lost (the server or SQLite rolled it back, a
//! request inside it failed, an async operation inside it was cancelled)
//! stays lost: every later statement fails with [`Error::TransactionLost`]
//! and `commit` too, until the guard is rolled back or dropped. What is
//! retried, what never is, and the timeouts: the README's "Failure
//! semantics".
#![forbid(unsafe_code)]

pub mod blocking;
mod lent;
#[cfg(feature = "local")]
mod local_hatch;
mod nonblocking;
mod open;
mod options;
mod pool;
mod prepared;
mod shared;
mod trace;

pub use nonblocking::{
    Connection, Database, Executor, PAUSE_AT, PreparedStatement, RowStream, Savepoint, Transaction,
};
pub use options::OpenOptions;
#[cfg(feature = "async-pool")]
pub use pool::nonblocking::{Pool, PooledConnection};
pub use pool::{HealthCheck, PoolOptions, PoolStatus};
pub use sqlport_core::HranaVersion;
pub use sqlport_core::{
    AsyncConnector, AsyncTransport, AuthToken, Batch, BatchMode, BatchResult, Capabilities,
    Capability, Column, ColumnIndex, Connector, Constraint, ConversionError, Error, ErrorKind,
    FromSql, IntoParams, LocalTarget, OptionalExt, Params, RemoteTarget, Result, ResultSet, Row,
    RowRef, RowSink, SqliteError, Statement, StepResult, Summary, Target, ToSql,
    TransactionBehavior, Transport, Type, Value, ValueRef, codes, named_params,
    named_params_from_iter, params, params_from_iter,
};

/// The core crate (types and traits for transport authors).
pub use sqlport_core as core;
/// Conversions in Django's storage formats (features `chrono`, `time`, `uuid`, `json`, `rust_decimal`).
pub use sqlport_core::types;
/// The HTTP transport.
#[cfg(any(feature = "http-blocking", feature = "http-async"))]
pub use sqlport_http as http;
/// The local transport.
#[cfg(feature = "local")]
pub use sqlport_local as local;
/// Django-compatible schema layer.
#[cfg(feature = "schema")]
pub use sqlport_schema as schema;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
