//! The statement methods of the [`Transaction`](super::Transaction) and
//! [`Savepoint`](super::Savepoint) guards, forwarded to their connection.
//! Forwarded one by one, not through `DerefMut`: a guard never hands out
//! `&mut Connection`, so `transaction()` on a guard does not compile (use
//! `savepoint()` to nest).

/// Forward the statement methods of `Connection` on guard types holding `conn: &mut Connection`.
macro_rules! guard_methods {
    ($($guard:ident),+) => {$(
        impl $guard<'_> {
            /// See [`Connection::run`].
            pub fn run(&mut self, stmt: &sqlport_core::Statement) -> sqlport_core::Result<sqlport_core::ResultSet> {
                self.conn.run(stmt)
            }

            /// See [`Connection::execute`].
            pub fn execute(&mut self, sql: &str, params: impl sqlport_core::IntoParams) -> sqlport_core::Result<u64> {
                self.conn.execute(sql, params)
            }

            /// See [`Connection::query`].
            pub fn query(&mut self, sql: &str, params: impl sqlport_core::IntoParams) -> sqlport_core::Result<sqlport_core::ResultSet> {
                self.conn.query(sql, params)
            }

            /// See [`Connection::query_row`] (first row; `NoRows` if none).
            pub fn query_row<T>(
                &mut self,
                sql: &str,
                params: impl sqlport_core::IntoParams,
                f: impl FnOnce(&sqlport_core::Row) -> sqlport_core::Result<T>,
            ) -> sqlport_core::Result<T> {
                self.conn.query_row(sql, params, f)
            }

            /// See [`Connection::query_one`] (exactly one row).
            pub fn query_one<T>(
                &mut self,
                sql: &str,
                params: impl sqlport_core::IntoParams,
                f: impl FnOnce(&sqlport_core::Row) -> sqlport_core::Result<T>,
            ) -> sqlport_core::Result<T> {
                self.conn.query_one(sql, params, f)
            }

            /// See [`Connection::query_opt`] (at most one row).
            pub fn query_opt<T>(
                &mut self,
                sql: &str,
                params: impl sqlport_core::IntoParams,
                f: impl FnOnce(&sqlport_core::Row) -> sqlport_core::Result<T>,
            ) -> sqlport_core::Result<Option<T>> {
                self.conn.query_opt(sql, params, f)
            }

            /// See [`Connection::query_scalar`] (first column of exactly one row).
            pub fn query_scalar<T: sqlport_core::FromSql>(&mut self, sql: &str, params: impl sqlport_core::IntoParams) -> sqlport_core::Result<T> {
                self.conn.query_scalar(sql, params)
            }

            /// See [`Connection::query_map`].
            pub fn query_map<T>(
                &mut self,
                sql: &str,
                params: impl sqlport_core::IntoParams,
                f: impl FnMut(&sqlport_core::Row) -> sqlport_core::Result<T>,
            ) -> sqlport_core::Result<Vec<T>> {
                self.conn.query_map(sql, params, f)
            }

            /// See [`Connection::query_as`].
            #[cfg(feature = "serde")]
            pub fn query_as<T: serde::de::DeserializeOwned>(&mut self, sql: &str, params: impl sqlport_core::IntoParams) -> sqlport_core::Result<Vec<T>> {
                self.conn.query_as(sql, params)
            }

            /// See [`Connection::query_one_as`].
            #[cfg(feature = "serde")]
            pub fn query_one_as<T: serde::de::DeserializeOwned>(&mut self, sql: &str, params: impl sqlport_core::IntoParams) -> sqlport_core::Result<T> {
                self.conn.query_one_as(sql, params)
            }

            /// See [`Connection::query_opt_as`].
            #[cfg(feature = "serde")]
            pub fn query_opt_as<T: serde::de::DeserializeOwned>(&mut self, sql: &str, params: impl sqlport_core::IntoParams) -> sqlport_core::Result<Option<T>> {
                self.conn.query_opt_as(sql, params)
            }

            /// See [`Connection::query_each`].
            pub fn query_each(
                &mut self,
                sql: &str,
                params: impl sqlport_core::IntoParams,
                f: impl FnMut(&sqlport_core::RowRef<'_>) -> sqlport_core::Result<()>,
            ) -> sqlport_core::Result<sqlport_core::Summary> {
                self.conn.query_each(sql, params, f)
            }

            /// See [`Connection::query_rows`]: dropping the iterator early
            /// leaves this guard's transaction open.
            pub fn query_rows(
                &mut self,
                sql: &str,
                params: impl sqlport_core::IntoParams,
            ) -> sqlport_core::Result<super::Rows<'_>> {
                self.conn.query_rows(sql, params)
            }

            /// See [`Connection::batch`]. Inside a transaction an atomic batch
            /// runs in a savepoint.
            pub fn batch(&mut self, batch: &sqlport_core::Batch) -> sqlport_core::Result<sqlport_core::BatchResult> {
                self.conn.batch(batch)
            }

            /// See [`Connection::execute_batch`].
            pub fn execute_batch(&mut self, script: &str) -> sqlport_core::Result<()> {
                self.conn.execute_batch(script)
            }

            /// See [`Connection::prepare`].
            pub fn prepare(&mut self, sql: &str) -> sqlport_core::Result<PreparedStatement<'_>> {
                self.conn.prepare(sql)
            }

            /// Open a savepoint inside this one: the way to nest (a guard has
            /// no `transaction()`).
            pub fn savepoint(&mut self) -> sqlport_core::Result<Savepoint<'_>> {
                self.conn.savepoint()
            }

            /// See [`Connection::transport`].
            pub fn transport(&mut self) -> &mut dyn sqlport_core::Transport {
                self.conn.transport()
            }
        }
    )+};
}
pub(crate) use guard_methods;
