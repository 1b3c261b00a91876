//! The body of both flavours' `PreparedStatement`, written once: the SQL
//! text bound to a connection, and its methods, which run it through the
//! connection's `run` and read the result with `shared`'s row helpers.
//! `prepared_statement!(/// docs ;)` makes the blocking type,
//! `prepared_statement!(/// docs ; async, .await)` the async one.

/// The fields, constructor and methods of a `PreparedStatement<'c>` over the
/// flavour's `Connection` (in scope where it is used).
macro_rules! prepared_statement {
    ($(#[$meta:meta])* ; $($async:ident, $($await:tt)+)?) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct PreparedStatement<'c> {
            conn: &'c mut Connection,
            sql: std::sync::Arc<str>,
        }

        impl<'c> PreparedStatement<'c> {
            pub(crate) fn new(conn: &'c mut Connection, sql: &str) -> Self {
                PreparedStatement {
                    conn,
                    sql: std::sync::Arc::from(sql),
                }
            }

            /// The SQL text.
            pub fn sql(&self) -> &str {
                &self.sql
            }

            fn bind(
                &self,
                params: impl sqlport_core::IntoParams,
            ) -> sqlport_core::Result<sqlport_core::Statement> {
                Ok(sqlport_core::Statement {
                    sql: self.sql.clone(),
                    params: params.into_params()?,
                })
            }

            /// Run it; returns the number of rows changed.
            pub $($async)? fn execute(
                &mut self,
                params: impl sqlport_core::IntoParams,
            ) -> sqlport_core::Result<u64> {
                let stmt = self.bind(params)?;
                Ok(self.conn.run(&stmt)$($($await)+)??.rows_affected)
            }

            /// Run it; returns the whole result.
            pub $($async)? fn query(
                &mut self,
                params: impl sqlport_core::IntoParams,
            ) -> sqlport_core::Result<sqlport_core::ResultSet> {
                let stmt = self.bind(params)?;
                self.conn.run(&stmt)$($($await)+)?
            }

            /// Run it and map the first row ([`Error::NoRows`](crate::Error::NoRows) if none).
            pub $($async)? fn query_row<T>(
                &mut self,
                params: impl sqlport_core::IntoParams,
                f: impl FnOnce(&sqlport_core::Row) -> sqlport_core::Result<T>,
            ) -> sqlport_core::Result<T> {
                crate::shared::first_row(&self.query(params)$($($await)+)??, f)
            }

            /// Run it and map its only row (`NoRows` / `TooManyRows` otherwise).
            pub $($async)? fn query_one<T>(
                &mut self,
                params: impl sqlport_core::IntoParams,
                f: impl FnOnce(&sqlport_core::Row) -> sqlport_core::Result<T>,
            ) -> sqlport_core::Result<T> {
                crate::shared::only_row(&self.query(params)$($($await)+)??, f)
            }

            /// Run it and map its row if there is one (`TooManyRows` if more).
            pub $($async)? fn query_opt<T>(
                &mut self,
                params: impl sqlport_core::IntoParams,
                f: impl FnOnce(&sqlport_core::Row) -> sqlport_core::Result<T>,
            ) -> sqlport_core::Result<Option<T>> {
                crate::shared::optional_row(&self.query(params)$($($await)+)??, f)
            }

            /// The first column of its only row.
            pub $($async)? fn query_scalar<T: sqlport_core::FromSql>(
                &mut self,
                params: impl sqlport_core::IntoParams,
            ) -> sqlport_core::Result<T> {
                crate::shared::scalar(&self.query(params)$($($await)+)??)
            }

            /// Map every row into a `Vec`.
            pub $($async)? fn query_map<T>(
                &mut self,
                params: impl sqlport_core::IntoParams,
                f: impl FnMut(&sqlport_core::Row) -> sqlport_core::Result<T>,
            ) -> sqlport_core::Result<Vec<T>> {
                crate::shared::map_rows(&self.query(params)$($($await)+)??, f)
            }

            /// Every row deserialized into `T`.
            #[cfg(feature = "serde")]
            pub $($async)? fn query_as<T: serde::de::DeserializeOwned>(
                &mut self,
                params: impl sqlport_core::IntoParams,
            ) -> sqlport_core::Result<Vec<T>> {
                self.query_map(params, sqlport_core::Row::deserialize)$($($await)+)?
            }
        }
    };
}
pub(crate) use prepared_statement;
