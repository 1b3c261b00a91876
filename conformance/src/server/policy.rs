//! What SQL a stream may run: the SQLite authorizer installed on every stream
//! connection. SQLite calls it while it *prepares* a statement, before
//! anything happens, so `describe` and every endpoint (v1, v2, v3 pipeline,
//! cursor) go through the same check.
//!
//! - PRAGMAs: an allowlist, after sqld's (`libsql-server/src/query_analysis.rs`):
//!   reads of harmless PRAGMAs, table-introspection PRAGMAs with their
//!   argument, and assignments only of `foreign_keys`, `defer_foreign_keys`,
//!   `user_version` and (for the conformance suite's connection-state case,
//!   which sqld refuses) `busy_timeout` up to the statement timeout. Anything
//!   else (`hard_heap_limit = N`, `soft_heap_limit = N`,
//!   `temp_store_directory`, `journal_mode = ...`, `writable_schema`, unknown
//!   names) is refused as sqld refuses it: `SQL_PARSE_ERROR` "unsupported
//!   statement".
//! - `ATTACH`/`DETACH` are refused, except the private temporary database
//!   that a plain `VACUUM` attaches for itself (so `VACUUM` works and `VACUUM
//!   INTO 'file'` does not).
//! - `load_extension()` and `fts3_tokenizer()` are refused.
//! - A read-only token may only read: every write action is refused
//!   (`SQLITE_AUTH`), and the connection also runs with `query_only`.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};

/// PRAGMAs that only read, with or without an argument (a table or index
/// name, or a row limit).
const READ_WITH_ARGUMENT: &[&str] = &[
    "table_list",
    "index_list",
    "table_info",
    "table_xinfo",
    "index_info",
    "index_xinfo",
    "pragma_list",
    "compile_options",
    "database_list",
    "function_list",
    "module_list",
    "collation_list",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
];

/// PRAGMAs that may be read (no argument) but not assigned.
const READ_ONLY: &[&str] = &[
    "encoding",
    "data_version",
    "freelist_count",
    "page_count",
    "stats",
    "schema_version",
    "application_id",
    "analysis_limit",
    "auto_vacuum",
    "automatic_index",
    "cache_size",
    "cache_spill",
    "cell_size_check",
    "checkpoint_fullfsync",
    "fullfsync",
    "hard_heap_limit",
    "journal_mode",
    "journal_size_limit",
    "legacy_alter_table",
    "locking_mode",
    "max_page_count",
    "mmap_size",
    "page_size",
    "query_only",
    "read_uncommitted",
    "recursive_triggers",
    "reverse_unordered_selects",
    "secure_delete",
    "soft_heap_limit",
    "synchronous",
    "temp_store",
    "threads",
    "trusted_schema",
    "wal_autocheckpoint",
];

/// PRAGMAs that set connection state and may be assigned, by any token.
const CONNECTION_STATE: &[&str] = &["foreign_keys", "defer_foreign_keys"];

/// Why the authorizer refused the last action it refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denial {
    /// Not on the allowlist (reported as sqld does: `SQL_PARSE_ERROR`).
    Unsupported,
    /// A write by a read-only token.
    ReadOnly,
}

/// The authorizer's state for one connection.
#[derive(Debug)]
pub(crate) struct Policy {
    read_only: AtomicBool,
    /// The server itself is running a statement (`PRAGMA query_only`).
    internal: AtomicBool,
    /// A plain `VACUUM` is running (it attaches a private temporary database).
    vacuum: AtomicBool,
    denied: AtomicU8,
    max_busy_timeout_ms: u64,
}

impl Policy {
    /// A read-write policy; `busy_timeout` assignments up to `max_busy_timeout_ms`.
    pub(crate) fn new(max_busy_timeout_ms: u64) -> Self {
        Policy {
            read_only: AtomicBool::new(false),
            internal: AtomicBool::new(false),
            vacuum: AtomicBool::new(false),
            denied: AtomicU8::new(0),
            max_busy_timeout_ms,
        }
    }

