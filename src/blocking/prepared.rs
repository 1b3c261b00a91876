//! [`PreparedStatement`]: one SQL text run many times on one connection.

use std::sync::Arc;

use sqlport_core::{IntoParams, Result, ResultSet, Row, Statement};

use super::Connection;

/// SQL bound to a connection. Transports cache what they prepared (the local
/// transport keeps a prepared-statement cache; the HTTP transport stores SQL on
/// the server where that saves bytes), so running it again is cheap.
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
        crate::shared::first_row(&self.query(params)?, f)
    }
}
