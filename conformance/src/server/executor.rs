//! [`LocalExecutor`]: the server half's [`StreamExecutor`] over a local
//! connection, with the server's guards installed on it, running statements
//! as sqld runs them: split and classified by sqld's parser
//! ([`super::analysis`]), arguments bound by sqld's rules, errors with
//! sqld's codes (`SQL_INPUT_ERROR` for what SQLite refuses while preparing
//! with an error offset), `affected_row_count` only for INSERT, UPDATE and
//! DELETE, `last_insert_rowid` only for INSERT.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use sqlport_core::sql::begin_behavior;
use sqlport_core::{
    Column, Error, Params, ResultSet, Row, RowSink, Statement, Summary, TransactionBehavior,
    Transport, Value, codes,
};
use sqlport_http::proto::server::{Analysis, Analyzed, Description, StatementKind, StreamExecutor};
use sqlport_local::LocalTransport;

use super::analysis::{self, truncate};
use super::auth::Access;
use super::control::{Control, PROGRESS_STEPS, WriteWaiter};
use super::functions;
use super::policy::Denial;
use super::response_budget::Charging;
use tokio::sync::OwnedSemaphorePermit;

/// What every stream connection is opened with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnSettings {
    /// Longest a statement may run.
    pub(crate) statement_timeout: Duration,
    /// `SQLITE_LIMIT_LENGTH`.
    pub(crate) max_value_bytes: usize,
}

/// One stream's SQLite connection, timing each statement.
pub(crate) struct LocalExecutor {
    conn: LocalTransport,
    last_ms: f64,
    control: Arc<Control>,
    settings: ConnSettings,
    access: Access,
    /// Since when this connection holds the write lock.
    write_since: Option<Instant>,
    /// The server rolled back this connection's transaction: the statements
    /// of the next request fail with `TRANSACTION_TIMEOUT`.
    txn_timed_out: bool,
    /// Rows are counted against the server-wide response budget (pipeline
    /// and `/v1` requests; a cursor counts its lines itself).
    charging: bool,
    /// The response bytes the rows of this request hold.
    charge: Option<OwnedSemaphorePermit>,
}

