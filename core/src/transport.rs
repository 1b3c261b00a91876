//! The transport traits: [`Transport`] (blocking) and [`AsyncTransport`]
//! (async), one value per database connection, plus [`Connector`] and
//! [`AsyncConnector`], which open connections for a database.
//!
//! # The contract every transport keeps
//!
//! The conformance suite (`sqlport-conformance`) checks these, identically, on
//! every transport:
//!
//! - **Values**: NULL, INTEGER (the full `i64` range, never through `f64`), REAL
//!   (finite; see [`Value`](crate::Value) for non-finite), TEXT (UTF-8, embedded NUL
//!   preserved) and BLOB (any bytes, empty included) round-trip exactly.
//! - **One statement per [`Statement`]**: more is
//!   [`Error::MultipleStatements`], none is [`Error::NoStatement`].
//! - **Parameters**: positional (`?`, `?NNN`) or named (`:a`, `@a`, `$a`); a name
//!   is looked up exactly, then without its prefix. A missing or surplus value,
//!   or a named SQL parameter bound by position, is [`Error::InvalidArguments`].
//! - **Results**: column names (duplicates kept positionally) and declared types;
//!   rows; `rows_affected` for INSERT/UPDATE/DELETE/REPLACE only (0 otherwise);
//!   `last_insert_rowid` for INSERT/REPLACE only (`None` otherwise); `RETURNING`
//!   works.
//! - **Transactions**: `BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE]`, `COMMIT`,
//!   `ROLLBACK`, nested `SAVEPOINT`/`RELEASE`/`ROLLBACK TO`, issued as ordinary
//!   statements, hold across calls; [`Transport::is_autocommit`] tells whether
//!   one is open. Closing or dropping a connection rolls back what it left open.
//! - **A lost transaction stays lost**: when an open transaction ends without
//!   the caller's `COMMIT`/`ROLLBACK`/`RELEASE` (the server dropped the
//!   stream or rolled it back, a request inside it failed or timed out, the
//!   connection was reset, SQLite rolled it back on an error, an async
//!   operation inside it was cancelled), the call that found out returns its
//!   own error, and from then on every statement, batch and query fails with
//!   [`Error::TransactionLost`] and sends nothing, until the caller runs
//!   `ROLLBACK` (which succeeds and does nothing else). Meanwhile
//!   [`Transport::is_autocommit`] is `false`, so a guard still ends it.
//!   Nothing of a lost transaction is ever committed, and no statement meant
//!   for it runs in autocommit mode. The rule is implemented once, in
//!   [`TxGate`](crate::tx_gate::TxGate).
//! - **Cancellation** ([`AsyncTransport`]): a future dropped at any await
//!   point leaves the connection defined. If a transaction was open, it is
//!   lost (rolled back, as above). If none was, none is left open (a `BEGIN`
//!   whose caller went away is rolled back), and the dropped statement ran
//!   at most once: its outcome is unknown, as after a timeout.
//! - **Connection state**: PRAGMAs set on a connection persist for its life; a
//!   new connection starts from the defaults.
//! - **Batches**: see [`BatchMode`](crate::BatchMode). An atomic batch commits
//!   every step or none and reports the failing step's index.
//! - **Errors**: SQLite failures are [`Error::Sqlite`] with the primary code (and
//!   the extended one where [`Capability::ExtendedErrorCodes`](crate::Capability::ExtendedErrorCodes) is reported).
//! - **No panic** on any input or any server reply.
//!
//! A transport reports what it can do with [`Transport::capabilities`]; the
//! suite skips, and names, the cases whose capabilities are missing.

use std::ops::ControlFlow;

use async_trait::async_trait;

use crate::capability::Capabilities;
use crate::error::{Error, Result};
use crate::prepared::{GenericHandle, PreparedHandle};
use crate::result::{ResultSet, Row, RowSink, Summary};
use crate::statement::{Batch, BatchResult, Statement};

/// A blocking connection to a database. Dyn-compatible: hold it as
/// `Box<dyn Transport>`.
pub trait Transport: Send {
    /// Run one statement and return its whole result.
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet>;

    /// Run one statement, handing rows to `sink` as they are produced (bounded
    /// memory on transports with [`Capability::Streaming`](crate::Capability::Streaming)).
    ///
    /// The default runs [`Transport::execute`] and feeds the buffered rows.
    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        let rs = self.execute(stmt)?;
        feed(rs, sink)
    }

    /// Run a batch (one round trip on remote transports).
    fn batch(&mut self, batch: &Batch) -> Result<BatchResult>;

    /// Run `stmt` now only if it is sure to finish quickly without waiting
    /// (for a lock, the network, ...): the async worker
    /// ([`AsyncOverBlocking`](crate::AsyncOverBlocking)) calls this on the async
    /// caller's own thread when the worker is idle, and sends the statement to
    /// the worker thread when it returns `None`. `None` means nothing
    /// observable happened. The default always declines.
    fn try_execute_quick(&mut self, stmt: &Statement) -> Option<Result<ResultSet>> {
        let _ = stmt;
        None
    }

    /// Keep `sql` ready for repeated runs: a [`PreparedHandle`] that borrows
    /// this connection until dropped. Running it with some parameters is
    /// observably the same as [`Transport::execute`] of a [`Statement`] of
    /// `sql` with them (errors included: a text that does not prepare fails
    /// on each run, not here). The default ([`GenericHandle`]) does exactly
    /// that; a transport that can hold a compiled statement across calls
    /// overrides it to skip the per-run preparation costs.
    fn prepare_handle<'a>(&'a mut self, sql: &std::sync::Arc<str>) -> Box<dyn PreparedHandle + 'a> {
        Box::new(GenericHandle::new(self, sql.clone()))
    }

    /// `true` when no transaction is open (a lost transaction counts as open
    /// until the caller's `ROLLBACK`). Never does I/O.
    fn is_autocommit(&self) -> bool;

    /// What this transport can do.
    fn capabilities(&self) -> Capabilities;

    /// Close the connection, rolling back an open transaction. Later calls fail
    /// with [`Error::Closed`]. Closing twice is not an error.
    fn close(&mut self) -> Result<()>;

    /// The transport as [`Any`](std::any::Any), so that an application can
    /// reach a concrete transport's own API (the local transport's rusqlite
    /// connection). The default is `None`.
    fn as_any_mut(&mut self) -> Option<&mut dyn std::any::Any> {
        None
    }
}

