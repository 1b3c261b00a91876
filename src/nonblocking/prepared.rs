//! [`PreparedStatement`] (async): one SQL text run many times on one connection.

use std::sync::Arc;

use sqlport_core::{FromSql, IntoParams, Result, ResultSet, Row, Statement};

use super::Connection;
use crate::shared;

/// SQL bound to a connection (async); what is reused where is described on
/// [`blocking::PreparedStatement`](crate::blocking::PreparedStatement).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> sqlport::Result<()> {
/// let mut conn = sqlport::Database::open(":memory:")?.connect().await?;
/// conn.execute("CREATE TABLE t (x INTEGER)", ()).await?;
/// let mut insert = conn.prepare("INSERT INTO t VALUES (?)")?;
/// for x in 0..3 {
///     insert.execute([x]).await?;
/// }
/// let mut count = conn.prepare("SELECT count(*) FROM t WHERE x >= ?")?;
/// assert_eq!(count.query_scalar::<i64>([1]).await?, 2);
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
    pub async fn execute(&mut self, params: impl IntoParams) -> Result<u64> {
        let stmt = self.bind(params)?;
        Ok(self.conn.run(&stmt).await?.rows_affected)
    }

    /// Run it; returns the whole result.
    pub async fn query(&mut self, params: impl IntoParams) -> Result<ResultSet> {
        let stmt = self.bind(params)?;
        self.conn.run(&stmt).await
    }

    /// Run it and map the first row ([`Error::NoRows`](crate::Error::NoRows) if none).
    pub async fn query_row<T>(
        &mut self,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        shared::first_row(&self.query(params).await?, f)
    }

    /// Run it and map its only row (`NoRows` / `TooManyRows` otherwise).
    pub async fn query_one<T>(
        &mut self,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        shared::only_row(&self.query(params).await?, f)
    }

    /// Run it and map its row if there is one (`TooManyRows` if more).
    pub async fn query_opt<T>(
        &mut self,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        shared::optional_row(&self.query(params).await?, f)
    }

    /// The first column of its only row.
    pub async fn query_scalar<T: FromSql>(&mut self, params: impl IntoParams) -> Result<T> {
        shared::scalar(&self.query(params).await?)
    }

    /// Map every row into a `Vec`.
    pub async fn query_map<T>(
        &mut self,
        params: impl IntoParams,
        f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        shared::map_rows(&self.query(params).await?, f)
    }

    /// Every row deserialized into `T`.
    #[cfg(feature = "serde")]
    pub async fn query_as<T: serde::de::DeserializeOwned>(
        &mut self,
        params: impl IntoParams,
    ) -> Result<Vec<T>> {
        self.query_map(params, Row::deserialize).await
    }
}
