//! [`Connection`] (async).

use sqlport_core::{
    AsyncTransport, Batch, BatchResult, Capabilities, FromSql, IntoParams, Result, ResultSet, Row,
    Statement, Summary, TransactionBehavior,
};
use tracing::Instrument;

use super::{Savepoint, Transaction};
use crate::shared::{FnSink, SavepointNames};

/// One connection (async); see [`blocking::Connection`](crate::blocking::Connection).
pub struct Connection {
    transport: Box<dyn AsyncTransport>,
    savepoints: SavepointNames,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("autocommit", &self.transport.is_autocommit())
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Wrap any async transport.
    pub fn from_transport(transport: Box<dyn AsyncTransport>) -> Connection {
        Connection {
            transport,
            savepoints: SavepointNames::default(),
        }
    }

    /// Run a [`Statement`] and return its whole result.
    pub async fn run(&mut self, stmt: &Statement) -> Result<ResultSet> {
        let span = crate::trace::statement_span(stmt);
        self.transport.execute(stmt).instrument(span).await
    }

    /// Run a statement; returns the number of rows changed.
    pub async fn execute(&mut self, sql: &str, params: impl IntoParams) -> Result<u64> {
        let stmt = Statement::with_params(sql, params)?;
        Ok(self.run(&stmt).await?.rows_affected)
    }

    /// Run a statement; returns the whole result.
    pub async fn query(&mut self, sql: &str, params: impl IntoParams) -> Result<ResultSet> {
        let stmt = Statement::with_params(sql, params)?;
        self.run(&stmt).await
    }

    /// Run a query and map its first row; [`Error::NoRows`](crate::Error::NoRows) if it returns none.
    pub async fn query_row<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        crate::shared::first_row(&self.query(sql, params).await?, f)
    }

    /// The first column of the first row.
    pub async fn query_one<T: FromSql>(&mut self, sql: &str, params: impl IntoParams) -> Result<T> {
        self.query_row(sql, params, |row| row.get(0)).await
    }

    /// Stream a query's rows through `f` as they arrive (bounded memory).
    pub async fn query_each(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnMut(Row) -> Result<()> + Send,
    ) -> Result<Summary> {
        let stmt = Statement::with_params(sql, params)?;
        let span = crate::trace::statement_span(&stmt);
        let mut sink = FnSink(f);
        self.transport
            .query_stream(&stmt, &mut sink)
            .instrument(span)
            .await
    }

    /// Run a [`Batch`] (one round trip remotely).
    pub async fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        let span = crate::trace::batch_span(batch);
        self.transport.batch(batch).instrument(span).await
    }

    /// Begin a deferred transaction; it rolls back unless committed.
    pub async fn transaction(&mut self) -> Result<Transaction<'_>> {
        self.transaction_with(TransactionBehavior::Deferred).await
    }

    /// Begin a transaction with the given behaviour.
    pub async fn transaction_with(
        &mut self,
        behavior: TransactionBehavior,
    ) -> Result<Transaction<'_>> {
        Transaction::begin(self, behavior).await
    }

    /// Open a savepoint.
    pub async fn savepoint(&mut self) -> Result<Savepoint<'_>> {
        Savepoint::begin(self).await
    }

    pub(crate) fn next_savepoint_name(&mut self) -> String {
        self.savepoints.next()
    }

    pub(crate) fn enqueue(&mut self, stmt: Statement) {
        self.transport.enqueue(stmt);
    }

    /// `true` when no transaction is open.
    pub fn is_autocommit(&self) -> bool {
        self.transport.is_autocommit()
    }

    /// What the underlying transport can do.
    pub fn capabilities(&self) -> Capabilities {
        self.transport.capabilities()
    }

    /// The underlying transport.
    pub fn transport(&mut self) -> &mut dyn AsyncTransport {
        self.transport.as_mut()
    }

    /// Close the connection (an open transaction rolls back).
    pub async fn close(mut self) -> Result<()> {
        self.transport.close().await
    }
}
