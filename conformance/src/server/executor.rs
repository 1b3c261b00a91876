//! [`LocalExecutor`]: the server half's [`StreamExecutor`] over a local
//! connection, with the server's guards installed on it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::limits::Limit;
use sqlport_core::sql::begin_behavior;
use sqlport_core::{
    Error, ResultSet, RowSink, Statement, Summary, TransactionBehavior, Transport, codes,
};
use sqlport_http::proto::server::{Description, StreamExecutor};
use sqlport_local::LocalTransport;

use super::auth::Access;
use super::control::{Control, PROGRESS_STEPS, WriteWaiter};
use super::policy::Denial;

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
    read_only: bool,
    /// Since when this connection holds the write lock.
    write_since: Option<Instant>,
    /// The server rolled back this connection's transaction: the statements
    /// of the next request fail with `TRANSACTION_TIMEOUT`.
    txn_timed_out: bool,
}

/// The first word of `sql`, after whitespace, comments and `;`.
fn first_word(sql: &str) -> &str {
    let mut rest = sql;
    loop {
        let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';');
        if let Some(r) = trimmed.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(r) = trimmed.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, r)| r);
        } else {
            rest = trimmed;
            break;
        }
    }
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    &rest[..end]
}

impl LocalExecutor {
    /// Wrap a connection and install the server's guards on it: the
    /// authorizer ([`super::policy`]), the progress handler (deadline,
    /// cancellation, shutdown), `SQLITE_LIMIT_LENGTH`, defensive mode, and
    /// one attached database at most (the one a plain `VACUUM` attaches for
    /// itself; the authorizer refuses every other `ATTACH`).
    pub(crate) fn new(
        mut conn: LocalTransport,
        settings: ConnSettings,
        control: Arc<Control>,
    ) -> Self {
        let raw = conn.raw();
        let length = i32::try_from(settings.max_value_bytes.max(1)).unwrap_or(i32::MAX);
        for (limit, value) in [
            (Limit::SQLITE_LIMIT_LENGTH, length),
            (Limit::SQLITE_LIMIT_ATTACHED, 1),
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
        LocalExecutor {
            conn,
            last_ms: 0.0,
            control,
            settings,
            read_only: false,
            write_since: None,
            txn_timed_out: false,
        }
    }

    /// This connection's controls.
    pub(crate) fn control(&self) -> Arc<Control> {
        Arc::clone(&self.control)
    }

    /// A request with `access` starts on this connection.
    pub(crate) fn begin_request(&mut self, access: Access) {
        let read_only = access == Access::ReadOnly;
        if read_only != self.read_only {
            // Statements prepared under the other access were authorized
            // for it: prepare them again.
            let raw = self.conn.raw();
            raw.flush_prepared_statement_cache();
            self.control.policy.set_read_only(read_only);
            self.control.policy.set_internal(true);
            let set = raw.pragma_update(None, "query_only", read_only);
            self.control.policy.set_internal(false);
            if let Err(e) = set {
                tracing::warn!(error = %e, "could not set query_only");
            }
            self.read_only = read_only;
        }
    }

    /// The request ended.
    pub(crate) fn end_request(&mut self) {
        self.txn_timed_out = false;
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
        let vacuum = first_word(sql).eq_ignore_ascii_case("VACUUM");
        self.control.policy.set_vacuum(vacuum);
        self.control.policy.clear_denial();
        self.control.arm(self.settings.statement_timeout);
        let start = Instant::now();
        let result = run(&mut self.conn);
        self.last_ms = (start.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
        let timed_out = self.control.timed_out();
        self.control.disarm();
        self.control.policy.set_vacuum(false);
        self.write_since = if self.holds_write_lock() {
            Some(self.write_since.unwrap_or_else(Instant::now))
        } else {
            None
        };
        result.map_err(|e| self.explain(e, sql, timed_out))
    }

    /// Say why the server's guards stopped a statement.
    fn explain(&self, e: Error, sql: &str, timed_out: bool) -> Error {
        // Refused at prepare time: SQLITE_AUTH, or SQLITE_ERROR "not
        // authorized to use function" for a refused function.
        let refused = match e.as_sqlite() {
            Some(s) => {
                s.code == codes::SQLITE_AUTH
                    || (s.code == codes::SQLITE_ERROR && s.message.contains("not authorized"))
            }
            None => false,
        };
        match e.sqlite_code() {
            Some(_) if refused => match self.control.policy.denial() {
                Some(Denial::Unsupported) => Error::Remote {
                    code: "SQL_PARSE_ERROR".into(),
                    message: format!("unsupported statement: {}", truncate(sql)),
                },
                Some(Denial::ReadOnly) => Error::sqlite(
                    codes::SQLITE_AUTH,
                    Some(codes::SQLITE_AUTH),
                    "not authorized: this token may only read",
                ),
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

/// The SQL text for an error message (bounded).
fn truncate(sql: &str) -> String {
    const MAX: usize = 200;
    let sql = sql.trim();
    if sql.len() <= MAX {
        return sql.to_owned();
    }
    let mut end = MAX;
    while !sql.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &sql[..end])
}

impl StreamExecutor for LocalExecutor {
    fn execute(&mut self, stmt: &Statement) -> sqlport_core::Result<ResultSet> {
        self.guarded(&stmt.sql, |conn| conn.execute(stmt))
    }

    fn query_stream(
        &mut self,
        stmt: &Statement,
        sink: &mut dyn RowSink,
    ) -> sqlport_core::Result<Summary> {
        self.guarded(&stmt.sql, |conn| conn.query_stream(stmt, sink))
    }

    fn describe(&mut self, sql: &str) -> sqlport_core::Result<Description> {
        self.control.policy.clear_denial();
        let d = self
            .conn
            .describe(sql)
            .map_err(|e| self.explain(e, sql, false))?;
        Ok(Description {
            params: d.params,
            columns: d.columns,
            is_explain: d.is_explain,
            is_readonly: d.is_readonly,
        })
    }

    fn is_autocommit(&self) -> bool {
        Transport::is_autocommit(&self.conn)
    }

    fn last_duration_ms(&self) -> f64 {
        self.last_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_words() {
        assert_eq!(first_word("  vacuum"), "vacuum");
        assert_eq!(first_word("-- c\n /* x */ ;VACUUM main"), "VACUUM");
        assert_eq!(first_word("/* unterminated"), "");
        assert_eq!(first_word(""), "");
        assert_eq!(first_word("SELECT 1"), "SELECT");
    }
}
