//! [`LocalPrepared`]: the local transport's [`PreparedHandle`], which holds
//! SQLite's compiled statement across runs.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::{CachedStatement, Connection};
use sqlport_core::tx_gate::{Admission, TxGate};
use std::ops::ControlFlow;

use sqlport_core::{
    Column, Error, Params, ParamsRef, PreparedHandle, Result, ResultSet, Row, RowSink, Statement,
};

use crate::batch::execute_kind;
use crate::exec::{prepare_known, run_bound};
use crate::meta::MetaCache;
use crate::transport::finish;

/// A statement kept prepared on a [`LocalTransport`](crate::LocalTransport),
/// borrowing its parts. Each run does what
/// [`Transport::execute`](sqlport_core::Transport::execute) does for a
/// statement it ran before (the lost-transaction gate, the remembered
/// classification and columns, re-read after a schema change), without the
/// statement-cache round trip: the statement stays out of the cache while
/// the handle lives and is reset, not cleared, between runs (every run binds
/// every parameter).
pub(crate) struct LocalPrepared<'a> {
    conn: &'a Connection,
    closed: bool,
    gate: &'a mut TxGate,
    meta: &'a mut MetaCache,
    busy_timeout: &'a mut Option<Duration>,
    sql: Arc<str>,
    /// The statement and its entry in `meta`; `None` when the text did not
    /// prepare (each run then goes the general way and reports the error as
    /// it would).
    ready: Option<(CachedStatement<'a>, usize)>,
}

impl<'a> LocalPrepared<'a> {
    pub(crate) fn new(
        conn: &'a Connection,
        closed: bool,
        gate: &'a mut TxGate,
        meta: &'a mut MetaCache,
        busy_timeout: &'a mut Option<Duration>,
        sql: Arc<str>,
    ) -> Self {
        let ready = if closed {
            None
        } else {
            let hit = meta.find(&sql);
            prepare_known(conn, &sql, hit.is_some()).ok().map(|stmt| {
                let idx = meta.refresh(&sql, hit, &stmt);
                (stmt, idx)
            })
        };
        LocalPrepared {
            conn,
            closed,
            gate,
            meta,
            busy_timeout,
            sql,
            ready,
        }
    }
}

impl PreparedHandle for LocalPrepared<'_> {
    fn sql(&self) -> &Arc<str> {
        &self.sql
    }

    fn execute(&mut self, params: Params) -> Result<ResultSet> {
        self.run(ParamsRef::Params(&params), false)
    }

    /// A read-only statement is not stepped past its first row.
    fn execute_first(&mut self, params: Params) -> Result<ResultSet> {
        self.execute_ref(ParamsRef::Params(&params), true)
    }

    /// Binds the lent values directly: nothing is copied on the way.
    fn execute_ref(&mut self, params: ParamsRef<'_>, first_only: bool) -> Result<ResultSet> {
        let mut rs = self.run(params, first_only)?;
        if first_only {
            rs.rows.truncate(1);
        }
        Ok(rs)
    }
}

impl LocalPrepared<'_> {
    /// One run; `first_only`: stop a read-only statement after one row.
    fn run(&mut self, params: ParamsRef<'_>, first_only: bool) -> Result<ResultSet> {
        if self.closed {
            return Err(Error::Closed);
        }
        if self.gate.admit(&self.sql)? == Admission::Absorbed {
            return Ok(ResultSet::default());
        }
        let was_open = !self.conn.is_autocommit();
        let result = match &mut self.ready {
            None => execute_kind(
                self.conn,
                self.meta,
                &Statement {
                    sql: self.sql.clone(),
                    params: params.to_params(),
                },
            ),
            Some((stmt, idx)) => {
                tracing::debug!(sql = %self.sql, "sqlport-local: statement");
                // Described when the handle was made; nothing else runs on
                // the connection while it lives, and SQLite re-prepares a
                // statement only while stepping it, which `run_bound` checks
                // after the first step (the columns are taken again then).
                let info = self.meta.get_mut(*idx);
                let mut sink = Collect {
                    rows: Vec::new(),
                    stop_after_one: first_only && info.readonly,
                };
                run_bound(self.conn, stmt, info, params, &mut sink).map(|(summary, kind)| {
                    let rs = ResultSet {
                        columns: summary.columns,
                        rows: sink.rows,
                        rows_affected: summary.rows_affected,
                        last_insert_rowid: summary.last_insert_rowid,
                        rows_read: summary.rows_read,
                        rows_written: summary.rows_written,
                    };
                    (rs, kind)
                })
            }
        };
        finish(self.conn, self.gate, self.busy_timeout, was_open, result)
    }
}

/// Collects the rows of a run, or only its first one.
struct Collect {
    rows: Vec<Row>,
    stop_after_one: bool,
}

impl RowSink for Collect {
    fn columns(&mut self, _columns: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }

    fn row(&mut self, row: Row) -> Result<ControlFlow<()>> {
        self.rows.push(row);
        Ok(if self.stop_after_one {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    }
}