    /// Restrict to reads (or lift the restriction).
    pub(crate) fn set_read_only(&self, read_only: bool) {
        self.read_only.store(read_only, Ordering::SeqCst);
    }

    /// Let the server's own statements through while `internal`.
    pub(crate) fn set_internal(&self, internal: bool) {
        self.internal.store(internal, Ordering::SeqCst);
    }

    /// A plain `VACUUM` is about to run (or has ended).
    pub(crate) fn set_vacuum(&self, vacuum: bool) {
        self.vacuum.store(vacuum, Ordering::SeqCst);
    }

    /// Forget the last refusal.
    pub(crate) fn clear_denial(&self) {
        self.denied.store(0, Ordering::SeqCst);
    }

    /// The last refusal since [`Policy::clear_denial`].
    pub(crate) fn denial(&self) -> Option<Denial> {
        match self.denied.load(Ordering::SeqCst) {
            1 => Some(Denial::Unsupported),
            2 => Some(Denial::ReadOnly),
            _ => None,
        }
    }

    fn deny(&self, why: Denial) -> Authorization {
        let code = match why {
            Denial::Unsupported => 1,
            Denial::ReadOnly => 2,
        };
        self.denied.store(code, Ordering::SeqCst);
        Authorization::Deny
    }

    /// The authorizer callback.
    pub(crate) fn authorize(&self, ctx: AuthContext<'_>) -> Authorization {
        if self.internal.load(Ordering::SeqCst) {
            return Authorization::Allow;
        }
        let read_only = self.read_only.load(Ordering::SeqCst);
        let write = |p: &Policy| {
            if read_only {
                p.deny(Denial::ReadOnly)
            } else {
                Authorization::Allow
            }
        };
        match ctx.action {
            AuthAction::Select
            | AuthAction::Read { .. }
            | AuthAction::Recursive
            | AuthAction::Transaction { .. }
            | AuthAction::Savepoint { .. } => Authorization::Allow,
            AuthAction::Function { function_name } => {
                if function_name.eq_ignore_ascii_case("load_extension")
                    || function_name.eq_ignore_ascii_case("fts3_tokenizer")
                {
                    self.deny(Denial::Unsupported)
                } else {
                    Authorization::Allow
                }
            }
            AuthAction::Pragma {
                pragma_name,
                pragma_value,
            } => self.pragma(pragma_name, pragma_value, read_only),
            AuthAction::Attach { filename } => {
                if self.vacuum.load(Ordering::SeqCst) && filename.is_empty() && !read_only {
                    Authorization::Allow
                } else {
                    self.deny(Denial::Unsupported)
                }
            }
            AuthAction::Detach { .. } => {
                if self.vacuum.load(Ordering::SeqCst) {
                    Authorization::Allow
                } else {
                    self.deny(Denial::Unsupported)
                }
            }
            AuthAction::Insert { .. }
            | AuthAction::Update { .. }
            | AuthAction::Delete { .. }
            | AuthAction::CreateIndex { .. }
            | AuthAction::CreateTable { .. }
            | AuthAction::CreateTempIndex { .. }
            | AuthAction::CreateTempTable { .. }
            | AuthAction::CreateTempTrigger { .. }
            | AuthAction::CreateTempView { .. }
            | AuthAction::CreateTrigger { .. }
            | AuthAction::CreateView { .. }
            | AuthAction::DropIndex { .. }
            | AuthAction::DropTable { .. }
            | AuthAction::DropTempIndex { .. }
            | AuthAction::DropTempTable { .. }
            | AuthAction::DropTempTrigger { .. }
            | AuthAction::DropTempView { .. }
            | AuthAction::DropTrigger { .. }
            | AuthAction::DropView { .. }
            | AuthAction::AlterTable { .. }
            | AuthAction::Reindex { .. }
            | AuthAction::Analyze { .. }
            | AuthAction::CreateVtable { .. }
            | AuthAction::DropVtable { .. } => write(self),
            _ => self.deny(Denial::Unsupported),
        }
    }