impl LocalExecutor {
    /// Wrap a connection and install the server's guards on it: the
    /// authorizer ([`super::policy`]), the progress handler (deadline,
    /// cancellation, shutdown), `SQLITE_LIMIT_LENGTH`, defensive mode, no
    /// attached database; and sqld's connection defaults (foreign keys on,
    /// `synchronous = NORMAL`) and functions (REGEXP, math,
    /// [`super::functions`]).
    pub(crate) fn new(
        mut conn: LocalTransport,
        settings: ConnSettings,
        control: Arc<Control>,
    ) -> Self {
        let raw = conn.raw();
        let length = i32::try_from(settings.max_value_bytes.max(1)).unwrap_or(i32::MAX);
        for (limit, value) in [
            (Limit::SQLITE_LIMIT_LENGTH, length),
            (Limit::SQLITE_LIMIT_ATTACHED, 0),
        ] {
            if let Err(e) = raw.set_limit(limit, value) {
                tracing::warn!(error = %e, ?limit, "could not set a limit on a stream's connection");
            }
        }
        if let Err(e) =
            raw.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)
        {
            tracing::warn!(error = %e, "could not turn on defensive mode");
        }
        let auth = Arc::clone(&control);
        raw.authorizer(Some(move |ctx: rusqlite::hooks::AuthContext<'_>| {
            auth.policy.authorize(ctx)
        }));
        let progress = Arc::clone(&control);
        raw.progress_handler(PROGRESS_STEPS, Some(move || progress.should_interrupt()));
        if let Err(e) = functions::register(raw) {
            tracing::warn!(error = %e, "could not register REGEXP and the math functions");
        }
        control.policy.set_internal(true);
        // sqld's SQLite is built with foreign keys on, and sqld runs its
        // connections with `synchronous = NORMAL`.
        let defaults = raw.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
        control.policy.set_internal(false);
        if let Err(e) = defaults {
            tracing::warn!(error = %e, "could not set the connection defaults");
        }
        LocalExecutor {
            conn,
            last_ms: 0.0,
            control,
            settings,
            access: Access::ReadWrite,
            write_since: None,
            txn_timed_out: false,
            charging: false,
            charge: None,
        }
    }

    /// This connection's controls.
    pub(crate) fn control(&self) -> Arc<Control> {
        Arc::clone(&self.control)
    }

    /// A request with `access` starts on this connection.
    pub(crate) fn begin_request(&mut self, access: Access) {
        let read_only = access == Access::ReadOnly;
        if access != self.access {
            // Statements prepared under the other access were authorized
            // for it: prepare them again.
            let raw = self.conn.raw();
            raw.flush_prepared_statement_cache();
            self.control.policy.set_internal(true);
            let set = raw.pragma_update(None, "query_only", read_only);
            self.control.policy.set_internal(false);
            if let Err(e) = set {
                tracing::warn!(error = %e, "could not set query_only");
            }
            self.access = access;
        }
    }

    /// The request ended.
    pub(crate) fn end_request(&mut self) {
        self.txn_timed_out = false;
    }

    /// Count the rows of this request's results against the server-wide
    /// response budget ([`super::response_budget`]) until
    /// [`LocalExecutor::take_charge`].
    pub(crate) fn charge_responses(&mut self) {
        self.charging = true;
    }

    /// Stop counting; the bytes the results hold, to keep until the reply
    /// is written out.
    pub(crate) fn take_charge(&mut self) -> Option<OwnedSemaphorePermit> {
        self.charging = false;
        self.charge.take()
    }

    /// Since when this connection has held the write lock, if it holds it.
    pub(crate) fn write_lock_since(&self) -> Option<Instant> {
        self.write_since
    }

    /// Roll back the open transaction because it held the write lock too
    /// long while another writer waited; the next request learns it.
    pub(crate) fn roll_back_timed_out(&mut self) {
        self.control.policy.set_internal(true);
        let result = self.conn.raw().execute_batch("ROLLBACK");
        self.control.policy.set_internal(false);
        if let Err(e) = result {
            tracing::warn!(error = %e, "rollback of a timed-out transaction failed");
        }
        self.write_since = None;
        self.txn_timed_out = true;
    }

    fn holds_write_lock(&mut self) -> bool {
        matches!(
            self.conn.raw().transaction_state(Some(rusqlite::MAIN_DB)),
            Ok(rusqlite::TransactionState::Write)
        )
    }

    /// `true` when `sql` will need the write lock (which this connection
    /// does not hold yet).
    fn wants_write_lock(&mut self, sql: &str) -> bool {
        if self.holds_write_lock() {
            return false;
        }
        if matches!(
            begin_behavior(sql),
            Some(TransactionBehavior::Immediate | TransactionBehavior::Exclusive)
        ) {
            return true;
        }
        self.conn
            .raw()
            .prepare_cached(sql)
            .map(|s| !s.readonly())
            .unwrap_or(false)
    }

    /// Run one statement under the server's guards.
    fn guarded<T>(
        &mut self,
        sql: &str,
        run: impl FnOnce(&mut LocalTransport) -> sqlport_core::Result<T>,
    ) -> sqlport_core::Result<T> {
        if self.txn_timed_out {
            return Err(Error::TransactionTimeout(
                "the transaction held the write lock too long while another stream waited to \
                 write, and was rolled back"
                    .into(),
            ));
        }
        let _waiter = self
            .wants_write_lock(sql)
            .then(|| WriteWaiter::new(self.control.server()));
        self.control.policy.clear_denial();
        self.control.arm(self.settings.statement_timeout);
        let start = Instant::now();
        let result = run(&mut self.conn);
        self.last_ms = (start.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
        let timed_out = self.control.timed_out();
        self.control.disarm();
        self.write_since = if self.holds_write_lock() {
            Some(self.write_since.unwrap_or_else(Instant::now))
        } else {
            None
        };
        result.map_err(|e| self.explain(e, sql, timed_out))
    }

    /// Say why the server's guards stopped a statement.
    fn explain(&self, e: Error, sql: &str, timed_out: bool) -> Error {
        // Refused at prepare time: SQLITE_AUTH, or "not authorized to use
        // function" (with an offset: `SQL_INPUT_ERROR`) for a function.
        let message = match &e {
            Error::Remote { message, .. } => message.as_str(),
            other => other.as_sqlite().map(|s| s.message.as_str()).unwrap_or(""),
        };
        let refused =
            e.sqlite_code() == Some(codes::SQLITE_AUTH) || message.contains("not authorized");
        match e.sqlite_code() {
            _ if refused => match self.control.policy.denial() {
                Some(Denial::Unsupported) => unsupported(sql),
                None => e,
            },
            Some(codes::SQLITE_INTERRUPT) if timed_out => Error::sqlite(
                codes::SQLITE_INTERRUPT,
                Some(codes::SQLITE_INTERRUPT),
                format!(
                    "statement interrupted: it ran longer than the server's statement timeout ({} ms)",
                    self.settings.statement_timeout.as_millis()
                ),
            ),
            _ => e,
        }
    }
}

/// A statement the server refuses, reported as sqld reports it.
fn unsupported(sql: &str) -> Error {
    Error::Remote {
        code: "SQL_PARSE_ERROR".into(),
        message: format!("unsupported statement: {}", truncate(sql)),
    }
}

