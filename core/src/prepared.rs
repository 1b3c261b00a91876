//! [`PreparedHandle`]: one SQL text kept ready on a blocking connection for
//! repeated runs ([`Transport::prepare_handle`]).
//!
//! A transport that can hold a compiled statement across calls (the local
//! transport holds SQLite's) returns its own handle and skips, on every run,
//! what running a fresh [`Statement`] costs: the statement-cache round trip,
//! the lookup of what it knows about the text, building a [`Statement`]. The
//! default ([`GenericHandle`]) runs a [`Statement`] through
//! [`Transport::execute`], exactly as before, so every transport has one.

use std::sync::Arc;

use crate::error::Result;
use crate::params::{Params, ParamsRef};
use crate::result::ResultSet;
use crate::statement::Statement;
use crate::transport::Transport;

/// One SQL text on one blocking connection, run many times with different
/// parameters. It borrows the connection, so nothing else runs on the
/// connection while it lives. Each run keeps the whole contract of
/// [`Transport::execute`] (the lost-transaction gate, errors, counts):
/// running the handle with `params` is observably the same as executing
/// `Statement { sql, params }`.
pub trait PreparedHandle {
    /// The SQL text.
    fn sql(&self) -> &Arc<str>;

    /// Run it with `params` and return its whole result.
    fn execute(&mut self, params: Params) -> Result<ResultSet>;

    /// Run it with `params` and return its result holding at most its first
    /// row (what `query_row` needs). A transport may stop stepping a
    /// read-only statement after that row, as rusqlite's `query_row` does;
    /// anything else runs to its end, as with [`PreparedHandle::execute`].
    /// The default runs [`PreparedHandle::execute`] and keeps the first row.
    fn execute_first(&mut self, params: Params) -> Result<ResultSet> {
        let mut rs = self.execute(params)?;
        rs.rows.truncate(1);
        Ok(rs)
    }
    /// Run it with parameters lent for this run (borrowed from the caller's
    /// values where possible); `first_only`: as
    /// [`PreparedHandle::execute_first`], else as [`PreparedHandle::execute`].
    /// A transport that binds values directly overrides it to copy nothing;
    /// the default builds [`Params`].
    fn execute_ref(&mut self, params: ParamsRef<'_>, first_only: bool) -> Result<ResultSet> {
        let params = params.to_params();
        if first_only {
            self.execute_first(params)
        } else {
            self.execute(params)
        }
    }
}

/// The default handle: every run is a [`Statement`] handed to
/// [`Transport::execute`].
pub struct GenericHandle<'a, T: ?Sized> {
    transport: &'a mut T,
    sql: Arc<str>,
}

impl<'a, T: Transport + ?Sized> GenericHandle<'a, T> {
    /// A handle running `sql` on `transport`.
    pub fn new(transport: &'a mut T, sql: Arc<str>) -> Self {
        GenericHandle { transport, sql }
    }
}

impl<T: Transport + ?Sized> PreparedHandle for GenericHandle<'_, T> {
    fn sql(&self) -> &Arc<str> {
        &self.sql
    }

    fn execute(&mut self, params: Params) -> Result<ResultSet> {
        self.transport.execute(&Statement {
            sql: self.sql.clone(),
            params,
        })
    }
}

impl<T: ?Sized> std::fmt::Debug for GenericHandle<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenericHandle")
            .field("sql", &self.sql)
            .finish_non_exhaustive()
    }
}
