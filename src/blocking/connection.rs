//! [`Connection`]: statements, queries, batches and transactions on one connection.

use sqlport_core::{
    Batch, BatchResult, Capabilities, FromSql, IntoParams, Result, ResultSet, Row, RowRef,
    Statement, Summary, TransactionBehavior, Transport,
};

use super::{PreparedStatement, Savepoint, Transaction};
use crate::shared::{self, FnSink, SavepointNames};

/// One connection to a database (a SQLite connection, or a Hrana stream).
///
/// The query helpers and their contracts (the same on every transport, in
/// both flavours, on [`Transaction`], [`Savepoint`] and [`PreparedStatement`]):
///
/// | method | rows it accepts | returns |
/// |---|---|---|
/// | [`query`](Connection::query) | any | the whole [`ResultSet`] |
/// | [`query_row`](Connection::query_row) | ≥ 1 (extra rows ignored) | `f(first row)`; [`Error::NoRows`](crate::Error::NoRows) if none (rusqlite's `query_row`) |
/// | [`query_one`](Connection::query_one) | exactly 1 | `f(row)`; `NoRows` / [`Error::TooManyRows`](crate::Error::TooManyRows) (rusqlite's `query_one`) |
/// | [`query_opt`](Connection::query_opt) | 0 or 1 | `Option`; `TooManyRows` if more |
/// | [`query_scalar`](Connection::query_scalar) | exactly 1 | its first column as `T`; `NoRows` / `TooManyRows` |
/// | [`query_map`](Connection::query_map) | any | `Vec<T>`, `f` applied to each row |
/// | `query_as` / `query_one_as` / `query_opt_as` (feature `serde`) | any / 1 / 0–1 | rows deserialized into `T` |
/// | [`query_each`](Connection::query_each) | any, streamed | a [`Summary`]; `f` sees each row as it arrives |
/// | [`query_rows`](Connection::query_rows) (async: `query_stream`) | any, streamed | an `Iterator` (async: a `Stream`) of rows pulled on demand; drop it to stop |
///
/// ```
/// use sqlport::{blocking::Database, ErrorKind, OptionalExt};
/// # fn main() -> sqlport::Result<()> {
/// let mut conn = Database::open(":memory:")?.connect()?;
/// conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
///                     INSERT INTO t (name) VALUES ('ada'), ('bob');")?;
/// let n: i64 = conn.query_scalar("SELECT count(*) FROM t", ())?;
/// assert_eq!(n, 2);
/// let name: String = conn.query_one("SELECT name FROM t WHERE id = ?", [1], |r| r.get(0))?;
/// assert_eq!(name, "ada");
/// let err = conn.query_one("SELECT name FROM t", (), |r| r.get::<String>(0)).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::TooManyRows);
/// let none = conn.query_opt("SELECT name FROM t WHERE id = 9", (), |r| r.get::<String>(0))?;
/// assert_eq!(none, None);
/// let also_none = conn.query_row("SELECT 1 WHERE 0", (), |r| r.get::<i64>(0)).optional()?;
/// assert_eq!(also_none, None);
/// let names = conn.query_map("SELECT name FROM t ORDER BY id", (), |r| r.get::<String>(0))?;
/// assert_eq!(names, ["ada", "bob"]);
/// # Ok(()) }
/// ```
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

    /// Run a query and map its first row (extra rows are ignored, as in
    /// rusqlite's `query_row`); [`Error::NoRows`](crate::Error::NoRows) if it
    /// returns none. Add [`OptionalExt::optional`](crate::OptionalExt::optional)
    /// for an `Option`.
    pub fn query_row<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        shared::first_row(&self.query(sql, params)?, f)
    }

    /// Run a query that must return exactly one row and map it, as rusqlite's
    /// `query_one`: [`Error::NoRows`](crate::Error::NoRows) if it returns none,
    /// [`Error::TooManyRows`](crate::Error::TooManyRows) if it returns more.
    pub fn query_one<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<T> {
        shared::only_row(&self.query(sql, params)?, f)
    }

    /// Run a query that returns at most one row: `None` for no row, `f(row)`
    /// for one, [`Error::TooManyRows`](crate::Error::TooManyRows) for more.
    pub fn query_opt<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnOnce(&Row) -> Result<T>,
    ) -> Result<Option<T>> {
        shared::optional_row(&self.query(sql, params)?, f)
    }

    /// The first column of the query's only row (`SELECT count(*) ...`):
    /// [`Error::NoRows`](crate::Error::NoRows) if it returns none,
    /// [`Error::TooManyRows`](crate::Error::TooManyRows) if it returns more.
    /// (Before 0.2 this was `query_one`, which took the first row and ignored
    /// extra rows.)
    pub fn query_scalar<T: FromSql>(&mut self, sql: &str, params: impl IntoParams) -> Result<T> {
        shared::scalar(&self.query(sql, params)?)
    }

    /// Map every row of a query into a `Vec`, in order; the first error
    /// stops. (rusqlite's `query_map` returns a lazy iterator; this collects.)
    pub fn query_map<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        shared::map_rows(&self.query(sql, params)?, f)
    }

    /// Every row deserialized into `T` (a struct by column name, a tuple by
    /// position; see [`Row::deserialize`]), as sqlx's `query_as(..).fetch_all`.
    #[cfg(feature = "serde")]
    pub fn query_as<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
    ) -> Result<Vec<T>> {
        self.query_map(sql, params, Row::deserialize)
    }

    /// The query's only row deserialized into `T` (`NoRows` / `TooManyRows` otherwise).
    #[cfg(feature = "serde")]
    pub fn query_one_as<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
    ) -> Result<T> {
        self.query_one(sql, params, Row::deserialize)
    }

    /// The query's row, if any, deserialized into `T` (`TooManyRows` if more than one).
    #[cfg(feature = "serde")]
    pub fn query_opt_as<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
    ) -> Result<Option<T>> {
        self.query_opt(sql, params, Row::deserialize)
    }

    /// Stream a query's rows through `f` as they arrive (bounded memory on
    /// transports that stream). `f` gets each row lent as a [`RowRef`],
    /// which reads like a [`Row`] (a local connection lends the statement's
    /// current row, read in place, so a scan copies nothing per row beyond
    /// what `f` takes; [`RowRef::to_row`] keeps one); an error from `f`
    /// stops the query. [`query_rows`](Self::query_rows) yields owned rows.
    pub fn query_each(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnMut(&RowRef<'_>) -> Result<()>,
    ) -> Result<Summary> {
        let stmt = Statement::with_params(sql, params)?;
        let _span = crate::trace::statement_span(&stmt).entered();
        let mut sink = FnSink(f);
        self.transport.query_stream(&stmt, &mut sink)
    }

    /// Stream a query's rows as an [`Iterator`] pulled on demand, with
    /// bounded memory on every transport (see [`Rows`](super::Rows) for the
    /// bound and how it works). Dropping the iterator early stops the
    /// query; the connection is usable again, in the same transaction state.
    /// rusqlite's `Statement::query`, sqlx's `fetch`, libsql's `Rows`.
    ///
    /// ```
    /// # fn main() -> sqlport::Result<()> {
    /// let mut conn = sqlport::blocking::Database::open(":memory:")?.connect()?;
    /// conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3);")?;
    /// let mut total = 0;
    /// for row in conn.query_rows("SELECT x FROM t WHERE x > ?", [1])? {
    ///     total += row?.get::<i64>(0)?;
    /// }
    /// assert_eq!(total, 5);
    /// # Ok(()) }
    /// ```
    pub fn query_rows(&mut self, sql: &str, params: impl IntoParams) -> Result<super::Rows<'_>> {
        let stmt = Statement::with_params(sql, params)?;
        super::Rows::start(self, stmt)
    }

    /// Hand the transport to a row stream, leaving a stand-in.
    pub(super) fn lend_transport(&mut self) -> Box<dyn Transport> {
        let stand_in = Box::new(crate::lent::Lent::of(self.transport.as_ref()));
        std::mem::replace(&mut self.transport, stand_in)
    }

    /// Take the transport back from a row stream.
    pub(super) fn restore_transport(&mut self, transport: Box<dyn Transport>) {
        self.transport = transport;
    }

    /// Run a [`Batch`] (one round trip remotely). An atomic batch that fails
    /// returns [`Error::Batch`](crate::Error::Batch) with the failing step's index, and commits nothing.
    pub fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        let _span = crate::trace::batch_span(batch).entered();
        self.transport.batch(batch)
    }

    /// Run a script of several statements separated by `;` (no parameters),
    /// in order, stopping at the first failure, as rusqlite's
    /// `execute_batch`. Remotely the whole script is one HTTP request (a Hrana
    /// batch; only when a statement does not parse, which sqld reports for
    /// the whole batch before running any of it, does the transport spend up
    /// to two more to find it and run the statements before it). A failure is [`Error::Batch`](crate::Error::Batch) whose
    /// [`failed_step`](crate::Error::failed_step) is the failing statement's
    /// index in the script (0-based), with its SQLite code; the statements
    /// before it stay applied (the script is not wrapped in a transaction:
    /// write `BEGIN; ...; COMMIT;` in it, or run it inside a [`Transaction`]).
    /// Statements are split by [`sqlport_core::split::statements`]: `;` inside
    /// literals, comments and `CREATE TRIGGER ... BEGIN ... END` does not split.
    ///
    /// ```
    /// # fn main() -> sqlport::Result<()> {
    /// let mut conn = sqlport::blocking::Database::open(":memory:")?.connect()?;
    /// conn.execute_batch("CREATE TABLE t (x UNIQUE); INSERT INTO t VALUES (1);")?;
    /// let err = conn.execute_batch("INSERT INTO t VALUES (2); INSERT INTO t VALUES (1);").unwrap_err();
    /// assert_eq!(err.failed_step(), Some(1));
    /// assert!(err.is_unique_violation());
    /// # Ok(()) }
    /// ```
    pub fn execute_batch(&mut self, script: &str) -> Result<()> {
        let batch = shared::script_batch(script);
        if batch.steps.is_empty() {
            return Ok(());
        }
        shared::first_step_error(self.batch(&batch)?)
    }

    /// A statement bound to this connection, to run many times with different
    /// parameters (see [`PreparedStatement`] for what is cached where).
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

    /// Run `f` on the underlying rusqlite connection of a local database:
    /// user-defined functions (feature `functions`), extensions (feature
    /// `load-extension`; rusqlite's loading calls are `unsafe`, so they are
    /// made in your code), backups, hooks. A remote connection is
    /// [`Error::Unsupported`](crate::Error::Unsupported). What `f` runs bypasses sqlport: a
    /// transaction it leaves open is seen (`is_autocommit`), but the guards do
    /// not know about it.
    ///
    /// ```
    /// # fn main() -> sqlport::Result<()> {
    /// let mut conn = sqlport::blocking::Database::open(":memory:")?.connect()?;
    /// let changes = conn.with_rusqlite(|raw| raw.execute("CREATE TABLE t (x)", []))?;
    /// assert_eq!(changes.unwrap(), 0);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "local")]
    pub fn with_rusqlite<R>(
        &mut self,
        f: impl FnOnce(&mut sqlport_local::rusqlite::Connection) -> R,
    ) -> Result<R> {
        crate::local_hatch::with_local(self.transport.as_mut(), f)
    }

    /// Close the connection (an open transaction rolls back).
    pub fn close(mut self) -> Result<()> {
        self.transport.close()
    }
}
