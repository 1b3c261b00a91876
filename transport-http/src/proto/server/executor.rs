//! [`StreamExecutor`]: what the server half needs from one stream's connection.

pub use sqlport_core::Description;
use sqlport_core::{Result, ResultSet, RowSink, Statement, Summary};

/// One stream's database connection, as seen by the server half. The reference
/// server implements it over `sqlport_local::LocalTransport`.
///
/// Every method is called from the caller's thread; implementations may block.
pub trait StreamExecutor {
    /// Run one statement (exactly one: more is `Error::MultipleStatements`, none
    /// `Error::NoStatement`) with sqld's result semantics.
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet>;

    /// Run one statement, handing its columns and then each row to `sink` as
    /// they are produced (used by the cursor, so large results stream). The
    /// columns are handed over once the statement has prepared and bound, so a
    /// statement that fails after that has "begun". Defaults to
    /// [`StreamExecutor::execute`] and feeding the buffered rows.
    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        let rs = self.execute(stmt)?;
        sqlport_core::transport::feed(rs, sink)
    }

    /// Prepare a statement without running it and describe it. Used for
    /// `describe` and to find parse errors before a batch or sequence runs.
    fn describe(&mut self, sql: &str) -> Result<Description>;

    /// `true` when no transaction is open on the connection.
    fn is_autocommit(&self) -> bool;

    /// How long the last [`StreamExecutor::execute`] took, in milliseconds, as
    /// measured by the implementation (this crate reads no clock). Defaults to 0.
    fn last_duration_ms(&self) -> f64 {
        0.0
    }
}
