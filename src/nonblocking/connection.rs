//! [`Connection`] (async).

use sqlport_core::{
    AsyncTransport, Batch, BatchResult, Capabilities, FromSql, IntoParams, Result, ResultSet, Row,
    RowRef, Statement, Summary, TransactionBehavior,
};
use tracing::Instrument;

use super::{PreparedStatement, Savepoint, Transaction};
use crate::shared::{self, FnSink, SavepointNames};

/// One connection (async): the same methods as
/// [`blocking::Connection`](crate::blocking::Connection), with the same
/// contracts (see its table of query helpers), as `async fn`s.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> sqlport::Result<()> {
/// let mut conn = sqlport::Database::open(":memory:")?.connect().await?;
/// conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);").await?;
/// assert_eq!(conn.query_scalar::<i64>("SELECT sum(x) FROM t", ()).await?, 3);
/// let xs = conn.query_map("SELECT x FROM t ORDER BY x", (), |r| r.get::<i64>(0)).await?;
/// assert_eq!(xs, [1, 2]);
/// # Ok(()) }
/// ```
pub struct Connection {
    transport: Box<dyn AsyncTransport>,
    savepoints: SavepointNames,
    /// A dropped [`RowStream`](super::RowStream)'s unfinished query, holding
    /// the transport (`transport` is then a stand-in); the next operation
    /// finishes it first.
    parked: Option<super::stream::Lent>,
    /// Statements enqueued while `parked` holds the transport.
    queued: Vec<Statement>,
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
            parked: None,
            queued: Vec::new(),
        }
    }

    /// Finish a dropped row stream's query (if any) and take its transport
    /// back. Cancel-safe: the parked query stays parked until it ends.
    async fn unpark(&mut self) {
        let Some(parked) = self.parked.as_mut() else {
            return;
        };
        let (transport, result) = parked.as_mut().await;
        self.parked = None;
        self.transport = transport;
        if let Err(e) = result {
            tracing::debug!(error = %e, "sqlport: a dropped row stream's query ended with an error");
        }
        for stmt in self.queued.drain(..) {
            self.transport.enqueue(stmt);
        }
    }

    /// Hand the transport to a row stream, leaving a stand-in.
    pub(super) fn lend_transport(&mut self) -> Box<dyn AsyncTransport> {
        let stand_in = Box::new(crate::lent::Lent::of_async(self.transport.as_ref()));
        std::mem::replace(&mut self.transport, stand_in)
    }

    /// Take the transport back from a row stream that ended.
    pub(super) fn restore_transport(&mut self, transport: Box<dyn AsyncTransport>) {
        self.transport = transport;
    }

    /// Keep a dropped row stream's unfinished query until the next operation.
    pub(super) fn park(&mut self, running: super::stream::Lent) {
        self.parked = Some(running);
    }

    /// Stream a query's rows as a [`Stream`](futures_core::Stream) pulled on
    /// demand, with bounded memory on every transport (see
    /// [`RowStream`](super::RowStream) for the bound and how it works).
    /// Dropping the stream early stops the query; the connection is usable
    /// again, in the same transaction state. sqlx's `fetch`, libsql's `Rows`.
    ///
    /// ```
    /// use futures_util::TryStreamExt as _;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> sqlport::Result<()> {
    /// let mut conn = sqlport::Database::open(":memory:")?.connect().await?;
    /// conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3);").await?;
    /// let mut rows = conn.query_stream("SELECT x FROM t WHERE x > ?", [1]).await?;
    /// let mut total = 0;
    /// while let Some(row) = rows.try_next().await? {
    ///     total += row.get::<i64>(0)?;
    /// }
    /// assert_eq!(total, 5);
    /// # Ok(()) }
    /// ```
    pub async fn query_stream(
        &mut self,
        sql: &str,
        params: impl IntoParams,
    ) -> Result<super::RowStream<'_>> {
        let stmt = Statement::with_params(sql, params)?;
        self.unpark().await;
        Ok(super::RowStream::start(self, stmt))
    }

    /// Run a [`Statement`] and return its whole result.
    pub async fn run(&mut self, stmt: &Statement) -> Result<ResultSet> {
        self.unpark().await;
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

    /// Run a query and map its first row (extra rows ignored);
    /// [`Error::NoRows`](crate::Error::NoRows) if it returns none.
    pub async fn query_row<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        shared::first_row(&self.query(sql, params).await?, f)
    }

    /// Run a query that must return exactly one row and map it:
    /// [`Error::NoRows`](crate::Error::NoRows) if none,
    /// [`Error::TooManyRows`](crate::Error::TooManyRows) if more.
    pub async fn query_one<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        shared::only_row(&self.query(sql, params).await?, f)
    }

    /// Run a query that returns at most one row (`None` for none,
    /// [`Error::TooManyRows`](crate::Error::TooManyRows) for more).
    pub async fn query_opt<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        shared::optional_row(&self.query(sql, params).await?, f)
    }

    /// The first column of the query's only row (`NoRows` / `TooManyRows`
    /// otherwise). Before 0.2 this was `query_one`.
    pub async fn query_scalar<T: FromSql>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
    ) -> Result<T> {
        shared::scalar(&self.query(sql, params).await?)
    }

    /// Map every row of a query into a `Vec`, in order.
    pub async fn query_map<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        shared::map_rows(&self.query(sql, params).await?, f)
    }

    /// Every row deserialized into `T` (sqlx's `query_as(..).fetch_all`).
    #[cfg(feature = "serde")]
    pub async fn query_as<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
    ) -> Result<Vec<T>> {
        self.query_map(sql, params, Row::deserialize).await
    }

    /// The query's only row deserialized into `T`.
    #[cfg(feature = "serde")]
    pub async fn query_one_as<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
    ) -> Result<T> {
        self.query_one(sql, params, Row::deserialize).await
    }

    /// The query's row, if any, deserialized into `T`.
    #[cfg(feature = "serde")]
    pub async fn query_opt_as<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
    ) -> Result<Option<T>> {
        self.query_opt(sql, params, Row::deserialize).await
    }

    /// Stream a query's rows through `f` as they arrive (bounded memory).
    /// `f` gets each row lent as a [`RowRef`], which reads like a [`Row`]
    /// ([`RowRef::to_row`] keeps one); an error from `f` stops the query.
    pub async fn query_each(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnMut(&RowRef<'_>) -> Result<()> + Send,
    ) -> Result<Summary> {
        let stmt = Statement::with_params(sql, params)?;
        let span = crate::trace::statement_span(&stmt);
        let mut sink = FnSink(f);
        self.unpark().await;
        self.transport
            .query_stream(&stmt, &mut sink)
            .instrument(span)
            .await
    }

    /// Run a [`Batch`] (one round trip remotely).
    pub async fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        self.unpark().await;
        let span = crate::trace::batch_span(batch);
        self.transport.batch(batch).instrument(span).await
    }

    /// Run a script of several statements, in order, stopping at the first
    /// failure (one HTTP request remotely); see
    /// [`blocking::Connection::execute_batch`](crate::blocking::Connection::execute_batch).
    pub async fn execute_batch(&mut self, script: &str) -> Result<()> {
        let batch = shared::script_batch(script);
        if batch.steps.is_empty() {
            return Ok(());
        }
        shared::first_step_error(self.batch(&batch).await?)
    }

    /// A statement bound to this connection, to run many times (see
    /// [`PreparedStatement`]).
    pub fn prepare(&mut self, sql: &str) -> Result<PreparedStatement<'_>> {
        Ok(PreparedStatement::new(self, sql))
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
        if self.parked.is_some() {
            self.queued.push(stmt);
            return;
        }
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

    /// Run `f` on the underlying rusqlite connection of a local database, on
    /// the connection's worker thread (so the executor is not blocked); see
    /// [`blocking::Connection::with_rusqlite`](crate::blocking::Connection::with_rusqlite).
    /// A remote connection is [`Error::Unsupported`](crate::Error::Unsupported).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> sqlport::Result<()> {
    /// let mut conn = sqlport::Database::open(":memory:")?.connect().await?;
    /// let on_worker = conn.with_rusqlite(|raw| raw.is_autocommit()).await?;
    /// assert!(on_worker);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "local")]
    pub async fn with_rusqlite<R: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut sqlport_local::rusqlite::Connection) -> R + Send + 'static,
    ) -> Result<R> {
        let slot = std::sync::Arc::new(std::sync::Mutex::new(None));
        let out = slot.clone();
        self.unpark().await;
        self.transport
            .with_blocking(Box::new(move |t| {
                let result = crate::local_hatch::with_local(t, f);
                *out.lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
            }))
            .await?;
        let result = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
        result.unwrap_or(Err(sqlport_core::Error::Closed))
    }

    /// Close the connection (an open transaction rolls back).
    pub async fn close(mut self) -> Result<()> {
        self.unpark().await;
        self.transport.close().await
    }
}
