//! Stored SQL texts of a stream (`store_sql` / `close_sql` / `sql_id`).

use std::collections::HashMap;
use std::sync::Arc;

use super::errors::{ErrorCode, Fatal};
use crate::proto::wire;

/// Most SQL texts one stream may hold (sqld: 50).
pub const MAX_STORED_SQL: usize = 50;
/// Largest stored SQL text in bytes (sqld: 5,000).
pub const MAX_SQL_BYTES: usize = 5000;

/// The SQL texts stored in one stream, by client-chosen id.
#[derive(Debug, Clone, Default)]
pub struct SqlStore {
    sqls: HashMap<i32, Arc<str>>,
}

impl SqlStore {
    /// An empty store.
    pub fn new() -> Self {
        SqlStore::default()
    }

    /// Number of stored texts.
    pub fn len(&self) -> usize {
        self.sqls.len()
    }

    /// `true` when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.sqls.is_empty()
    }

    /// Store `sql` under `id`. A live id is a protocol error; too many or too
    /// large texts are per-request errors (`Ok(Err(..))`).
    pub fn store(&mut self, id: i32, sql: &str) -> Result<Result<(), wire::Error>, Fatal> {
        if self.sqls.contains_key(&id) {
            return Err(Fatal::protocol(format!("SQL text {id} already exists")));
        }
        if self.sqls.len() >= MAX_STORED_SQL {
            return Ok(Err(ErrorCode::SqlStoreTooMany.error(format!(
                "SQL store contains too many SQL texts (max {MAX_STORED_SQL})"
            ))));
        }
        if sql.len() > MAX_SQL_BYTES {
            return Ok(Err(ErrorCode::SqlStoreTooLarge.error(format!(
                "SQL text is too large ({} bytes, max {MAX_SQL_BYTES})",
                sql.len()
            ))));
        }
        self.sqls.insert(id, Arc::from(sql));
        Ok(Ok(()))
    }

    /// Forget `id` (an unknown id is not an error).
    pub fn close(&mut self, id: i32) {
        self.sqls.remove(&id);
    }

    /// The text stored under `id`; unknown is a protocol error.
    pub fn get(&self, id: i32) -> Result<Arc<str>, Fatal> {
        self.sqls
            .get(&id)
            .cloned()
            .ok_or_else(|| Fatal::protocol(format!("SQL text {id} not found")))
    }

    /// Resolve "exactly one of `sql` and `sql_id`".
    pub fn resolve(&self, sql: Option<&str>, sql_id: Option<i32>) -> Result<Arc<str>, Fatal> {
        match (sql, sql_id) {
            (Some(s), None) => Ok(Arc::from(s)),
            (None, Some(id)) => self.get(id),
            (Some(_), Some(_)) => Err(Fatal::protocol(
                "Only one of `sql` or `sql_id` may be specified, but not both",
            )),
            (None, None) => Err(Fatal::protocol("Either `sql` or `sql_id` are required")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_protocol_errors() {
        let mut s = SqlStore::new();
        assert!(s.store(1, "select 1").unwrap().is_ok());
        assert!(matches!(s.store(1, "select 2"), Err(Fatal::Protocol(_))));
        let big = "x".repeat(MAX_SQL_BYTES + 1);
        assert_eq!(
            s.store(2, &big).unwrap().unwrap_err().code.as_deref(),
            Some("SQL_STORE_TOO_LARGE")
        );
        for id in 2..(MAX_STORED_SQL as i32 + 1) {
            assert!(s.store(id, "select 1").unwrap().is_ok(), "id {id}");
        }
        assert_eq!(s.len(), MAX_STORED_SQL);
        assert_eq!(
            s.store(1000, "select 1")
                .unwrap()
                .unwrap_err()
                .code
                .as_deref(),
            Some("SQL_STORE_TOO_MANY")
        );
        s.close(1);
        s.close(12345);
        assert!(matches!(s.get(1), Err(Fatal::Protocol(_))));
        assert!(s.store(1000, "select 1").unwrap().is_ok());
    }

    #[test]
    fn resolve_requires_exactly_one() {
        let mut s = SqlStore::new();
        s.store(7, "select 7").unwrap().unwrap();
        assert_eq!(&*s.resolve(None, Some(7)).unwrap(), "select 7");
        assert_eq!(&*s.resolve(Some("x"), None).unwrap(), "x");
        assert!(s.resolve(Some("x"), Some(7)).is_err());
        assert!(s.resolve(None, None).is_err());
        assert!(s.resolve(None, Some(8)).is_err());
    }
}