/// A rusqlite error as sqld reports it: `SQL_INPUT_ERROR` for a prepare
/// error with an offset, `SQLITE_<PRIMARY>` for the rest.
fn from_rusqlite(e: rusqlite::Error) -> Error {
    match e {
        rusqlite::Error::SqlInputError { msg, offset, .. } => Error::Remote {
            code: "SQL_INPUT_ERROR".into(),
            message: format!("SQL input error: {msg} (at offset {offset})"),
        },
        rusqlite::Error::SqliteFailure(f, msg) => Error::sqlite(
            f.extended_code & 0xff,
            Some(f.extended_code),
            msg.unwrap_or_else(|| f.to_string()),
        ),
        rusqlite::Error::MultipleStatement => {
            Error::MultipleStatements("more than one statement".into())
        }
        rusqlite::Error::InvalidParameterCount(given, expected) => Error::InvalidArguments(
            format!("too many parameters, expected {expected} found {given}"),
        ),
        other => Error::sqlite(codes::SQLITE_ERROR, None, other.to_string()),
    }
}

/// A core value for SQLite.
fn to_sql(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Integer(i) => rusqlite::types::Value::Integer(*i),
        Value::Real(r) => rusqlite::types::Value::Real(*r),
        Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

/// Bind `params` as sqld binds them: positional values by index (`?NNN`
/// by its number), named ones by exact name then by the name without its
/// prefix; more values than parameters, or a parameter without a value, is
/// `ARGS_INVALID` (an `EXPLAIN` may leave parameters unbound).
fn bind_like_sqld(stmt: &mut rusqlite::Statement<'_>, params: &Params) -> sqlport_core::Result<()> {
    let count = stmt.parameter_count();
    let (positional, named): (&[Value], &[(String, Value)]) = match params {
        Params::Positional(v) => (v, &[]),
        Params::Named(v) => (&[], v),
        _ => (&[], &[]),
    };
    let given = positional.len() + named.len();
    if count < given {
        return Err(Error::InvalidArguments(format!(
            "too many parameters, expected {count} found {given}"
        )));
    }
    let get_named = |n: &str| named.iter().rev().find(|(k, _)| k == n).map(|(_, v)| v);
    for index in 1..=count {
        let name = stmt.parameter_name(index).map(str::to_owned);
        let value = match name.as_deref() {
            Some(n) if n.starts_with('?') => {
                let pos: usize = n[1..].parse().map_err(|_| {
                    Error::InvalidArguments(format!(
                        "invalid parameter {n}: expected a numerical position after `?`"
                    ))
                })?;
                pos.checked_sub(1).and_then(|i| positional.get(i))
            }
            Some(n) => {
                let mut chars = n.chars();
                chars.next();
                get_named(n).or_else(|| get_named(chars.as_str()))
            }
            None => positional.get(index - 1),
        };
        match value {
            Some(v) => stmt
                .raw_bind_parameter(index, to_sql(v))
                .map_err(from_rusqlite)?,
            None if stmt.is_explain() > 0 => return Ok(()),
            None => {
                return Err(Error::InvalidArguments(format!(
                    "value for parameter {} not found",
                    name.unwrap_or_else(|| index.to_string())
                )));
            }
        }
    }
    Ok(())
}

/// A value read from SQLite; TEXT that is not UTF-8 fails the request as an
/// internal error, as on sqld.
fn from_sql(v: ValueRef<'_>) -> sqlport_core::Result<Value> {
    Ok(match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => Value::Text(s.to_owned()),
            Err(e) => {
                return Err(Error::Io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("a TEXT value is not valid UTF-8: {e}"),
                )));
            }
        },
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

/// Run one statement on `conn` as sqld does, handing its columns (before
/// binding, so a statement whose arguments do not bind has "begun") and rows
/// to `sink`; without a sink the rows are stepped through, never decoded.
fn run_like_sqld(
    conn: &rusqlite::Connection,
    stmt: &Statement,
    mut sink: Option<&mut dyn RowSink>,
) -> sqlport_core::Result<Summary> {
    let sql: &str = &stmt.sql;
    // Prepared afresh each time, as sqld does: a statement cached before
    // another connection changed the schema would describe the old columns
    // (and "begin" before failing where sqld's fails to prepare).
    let mut prepared = conn.prepare(sql).map_err(from_rusqlite)?;
    let cols: Arc<[Column]> = prepared
        .columns()
        .iter()
        .map(|c| Column::new(c.name(), c.decl_type().map(str::to_owned)))
        .collect::<Vec<_>>()
        .into();
    if let Some(sink) = sink.as_deref_mut() {
        sink.columns(&cols)?;
    }
    bind_like_sqld(&mut prepared, &stmt.params)?;
    let width = cols.len();
    {
        let mut rows = prepared.raw_query();
        while let Some(row) = rows.next().map_err(from_rusqlite)? {
            let Some(sink) = sink.as_deref_mut() else {
                continue;
            };
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(from_sql(row.get_ref(i).map_err(from_rusqlite)?)?);
            }
            if let ControlFlow::Break(()) = sink.row(Row::new(cols.clone(), values)?)? {
                break;
            }
        }
    }
    let first = analysis::split(sql).statements.into_iter().next();
    let (is_iud, is_insert) = first.map_or((false, false), |p| (p.is_iud, p.is_insert));
    Ok(Summary {
        columns: cols,
        rows_affected: if is_iud { conn.changes() } else { 0 },
        last_insert_rowid: is_insert.then(|| conn.last_insert_rowid()),
        rows_read: None,
        rows_written: None,
    })
}

