//! [`Executor`]: write a helper once for a [`Connection`], a [`Transaction`]
//! or a [`Savepoint`].

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
            f: impl FnOnce(&Row) -> Result<T>,
        ) -> Result<$out>
        where
            Self: Sized,
        {
            self.conn().$name(sql, params, f)
        }
    )+};
}

/// What statements run on: a [`Connection`], a [`Transaction`] or a
/// [`Savepoint`] (like postgres's `GenericClient`, or sqlx's `Executor`).
/// Write helpers over `&mut impl Executor`; they then run inside or outside
/// a transaction. It has no `transaction()`: nest with
/// [`savepoint`](Executor::savepoint). The methods are the inherent ones of
/// the same names, with the same contracts.
///
/// ```
/// use sqlport::blocking::{Database, Executor};
///
/// fn add(db: &mut impl Executor, title: &str) -> sqlport::Result<()> {
///     db.execute("INSERT INTO todo (title) VALUES (?)", [title]).map(drop)
/// }
///
/// # fn main() -> sqlport::Result<()> {
/// let mut conn = Database::open(":memory:")?.connect()?;
/// conn.execute("CREATE TABLE todo (title TEXT)", ())?;
/// add(&mut conn, "outside")?;
/// let mut tx = conn.transaction()?;
/// add(&mut tx, "inside")?;
/// tx.commit()?;
/// assert_eq!(conn.query_scalar::<i64>("SELECT count(*) FROM todo", ())?, 2);
/// # Ok(()) }
/// ```
pub trait Executor: sealed::Sealed {
    /// See [`Connection::run`].
    fn run(&mut self, stmt: &Statement) -> Result<ResultSet> {
        self.conn().run(stmt)
    }

    /// See [`Connection::execute`].
    fn execute(&mut self, sql: &str, params: impl IntoParams) -> Result<u64>
    where
        Self: Sized,
    {
        self.conn().execute(sql, params)
    }

    /// See [`Connection::query`].
    fn query(&mut self, sql: &str, params: impl IntoParams) -> Result<ResultSet>
    where
        Self: Sized,
    {
        self.conn().query(sql, params)
    }

    row_methods! {
        query_row -> T;
        query_one -> T;
        query_opt -> Option<T>;
    }

    /// See [`Connection::query_scalar`].
    fn query_scalar<T: FromSql>(&mut self, sql: &str, params: impl IntoParams) -> Result<T>
    where
        Self: Sized,
    {
        self.conn().query_scalar(sql, params)
    }

    /// See [`Connection::query_map`].
    fn query_map<T>(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnMut(&Row) -> Result<T>,
    ) -> Result<Vec<T>>
    where
        Self: Sized,
    {
        self.conn().query_map(sql, params, f)
    }

    /// See [`Connection::query_each`].
    fn query_each(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        f: impl FnMut(&RowRef<'_>) -> Result<()>,
    ) -> Result<Summary>
    where
        Self: Sized,
    {
        self.conn().query_each(sql, params, f)
    }

    /// See [`Connection::batch`].
    fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        self.conn().batch(batch)
    }

    /// See [`Connection::execute_batch`].
    fn execute_batch(&mut self, script: &str) -> Result<()> {
        self.conn().execute_batch(script)
    }

    /// Open a savepoint (see [`Connection::savepoint`]).
    fn savepoint(&mut self) -> Result<Savepoint<'_>> {
        self.conn().savepoint()
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
