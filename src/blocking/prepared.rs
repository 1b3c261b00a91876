//! [`PreparedStatement`]: one SQL text run many times on one connection.

use std::sync::Arc;

use sqlport_core::{FromSql, IntoParams, PreparedHandle, Result, ResultSet, Row};

use super::Connection;
use crate::shared;

/// SQL bound to a connection, run many times with different parameters.
///
/// It borrows the connection until it is dropped (it owns the transport's
/// [`PreparedHandle`], which on a local connection holds SQLite's compiled
/// statement): as with rusqlite's `Statement`, drop it (or end its scope)
/// before using the connection again.
///
/// What is reused: on a local connection, SQLite's compiled statement (each
/// connection keeps a prepared-statement cache keyed by SQL text, so the
/// second run skips parsing and planning). Over HTTP there is no server-side
/// prepared statement across requests: each run sends the SQL text with its
/// parameters (Hrana's `store_sql` is used only inside one batch, for a long
/// text that occurs several times in it). The helpers have the contracts of
/// [`Connection`]'s (`query_row` first row, `query_one` exactly one, ...).
///
/// ```
/// # fn main() -> sqlport::Result<()> {
/// let mut conn = sqlport::blocking::Database::open(":memory:")?.connect()?;
/// conn.execute("CREATE TABLE t (x INTEGER)", ())?;
/// let mut insert = conn.prepare("INSERT INTO t VALUES (?)")?;
/// for x in 0..3 {
///     insert.execute([x])?;
/// }
/// drop(insert); // the connection is free again
/// let mut count = conn.prepare("SELECT count(*) FROM t WHERE x >= ?")?;
/// assert_eq!(count.query_scalar::<i64>([1])?, 2);
/// # Ok(()) }
/// ```
pub struct PreparedStatement<'c> {
    /// The transport's handle: the local transport holds SQLite's compiled
    /// statement in it until this value is dropped; others run a
    /// `Statement` each time.
    handle: Box<dyn PreparedHandle + 'c>,
}

impl std::fmt::Debug for PreparedStatement<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedStatement")
            .field("sql", self.handle.sql())
            .finish_non_exhaustive()
    }
}

impl<'c> PreparedStatement<'c> {
    pub(crate) fn new(conn: &'c mut Connection, sql: &str) -> Self {
        let sql: Arc<str> = Arc::from(sql);
        PreparedStatement {
            handle: conn.transport().prepare_handle(&sql),
        }
    }

    /// The SQL text.
    pub fn sql(&self) -> &str {
        self.handle.sql()
    }

    /// One run; `first_only`: the caller wants the first row alone.
    fn run(&mut self, params: impl IntoParams, first_only: bool) -> Result<ResultSet> {
        let handle = &mut self.handle;
        params.with_params_ref(|params| {
            let _span = crate::trace::prepared_span(handle.sql(), &params).entered();
            handle.execute_ref(params, first_only)
        })
    }

    /// Run it; returns the number of rows changed.
    pub fn execute(&mut self, params: impl IntoParams) -> Result<u64> {
        Ok(self.run(params, false)?.rows_affected)
    }

    /// Run it; returns the whole result.
    pub fn query(&mut self, params: impl IntoParams) -> Result<ResultSet> {
        self.run(params, false)
    }

    /// Run it and map the first row ([`Error::NoRows`](crate::Error::NoRows) if none).
    pub fn query_row<T>(
        &mut self,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        shared::first_row(&self.run(params, true)?, f)
    }

    /// Run it and map its only row (`NoRows` / `TooManyRows` otherwise).
    pub fn query_one<T>(
        &mut self,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        shared::only_row(&self.query(params)?, f)
    }

    /// Run it and map its row if there is one (`TooManyRows` if more).
    pub fn query_opt<T>(
        &mut self,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        shared::optional_row(&self.query(params)?, f)
    }

    /// The first column of its only row.
    pub fn query_scalar<T: FromSql>(&mut self, params: impl IntoParams) -> Result<T> {
        shared::scalar(&self.query(params)?)
    }

    /// Map every row into a `Vec`.
    pub fn query_map<T>(
        &mut self,
        params: impl IntoParams,
        f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        shared::map_rows(&self.query(params)?, f)
    }

    /// Every row deserialized into `T`.
    #[cfg(feature = "serde")]
    pub fn query_as<T: serde::de::DeserializeOwned>(
        &mut self,
        params: impl IntoParams,
    ) -> Result<Vec<T>> {
        self.query_map(params, Row::deserialize)
    }
}
