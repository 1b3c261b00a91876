//! [`LocalTransport`]: one SQLite connection as a [`Transport`].

use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use sqlport_core::sql::StatementKind;
use sqlport_core::tx_gate::{Admission, TxGate, ends_transaction};
use sqlport_core::{
    Batch, BatchResult, Capabilities, Error, PreparedHandle, Result, ResultSet, RowSink, Statement,
    Summary, Transport, codes,
};

use crate::batch::{execute_kind, run_batch};
use crate::bind::param_names;
use crate::error::map_error;
use crate::exec::{columns, prepare, run, run_simple};
use crate::meta::MetaCache;
use crate::prepared::LocalPrepared;
use crate::quick::{QUICK_BUDGET, QuickBudget};
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
    /// Classification, parameter names and columns of recent statements.
    meta: MetaCache,
    /// The inline-run budget's progress handler, once installed.
    quick: Option<QuickBudget>,
    /// The connection's busy timeout, while known (a PRAGMA may change it).
    busy_timeout: Option<Duration>,
}

impl LocalTransport {
    pub(crate) fn new(
        conn: Connection,
        capabilities: Capabilities,
        busy_timeout: Duration,
    ) -> Self {
        LocalTransport {
            conn,
            closed: false,
            next_savepoint: 0,
            capabilities,
            gate: TxGate::default(),
            meta: MetaCache::default(),
            quick: None,
            busy_timeout: Some(busy_timeout),
        }
    }

    /// After one statement that began with a transaction open (`was_open`)
    /// or not: settle the lost-transaction gate and forget the busy timeout
    /// after a PRAGMA.
    fn finish<T>(&mut self, was_open: bool, result: Result<(T, StatementKind)>) -> Result<T> {
        finish(
            &self.conn,
            &mut self.gate,
            &mut self.busy_timeout,
            was_open,
            result,
        )
    }

    /// The connection's busy timeout (read again after a PRAGMA).
    fn current_busy_timeout(&mut self) -> Result<Duration> {
        if let Some(d) = self.busy_timeout {
            return Ok(d);
        }
        let ms: i64 = self
            .conn
            .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
            .map_err(map_error)?;
        let d = Duration::from_millis(ms.max(0) as u64);
        self.busy_timeout = Some(d);
        Ok(d)
    }

    /// After an operation that began with a transaction open (`was_open`):
    /// a transaction SQLite ended without the caller is lost.
    fn settle(&mut self, was_open: bool, ended_by_caller: bool) {
        settle(&self.conn, &mut self.gate, was_open, ended_by_caller);
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

/// After one statement that began with a transaction open (`was_open`) or
/// not: settle the lost-transaction gate and forget the busy timeout after a
/// PRAGMA.
pub(crate) fn finish<T>(
    conn: &Connection,
    gate: &mut TxGate,
    busy_timeout: &mut Option<Duration>,
    was_open: bool,
    result: Result<(T, StatementKind)>,
) -> Result<T> {
    let ended = match &result {
        Ok((_, kind)) => {
            if matches!(kind, StatementKind::PragmaRead | StatementKind::PragmaWrite) {
                *busy_timeout = None;
            }
            matches!(
                kind,
                StatementKind::Commit | StatementKind::Rollback | StatementKind::Release
            )
        }
        Err(_) => false,
    };
    settle(conn, gate, was_open, ended);
    result.map(|(value, _)| value)
}

/// After an operation that began with a transaction open (`was_open`): a
/// transaction SQLite ended without the caller is lost.
fn settle(conn: &Connection, gate: &mut TxGate, was_open: bool, ended_by_caller: bool) {
    let open_now = !conn.is_autocommit();
    gate.settle(was_open, open_now, ended_by_caller);
}

impl Transport for LocalTransport {
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        self.conn()?;
        if self.gate.admit(&stmt.sql)? == Admission::Absorbed {
            return Ok(ResultSet::default());
        }
        let was_open = !self.conn.is_autocommit();
        let result = execute_kind(&self.conn, &mut self.meta, stmt);
        self.finish(was_open, result)
    }

    /// Holds SQLite's compiled statement (taken from the connection's
    /// statement cache, given back when the handle is dropped) across runs.
    fn prepare_handle<'a>(&'a mut self, sql: &Arc<str>) -> Box<dyn PreparedHandle + 'a> {
        Box::new(LocalPrepared::new(
            &self.conn,
            self.closed,
            &mut self.gate,
            &mut self.meta,
            &mut self.busy_timeout,
            sql.clone(),
        ))
    }

    /// A read-only `SELECT` this connection ran before, run now within a
    /// short time budget (`QUICK_BUDGET`, 200 µs) and without waiting for
    /// locks (busy timeout 0 meanwhile). When it runs out of budget (it then goes to the
    /// worker from now on) or meets a lock, it is abandoned (`None`): a
    /// read-only statement that did not finish left nothing behind. Not
    /// bounded: reading pages from a cold disk.
    fn try_execute_quick(&mut self, stmt: &Statement) -> Option<Result<ResultSet>> {
        if self.closed || self.gate.is_lost() {
            return None;
        }
        let info = self.meta.get(self.meta.find(&stmt.sql)?);
        if info.kind != StatementKind::Select || !info.readonly || !info.quick {
            return None;
        }
        let busy = self.current_busy_timeout().ok()?;
        let budget = self
            .quick
            .get_or_insert_with(|| QuickBudget::install(&self.conn));
        self.conn.busy_timeout(Duration::ZERO).ok()?;
        budget.arm(QUICK_BUDGET);
        let was_open = !self.conn.is_autocommit();
        let result = execute_kind(&self.conn, &mut self.meta, stmt);
        budget.disarm();
        if let Err(e) = self.conn.busy_timeout(busy) {
            tracing::warn!(error = %e, "sqlport-local: restoring the busy timeout failed");
            self.busy_timeout = None;
        }
        if let Err(e) = &result {
            let code = e.sqlite_code();
            let unchanged = was_open != self.conn.is_autocommit();
            let interrupted = code == Some(codes::SQLITE_INTERRUPT);
            if unchanged && (interrupted || e.is_busy()) {
                if interrupted {
                    if let Some(i) = self.meta.find(&stmt.sql) {
                        self.meta.get_mut(i).quick = false;
                    }
                }
                return None;
            }
        }
        Some(self.finish(was_open, result))
    }

    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        self.conn()?;
        self.gate.admit_many()?;
        let was_open = !self.conn.is_autocommit();
        let result = run(&self.conn, &mut self.meta, stmt, sink);
        self.finish(was_open, result)
    }

    fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        if self.closed {
            return Err(Error::Closed);
        }
        self.gate.admit_many()?;
        let was_open = !self.conn.is_autocommit();
        let counter = &mut self.next_savepoint;
        let conn = &self.conn;
        // A step may set the busy timeout.
        self.busy_timeout = None;
        let result = run_batch(conn, &mut self.meta, batch, || {
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

    fn as_any_mut(&mut self) -> Option<&mut dyn std::any::Any> {
        Some(self)
    }

    fn close(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        self.gate.clear();
        self.meta.clear();
        self.quick = None;
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
