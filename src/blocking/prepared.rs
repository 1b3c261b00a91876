//! [`PreparedStatement`]: one SQL text run many times on one connection.

use std::sync::Arc;

use sqlport_core::{FromSql, IntoParams, Result, ResultSet, Row, Statement};

use super::Connection;
use crate::shared;

/// SQL bound to a connection, run many times with different parameters.
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
/// let mut count = conn.prepare("SELECT count(*) FROM t WHERE x >= ?")?;
/// assert_eq!(count.query_scalar::<i64>([1])?, 2);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct PreparedStatement<'c> {
    conn: &'c mut Connection,
    sql: Arc<str>,
}

impl<'c> PreparedStatement<'c> {
    pub(crate) fn new(conn: &'c mut Connection, sql: &str) -> Self {
        PreparedStatement {
            conn,
            sql: Arc::from(sql),
        }
    }

    /// The SQL text.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    fn bind(&self, params: impl IntoParams) -> Result<Statement> {
        Ok(Statement {
            sql: self.sql.clone(),
            params: params.into_params()?,
        })
    }

    /// Run it; returns the number of rows changed.
    pub fn execute(&mut self, params: impl IntoParams) -> Result<u64> {
        let stmt = self.bind(params)?;
        Ok(self.conn.run(&stmt)?.rows_affected)
    }

    /// Run it; returns the whole result.
    pub fn query(&mut self, params: impl IntoParams) -> Result<ResultSet> {
        let stmt = self.bind(params)?;
        self.conn.run(&stmt)
    }

    /// Run it and map the first row ([`Error::NoRows`](crate::Error::NoRows) if none).
    pub fn query_row<T>(
        &mut self,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        shared::first_row(&self.query(params)?, f)
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