/// A closure run on a blocking transport from async code
/// ([`AsyncTransport::with_blocking`]).
pub type BlockingFn = Box<dyn FnOnce(&mut dyn Transport) + Send>;

/// An async connection to a database. Dyn-compatible (`Box<dyn AsyncTransport>`)
/// with `Send` futures.
#[async_trait]
pub trait AsyncTransport: Send {
    /// Run one statement and return its whole result.
    async fn execute(&mut self, stmt: &Statement) -> Result<ResultSet>;

    /// Run one statement, handing rows to `sink` as they arrive.
    async fn query_stream(
        &mut self,
        stmt: &Statement,
        sink: &mut (dyn RowSink + Send),
    ) -> Result<Summary> {
        let rs = self.execute(stmt).await?;
        feed(rs, sink)
    }

    /// Run a batch (one round trip on remote transports).
    async fn batch(&mut self, batch: &Batch) -> Result<BatchResult>;

    /// `true` when no transaction is open (a lost transaction counts as open
    /// until the caller's `ROLLBACK`). Never does I/O.
    fn is_autocommit(&self) -> bool;

    /// What this transport can do.
    fn capabilities(&self) -> Capabilities;

    /// Queue `stmt` to run before the next operation on this connection, without
    /// waiting (a `Drop` impl cannot await). Used to roll back a dropped
    /// transaction or savepoint guard. Its outcome is not reported (it is logged).
    /// Implementations may run it at once in the background.
    fn enqueue(&mut self, stmt: Statement);

    /// Close the connection, rolling back an open transaction.
    async fn close(&mut self) -> Result<()>;

    /// Run `f` on the blocking transport this async transport drives, on the
    /// thread that owns it (the worker of [`AsyncOverBlocking`](crate::AsyncOverBlocking)),
    /// between two operations. The default (a natively async transport) is
    /// [`Error::Unsupported`].
    async fn with_blocking(&mut self, f: BlockingFn) -> Result<()> {
        drop(f);
        Err(Error::Unsupported(
            "this connection does not run on a blocking transport".into(),
        ))
    }
}

/// Opens blocking connections to one database. Any
/// `Fn() -> Result<Box<dyn Transport>>` is a connector.
pub trait Connector: Send + Sync {
    /// Open a new connection.
    fn connect(&self) -> Result<Box<dyn Transport>>;
}

impl<F> Connector for F
where
    F: Fn() -> Result<Box<dyn Transport>> + Send + Sync,
{
    fn connect(&self) -> Result<Box<dyn Transport>> {
        self()
    }
}

/// Opens async connections to one database.
#[async_trait]
pub trait AsyncConnector: Send + Sync {
    /// Open a new connection.
    async fn connect(&self) -> Result<Box<dyn AsyncTransport>>;
}

/// Hand the rows of a buffered result to a sink (honours `Break`).
pub fn feed(rs: ResultSet, sink: &mut (impl RowSink + ?Sized)) -> Result<Summary> {
    sink.columns(&rs.columns)?;
    for row in rs.rows {
        if let ControlFlow::Break(()) = sink.row(row)? {
            break;
        }
    }
    Ok(Summary {
        columns: rs.columns,
        rows_affected: rs.rows_affected,
        last_insert_rowid: rs.last_insert_rowid,
        rows_read: rs.rows_read,
        rows_written: rs.rows_written,
    })
}

/// Shorthand used by transports to refuse an operation after [`Transport::close`].
pub fn closed<T>() -> Result<T> {
    Err(Error::Closed)
}

/// Collect the rows of a streamed query into a [`ResultSet`] (helper for tests
/// and simple callers).
pub fn collect(
    columns: std::sync::Arc<[crate::result::Column]>,
    rows: Vec<Row>,
    summary: &Summary,
) -> ResultSet {
    ResultSet {
        columns,
        rows,
        rows_affected: summary.rows_affected,
        last_insert_rowid: summary.last_insert_rowid,
        rows_read: summary.rows_read,
        rows_written: summary.rows_written,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn _assert_dyn_compatible(_: &dyn Transport, _: &dyn AsyncTransport, _: &dyn Connector) {}

    fn _assert_send<T: Send>() {}

    #[test]
    fn boxed_async_transport_is_send() {
        _assert_send::<Box<dyn AsyncTransport>>();
        let _ = crate::Capability::ALL;
    }
}
