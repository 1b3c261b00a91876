//! [`LocalTransport`]: one SQLite connection as a [`Transport`].

use rusqlite::Connection;
use sqlport_core::tx_gate::{Admission, TxGate, ends_transaction};
use sqlport_core::{
    Batch, BatchResult, Capabilities, Error, Result, ResultSet, RowSink, Statement, Summary,
    Transport,
};

use crate::batch::{execute, run_batch};
use crate::bind::param_names;
use crate::error::map_error;
use crate::exec::{columns, prepare, run, run_simple};
use sqlport_core::Description;

/// One connection to a local database. Obtain it from
/// [`LocalConnector::connect_local`](crate::LocalConnector::connect_local).
///
/// Closing or dropping it rolls back an open transaction.
///
/// Batches follow [`BatchMode`](sqlport_core::BatchMode): an atomic batch
/// runs in `BEGIN <behaviour>` ... `COMMIT`, or, inside an open transaction,
/// in a uniquely named savepoint, so the outer transaction survives a failed
/// batch. A failing step is rolled back and reported as
/// [`Error::Batch`](sqlport_core::Error::Batch) with its index; a step that
/// ends the batch's transaction (e.g. `COMMIT`) counts as failed
/// ([`Error::Unsupported`](sqlport_core::Error::Unsupported)). If the opening
/// `BEGIN`/`SAVEPOINT` or the final `COMMIT`/`RELEASE` itself fails (e.g.
/// `SQLITE_BUSY`), that error is returned as is, and nothing was committed.
///
/// When SQLite rolls back an open transaction by itself (`INSERT OR
/// ROLLBACK`, `RAISE(ROLLBACK, ...)`, some I/O or out-of-memory errors), the
/// transaction is lost: later statements fail with
/// [`Error::TransactionLost`](sqlport_core::Error::TransactionLost) until the
/// caller's `ROLLBACK` (see the [contract](sqlport_core::transport)).
#[derive(Debug)]
pub struct LocalTransport {
    /// The connection; after `close`, a private in-memory placeholder.
    conn: Connection,
    closed: bool,
    next_savepoint: u64,
    capabilities: Capabilities,
    gate: TxGate,
}

impl LocalTransport {
    pub(crate) fn new(conn: Connection, capabilities: Capabilities) -> Self {
        LocalTransport {
            conn,
            closed: false,
            next_savepoint: 0,
            capabilities,
            gate: TxGate::default(),
        }
    }

    /// After an operation that began with a transaction open (`was_open`):
    /// a transaction SQLite ended without the caller is lost.
    fn settle(&mut self, was_open: bool, ended_by_caller: bool) {
        let open_now = !self.conn.is_autocommit();
        self.gate.settle(was_open, open_now, ended_by_caller);
    }

    fn conn(&self) -> Result<&Connection> {
        if self.closed {
            Err(Error::Closed)
        } else {
            Ok(&self.conn)
        }
    }

    /// Prepare `sql` (one statement) and report its parameters and columns
    /// without running it.
    pub fn describe(&mut self, sql: &str) -> Result<Description> {
        let conn = self.conn()?;
        let stmt = prepare(conn, sql)?;
        Ok(Description {
            params: param_names(&stmt),
            columns: columns(&stmt),
            is_explain: stmt.is_explain() != 0,
            is_readonly: stmt.readonly(),
        })
    }

    /// The underlying rusqlite connection, for what sqlport does not cover.
    ///
    /// After [`Transport::close`] this is a private, empty in-memory
    /// connection, not the database.
    pub fn raw(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// `true` once [`Transport::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

impl Transport for LocalTransport {
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        self.conn()?;
        if self.gate.admit(&stmt.sql)? == Admission::Absorbed {
            return Ok(ResultSet::default());
        }
        let was_open = !self.conn.is_autocommit();
        let result = execute(&self.conn, stmt);
        self.settle(was_open, result.is_ok() && ends_transaction(&stmt.sql));
        result
    }

    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        self.conn()?;
        self.gate.admit_many()?;
        let was_open = !self.conn.is_autocommit();
        let result = run(&self.conn, stmt, sink);
        self.settle(was_open, result.is_ok() && ends_transaction(&stmt.sql));
        result
    }

    fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        if self.closed {
            return Err(Error::Closed);
        }
        self.gate.admit_many()?;
        let was_open = !self.conn.is_autocommit();
        let counter = &mut self.next_savepoint;
        let conn = &self.conn;
        let result = run_batch(conn, batch, || {
            *counter += 1;
            format!("sqlport_batch_{}", *counter)
        });
        let ended = result.as_ref().is_ok_and(|r| {
            r.steps
                .iter()
                .zip(&batch.steps)
                .any(|(outcome, stmt)| outcome.ok().is_some() && ends_transaction(&stmt.sql))
        });
        self.settle(was_open, ended);
        result
    }

    fn is_autocommit(&self) -> bool {
        self.closed || (!self.gate.is_lost() && self.conn.is_autocommit())
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    fn close(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        self.gate.clear();
        if !self.conn.is_autocommit() {
            if let Err(e) = run_simple(&self.conn, "ROLLBACK") {
                tracing::warn!(error = %e, "sqlport-local: rollback on close failed");
            }
        }
        // Swap in a placeholder so `raw()` keeps working, and close the real
        // connection. If even an in-memory connection cannot be opened, the
        // (rolled back) connection stays open until drop.
        let placeholder = Connection::open_in_memory().map_err(map_error)?;
        let conn = std::mem::replace(&mut self.conn, placeholder);
        conn.close().map_err(|(_, e)| map_error(e))
    }
}