impl StreamExecutor for LocalExecutor {
    fn execute(&mut self, stmt: &Statement) -> sqlport_core::Result<ResultSet> {
        let mut rows = sqlport_core::CollectRows::default();
        let summary = self.query_stream(stmt, &mut rows)?;
        Ok(sqlport_core::transport::collect(
            summary.columns.clone(),
            rows.rows,
            &summary,
        ))
    }

    fn query_stream(
        &mut self,
        stmt: &Statement,
        sink: &mut dyn RowSink,
    ) -> sqlport_core::Result<Summary> {
        if !self.charging {
            return self.guarded(&stmt.sql, |conn| {
                run_like_sqld(conn.raw(), stmt, Some(sink))
            });
        }
        let server = Arc::clone(self.control.server());
        let mut charging = Charging {
            inner: sink,
            budget: &server.responses,
            held: None,
        };
        let result = self.guarded(&stmt.sql, |conn| {
            run_like_sqld(conn.raw(), stmt, Some(&mut charging))
        });
        // A statement that failed (over the budget, say) holds nothing.
        if let (Ok(_), Some(held)) = (&result, charging.held.take()) {
            match &mut self.charge {
                Some(charge) => charge.merge(held),
                None => self.charge = Some(held),
            }
        }
        result
    }

    fn execute_discarding_rows(&mut self, stmt: &Statement) -> sqlport_core::Result<()> {
        self.guarded(&stmt.sql, |conn| run_like_sqld(conn.raw(), stmt, None))
            .map(|_| ())
    }

    fn describe(&mut self, sql: &str) -> sqlport_core::Result<Description> {
        // As sqld: SQLite prepares the first statement, whatever it is (a
        // described statement never runs, and is not cached).
        self.control.policy.set_describing(true);
        self.control.policy.clear_denial();
        let described = {
            let raw = self.conn.raw();
            let mut statements = rusqlite::Batch::new(raw, sql);
            match rusqlite::fallible_iterator::FallibleIterator::next(&mut statements) {
                Ok(Some(stmt)) => Ok(Description {
                    params: (1..=stmt.parameter_count())
                        .map(|i| stmt.parameter_name(i).map(str::to_owned))
                        .collect(),
                    columns: stmt
                        .columns()
                        .iter()
                        .map(|c| Column::new(c.name(), c.decl_type().map(str::to_owned)))
                        .collect(),
                    is_explain: stmt.is_explain() != 0,
                    is_readonly: stmt.readonly(),
                }),
                Ok(None) => Ok(Description {
                    is_readonly: true,
                    ..Description::default()
                }),
                Err(e) => Err(match self.control.policy.denial() {
                    Some(Denial::Unsupported) => unsupported(sql),
                    None => from_rusqlite(e),
                }),
            }
        };
        self.control.policy.set_describing(false);
        described
    }

    fn analyze(&mut self, sql: &str) -> Analysis {
        let split = analysis::split(sql);
        Analysis {
            statements: split
                .statements
                .into_iter()
                .map(|p| Analyzed {
                    sql: p.text,
                    kind: p.kind,
                })
                .collect(),
            error: split.error.map(|m| Error::Remote {
                code: "SQL_PARSE_ERROR".into(),
                message: format!("SQL string could not be parsed: {m}"),
            }),
        }
    }

    fn permit(&mut self, kinds: &[&StatementKind]) -> Result<(), String> {
        for kind in kinds {
            match kind {
                StatementKind::Write if self.access == Access::ReadOnly => {
                    return Err(format!(
                        "Current session doesn't not have Write permission to namespace {}",
                        super::auth::NAMESPACE
                    ));
                }
                // sqld's namespaces do not allow ATTACH unless configured to;
                // this server has one database.
                StatementKind::Attach(ns) => {
                    return Err(format!("Namespace `{ns}` doesn't allow attach"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn is_autocommit(&self) -> bool {
        Transport::is_autocommit(&self.conn)
    }

    fn last_duration_ms(&self) -> f64 {
        self.last_ms
    }
}
