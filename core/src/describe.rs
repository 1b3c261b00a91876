//! [`Description`]: what a statement takes and returns, without running it
//! (the local transport's `describe`, the Hrana `describe` request).

use crate::Column;

/// The shape of a prepared statement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