    fn pragma(&self, name: &str, value: Option<&str>, read_only: bool) -> Authorization {
        let name = name.to_ascii_lowercase();
        let name = name.as_str();
        if READ_WITH_ARGUMENT.contains(&name) {
            return Authorization::Allow;
        }
        let Some(value) = value else {
            return if READ_ONLY.contains(&name)
                || CONNECTION_STATE.contains(&name)
                || name == "user_version"
                || name == "busy_timeout"
            {
                Authorization::Allow
            } else {
                self.deny(Denial::Unsupported)
            };
        };
        if CONNECTION_STATE.contains(&name) {
            return Authorization::Allow;
        }
        match name {
            "user_version" if read_only => self.deny(Denial::ReadOnly),
            "user_version" => Authorization::Allow,
            "busy_timeout" => match value.trim().parse::<i64>() {
                Ok(ms) if ms >= 0 && ms.unsigned_abs() <= self.max_busy_timeout_ms => {
                    Authorization::Allow
                }
                _ => self.deny(Denial::Unsupported),
            },
            _ => self.deny(Denial::Unsupported),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(policy: std::sync::Arc<Policy>) -> rusqlite::Connection {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.authorizer(Some(move |ctx: AuthContext<'_>| policy.authorize(ctx)));
        c
    }

    fn prepares(c: &rusqlite::Connection, sql: &str) -> bool {
        c.prepare(sql).is_ok()
    }

    #[test]
    fn pragmas_follow_the_allowlist() {
        let policy = std::sync::Arc::new(Policy::new(1000));
        let c = conn(policy.clone());
        for ok in [
            "PRAGMA foreign_keys",
            "PRAGMA foreign_keys = OFF",
            "PRAGMA Foreign_Keys = on",
            "PRAGMA table_info(sqlite_master)",
            "PRAGMA main.table_info('sqlite_master')",
            "PRAGMA user_version",
            "PRAGMA user_version = 3",
            "PRAGMA busy_timeout = 1000",
            "PRAGMA busy_timeout",
            "PRAGMA hard_heap_limit",
            "PRAGMA integrity_check(10)",
            "SELECT * FROM pragma_table_info('sqlite_master')",
        ] {
            assert!(prepares(&c, ok), "{ok}");
        }
        for refused in [
            "PRAGMA hard_heap_limit = 1",
            "PRAGMA soft_heap_limit = 1",
            "PRAGMA temp_store_directory = '/tmp'",
            "PRAGMA journal_mode = DELETE",
            "PRAGMA busy_timeout = 1001",
            "PRAGMA busy_timeout = -1",
            "PRAGMA writable_schema = ON",
            "PRAGMA query_only = OFF",
            "PRAGMA shrink_memory",
            "PRAGMA wal_checkpoint",
            "PRAGMA no_such_pragma",
            "ATTACH ':memory:' AS x",
            "ATTACH '' AS x",
            "SELECT load_extension('x')",
        ] {
            policy.clear_denial();
            assert!(!prepares(&c, refused), "{refused}");
            assert_eq!(policy.denial(), Some(Denial::Unsupported), "{refused}");
        }
    }

    #[test]
    fn read_only_refuses_writes_but_not_reads() {
        let policy = std::sync::Arc::new(Policy::new(1000));
        let c = conn(policy.clone());
        c.execute_batch("CREATE TABLE t (x)").unwrap();
        policy.set_read_only(true);
        for refused in [
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET x = 2",
            "DELETE FROM t",
            "CREATE TABLE u (x)",
            "CREATE TEMP TABLE u (x)",
            "DROP TABLE t",
            "PRAGMA user_version = 7",
        ] {
            policy.clear_denial();
            assert!(!prepares(&c, refused), "{refused}");
            assert_eq!(policy.denial(), Some(Denial::ReadOnly), "{refused}");
        }
        for ok in ["SELECT * FROM t", "BEGIN", "PRAGMA foreign_keys = ON"] {
            assert!(prepares(&c, ok), "{ok}");
        }
    }
}
