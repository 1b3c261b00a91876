//! The async flavour (re-exported at the crate root): [`Database`] →
//! [`Connection`] → [`Transaction`] / [`Savepoint`] guards and
//! [`PreparedStatement`], the same types and methods as
//! [`blocking`](crate::blocking), as `async fn`s. Futures are `Send`.
//! Local databases run on a worker thread per connection, so the executor is
//! never blocked; remote ones use the async HTTP backend.
//!
//! A guard dropped unfinished cannot await its `ROLLBACK`: the rollback is queued
//! on the connection ([`AsyncTransport::enqueue`](sqlport_core::AsyncTransport::enqueue))
//! and runs before the connection's next operation (the local worker runs it at
//! once; the HTTP transport sends it with the next request, or closes the stream,
//! which rolls back, when the connection is dropped).
//!
//! Cancellation: every future here may be dropped at any await point (a
//! `tokio::time::timeout` that fires, a `select!` branch not taken) and the
//! connection stays defined. A transaction that was open is lost (rolled
//! back; later statements fail with
//! [`Error::TransactionLost`](crate::Error::TransactionLost) until the guard
//! ends); if none was open, none is left open (a `BEGIN` whose future was
//! dropped is rolled back), and the dropped statement ran at most once.

mod connection;
mod database;
mod executor;
mod guard_methods;
mod prepared;
mod stream;
mod transaction;

pub use connection::Connection;
pub use database::Database;
pub use executor::Executor;
pub use prepared::PreparedStatement;
pub use stream::{PAUSE_AT, RowStream};
pub use transaction::{Savepoint, Transaction};
