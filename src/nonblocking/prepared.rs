//! [`PreparedStatement`] (async): one SQL text run many times on one connection.

use super::Connection;

crate::prepared::prepared_statement!(
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
    ; async, .await
);
