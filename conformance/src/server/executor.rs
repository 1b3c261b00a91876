//! [`LocalExecutor`]: the server half's [`StreamExecutor`] over a local connection.

use std::time::Instant;

use sqlport_core::{ResultSet, RowSink, Statement, Summary, Transport};
use sqlport_http::proto::server::{Description, StreamExecutor};
use sqlport_local::LocalTransport;

/// One stream's SQLite connection, timing each statement.
pub(crate) struct LocalExecutor {
    conn: LocalTransport,
    last_ms: f64,
}

impl LocalExecutor {
    /// Wrap a connection. `ATTACH` is turned off on it (as sqld does by
    /// default): a client must not open or create files of its choosing on the
    /// server's machine.
    pub(crate) fn new(mut conn: LocalTransport) -> Self {
        use rusqlite::limits::Limit;
        if let Err(e) = conn.raw().set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0) {
            tracing::warn!(error = %e, "could not turn ATTACH off on a stream's connection");
        }
        LocalExecutor { conn, last_ms: 0.0 }
    }
}

impl StreamExecutor for LocalExecutor {
    fn execute(&mut self, stmt: &Statement) -> sqlport_core::Result<ResultSet> {
        let start = Instant::now();
        let result = self.conn.execute(stmt);
        self.last_ms = (start.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
        result
    }

    fn query_stream(
        &mut self,
        stmt: &Statement,
        sink: &mut dyn RowSink,
    ) -> sqlport_core::Result<Summary> {
        let start = Instant::now();
        let result = self.conn.query_stream(stmt, sink);
        self.last_ms = (start.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
        result
    }

    fn describe(&mut self, sql: &str) -> sqlport_core::Result<Description> {
        let d = self.conn.describe(sql)?;
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
