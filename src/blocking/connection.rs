//! [`Connection`]: statements, queries, batches and transactions on one connection.

use sqlport_core::{
    Batch, BatchResult, Capabilities, FromSql, IntoParams, Result, ResultSet, Row, Statement,
    Summary, TransactionBehavior, Transport,
};

use super::{PreparedStatement, Savepoint, Transaction};
use crate::shared::{FnSink, SavepointNames};

/// One connection to a database (a SQLite connection, or a Hrana stream).
pub struct Connection {
    transport: Box<dyn Transport>,
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
    /// Wrap any transport.
    pub fn from_transport(transport: Box<dyn Transport>) -> Connection {
        Connection {
            transport,
            savepoints: SavepointNames::default(),
        }
    }

    /// Run a prepared [`Statement`] and return its whole result.
    pub fn run(&mut self, stmt: &Statement) -> Result<ResultSet> {
        let _span = crate::trace::statement_span(stmt).entered();
        self.transport.execute(stmt)
    }

    /// Run a statement; returns the number of rows changed.
    pub fn execute(&mut self, sql: &str, params: impl IntoParams) -> Result<u64> {
        Ok(self
            .run(&Statement::with_params(sql, params)?)?
            .rows_affected)
    }

    /// Run a statement; returns the whole result (columns, rows, counts).
    pub fn query(&mut self, sql: &str, params: impl IntoParams) -> Result<ResultSet> {
        self.run(&Statement::with_params(sql, params)?)
    }

    /// Run a query and map its first row; [`Error::NoRows`](crate::Error::NoRows) if it returns none.
    pub fn query_row<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        crate::shared::first_row(&self.query(sql, params)?, f)
    }

    /// The first column of the first row.
    pub fn query_one<T: FromSql>(&mut self, sql: &str, params: impl IntoParams) -> Result<T> {
        self.query_row(sql, params, |row| row.get(0))
    }

    /// Stream a query's rows through `f` as they arrive (bounded memory on
    /// transports that stream). An error from `f` stops the query.
    pub fn query_each(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnMut(Row) -> Result<()>,
    ) -> Result<Summary> {
        let stmt = Statement::with_params(sql, params)?;
        let _span = crate::trace::statement_span(&stmt).entered();
        let mut sink = FnSink(f);
        self.transport.query_stream(&stmt, &mut sink)
    }

    /// Run a [`Batch`] (one round trip remotely). An atomic batch that fails
    /// returns [`Error::Batch`](crate::Error::Batch) with the failing step's index, and commits nothing.
    pub fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        let _span = crate::trace::batch_span(batch).entered();
        self.transport.batch(batch)
    }

    /// A statement bound to this connection, to run many times.
    pub fn prepare(&mut self, sql: &str) -> Result<PreparedStatement<'_>> {
        Ok(PreparedStatement::new(self, sql))
    }

    /// Begin a deferred transaction; it rolls back unless committed.
    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        self.transaction_with(TransactionBehavior::Deferred)
    }

    /// Begin a transaction with the given behaviour.
    pub fn transaction_with(&mut self, behavior: TransactionBehavior) -> Result<Transaction<'_>> {
        Transaction::begin(self, behavior)
    }

    /// Open a savepoint (a nested transaction, or a transaction if none is open).
    pub fn savepoint(&mut self) -> Result<Savepoint<'_>> {
        Savepoint::begin(self)
    }

    pub(crate) fn next_savepoint_name(&mut self) -> String {
        self.savepoints.next()
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
    pub fn transport(&mut self) -> &mut dyn Transport {
        self.transport.as_mut()
    }

    /// Close the connection (an open transaction rolls back).
    pub fn close(mut self) -> Result<()> {
        self.transport.close()
    }
}
