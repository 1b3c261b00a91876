//! [`Executor`] (async): write a helper once for a [`Connection`], a
//! [`Transaction`] or a [`Savepoint`].

use std::future::Future;

use sqlport_core::{
    Batch, BatchResult, FromSql, IntoParams, Result, ResultSet, Row, RowRef, Statement, Summary,
};

use super::{Connection, Savepoint, Transaction};

crate::shared::sealed_executor!();

/// The methods that map rows with a closure `f` (`query_row`, `query_one`,
/// `query_opt`): the same signature but for the result, forwarded to the
/// connection's method of the same name.
macro_rules! row_methods {
    ($($name:ident -> $out:ty;)+) => {$(
        #[doc = concat!("See [`Connection::", stringify!($name), "`].")]
        fn $name<T>(
            &mut self,
            sql: &str,
            params: impl IntoParams,
            f: impl FnOnce(&Row) -> Result<T> + Send,
        ) -> impl Future<Output = Result<$out>> + Send {
            let params = params.into_params();
            async move { self.conn().$name(sql, params?, f).await }
        }
    )+};
}

/// What statements run on, async: a [`Connection`], a [`Transaction`] or a
/// [`Savepoint`] (the async twin of
/// [`blocking::Executor`](crate::blocking::Executor); like sqlx's
/// `Executor`). Write helpers over `&mut impl Executor`; they then run inside
/// or outside a transaction. It has no `transaction()`: nest with
/// [`savepoint`](Executor::savepoint). The methods are the inherent ones of
/// the same names, with the same contracts.
///
/// Every future is `Send`, so a helper can run in `tokio::spawn`. The
/// parameters are converted before the future starts, so they need not be
/// `Send`; the row closures are held across the await and must be. The
/// trait is used through generics (`impl Executor`), not as `dyn Executor`.
///
/// ```
/// use sqlport::Executor;
///
/// async fn add(db: &mut impl Executor, title: &str) -> sqlport::Result<()> {
///     db.execute("INSERT INTO todo (title) VALUES (?)", [title]).await.map(drop)
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> sqlport::Result<()> {
/// let mut conn = sqlport::Database::open(":memory:")?.connect().await?;
/// conn.execute("CREATE TABLE todo (title TEXT)", ()).await?;
/// add(&mut conn, "outside").await?;
/// let mut tx = conn.transaction().await?;
/// add(&mut tx, "inside").await?;
/// tx.commit().await?;
/// assert_eq!(conn.query_scalar::<i64>("SELECT count(*) FROM todo", ()).await?, 2);
/// # Ok(()) }
/// ```
pub trait Executor: sealed::Sealed + Send {
    /// See [`Connection::run`].
    fn run(&mut self, stmt: &Statement) -> impl Future<Output = Result<ResultSet>> + Send {
        async move { self.conn().run(stmt).await }
    }

    /// See [`Connection::execute`].
    fn execute(
        &mut self,
        sql: &str,
        params: impl IntoParams,
    ) -> impl Future<Output = Result<u64>> + Send {
        let params = params.into_params();
        async move { self.conn().execute(sql, params?).await }
    }

    /// See [`Connection::query`].
    fn query(
        &mut self,
        sql: &str,
        params: impl IntoParams,
    ) -> impl Future<Output = Result<ResultSet>> + Send {
        let params = params.into_params();
        async move { self.conn().query(sql, params?).await }
    }

    row_methods! {
        query_row -> T;
        query_one -> T;
        query_opt -> Option<T>;
    }

    /// See [`Connection::query_scalar`].
    fn query_scalar<T: FromSql>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
    ) -> impl Future<Output = Result<T>> + Send {
        let params = params.into_params();
        async move { self.conn().query_scalar(sql, params?).await }
    }

    /// See [`Connection::query_map`].
    fn query_map<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnMut(&Row) -> Result<T> + Send,
    ) -> impl Future<Output = Result<Vec<T>>> + Send {
        let params = params.into_params();
        async move { self.conn().query_map(sql, params?, f).await }
    }

    /// See [`Connection::query_each`].
    fn query_each(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnMut(&RowRef<'_>) -> Result<()> + Send,
    ) -> impl Future<Output = Result<Summary>> + Send {
        let params = params.into_params();
        async move { self.conn().query_each(sql, params?, f).await }
    }

    /// See [`Connection::batch`].
    fn batch(&mut self, batch: &Batch) -> impl Future<Output = Result<BatchResult>> + Send {
        async move { self.conn().batch(batch).await }
    }

    /// See [`Connection::execute_batch`].
    fn execute_batch(&mut self, script: &str) -> impl Future<Output = Result<()>> + Send {
        async move { self.conn().execute_batch(script).await }
    }

    /// Open a savepoint (see [`Connection::savepoint`]).
    fn savepoint(&mut self) -> impl Future<Output = Result<Savepoint<'_>>> + Send {
        async move { self.conn().savepoint().await }
    }

    /// See [`Connection::is_autocommit`].
    fn is_autocommit(&mut self) -> bool {
        // Named in full: `self.conn().is_autocommit()` picks this trait
        // method (its `&mut self` receiver matches before the inherent
        // `&self` one) and recurses forever.
        Connection::is_autocommit(self.conn())
    }
}

impl Executor for Connection {}
impl Executor for Transaction<'_> {}
impl Executor for Savepoint<'_> {}
