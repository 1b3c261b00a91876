//! [`Description`]: what a statement takes and returns, without running it.

use sqlport_core::Column;

/// The shape of a prepared statement (see [`LocalTransport::describe`](crate::LocalTransport::describe)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// Parameters in index order: the name with its prefix (`":a"`, `"?3"`),
    /// `None` for a bare `?`.
    pub params: Vec<Option<String>>,
    /// Result columns with their declared types.
    pub columns: Vec<Column>,
    /// The statement is an `EXPLAIN` or `EXPLAIN QUERY PLAN`.
    pub is_explain: bool,
    /// The statement does not write to the database.
    pub is_readonly: bool,
}
