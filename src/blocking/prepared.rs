//! [`PreparedStatement`]: one SQL text run many times on one connection.

use super::Connection;

crate::prepared::prepared_statement!(
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
    ;
);
