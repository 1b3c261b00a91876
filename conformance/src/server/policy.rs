//! What SQL a stream may run: the SQLite authorizer installed on every stream
//! connection, behind sqld's own statement analysis ([`super::analysis`],
//! which refuses what sqld refuses before anything is prepared). SQLite
//! calls it while it *prepares* a statement, so it also guards what that
//! analysis cannot see (a statement SQLite reads differently from sqld's
//! parser).
//!
//! - PRAGMAs: sqld's allowlist (`libsql-server/src/query_analysis.rs`):
//!   introspection with or without an argument, reads of the PRAGMAs sqld
//!   serves, and assignments only of `foreign_keys`, `defer_foreign_keys`,
//!   `user_version`, `encoding` and `legacy_file_format` (and the
//!   argument forms of the checks: `integrity_check(N)`, ...). Anything
//!   else (`busy_timeout = N`, `journal_mode = ...`, `hard_heap_limit = N`,
//!   `writable_schema`, unknown names) is refused as sqld refuses it:
//!   `SQL_PARSE_ERROR` "unsupported statement".
//! - `ATTACH` is refused (sqld answers 403 for a database name, and refuses
//!   a file name); `DETACH` may run (there is nothing to detach).
//! - `load_extension()` and `fts3_tokenizer()` are refused.
//! - What a read-only token may run is decided by sqld's classification
//!   (a write gets 403 before it runs, as on sqld; an `EXPLAIN` of a write
//!   is a read); its connection also runs with `query_only`, so SQLite
//!   refuses any write that would get past that.
//! - While a statement is only described (`describe`), everything but a
//!   refused PRAGMA may be prepared, as on sqld: a described statement never
//!   runs, and is never kept in the statement cache. A PRAGMA acts while it
//!   is prepared, so a refused one is refused here too (unlike sqld, where
//!   describing `PRAGMA hard_heap_limit = 1` limits the whole process).

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};

/// PRAGMAs that may be read or called with an argument.
const WITH_ARGUMENT: &[&str] = &[
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
    "encoding",
    "defer_foreign_keys",
    "foreign_keys",
    "foreign_key_list",
    "foreign_key_check",
    "collation_list",
    "data_version",
    "freelist_count",
    "integrity_check",
    "legacy_file_format",
    "page_count",
    "quick_check",
    "stats",
];

/// PRAGMAs that may be read (no argument) but not assigned.
const READ_ONLY: &[&str] = &[
    "schema_version",
    "analysis_limit",
    "application_id",
    "auto_vacuum",
    "automatic_index",
    "busy_timeout",
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

/// Why the authorizer refused the last action it refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denial {
    /// Not on the allowlist (reported as sqld does: `SQL_PARSE_ERROR`).
    Unsupported,
}

/// The authorizer's state for one connection.
#[derive(Debug, Default)]
pub(crate) struct Policy {
    /// The server itself is running a statement (`PRAGMA query_only`).
    internal: AtomicBool,
    /// A statement is being prepared only to describe it.
    describing: AtomicBool,
    denied: AtomicU8,
}

impl Policy {
    /// A read-write policy.
    pub(crate) fn new() -> Self {
        Policy::default()
    }

    /// Let the server's own statements through while `internal`.
    pub(crate) fn set_internal(&self, internal: bool) {
        self.internal.store(internal, Ordering::SeqCst);
    }

    /// Statements are prepared only to be described (or no longer).
    pub(crate) fn set_describing(&self, describing: bool) {
        self.describing.store(describing, Ordering::SeqCst);
    }

    /// Forget the last refusal.
    pub(crate) fn clear_denial(&self) {
        self.denied.store(0, Ordering::SeqCst);
    }

    /// The last refusal since [`Policy::clear_denial`].
    pub(crate) fn denial(&self) -> Option<Denial> {
        match self.denied.load(Ordering::SeqCst) {
            1 => Some(Denial::Unsupported),
            _ => None,
        }
    }

    fn deny(&self, why: Denial) -> Authorization {
        let code = match why {
            Denial::Unsupported => 1,
        };
        self.denied.store(code, Ordering::SeqCst);
        Authorization::Deny
    }

    /// The authorizer callback.
    pub(crate) fn authorize(&self, ctx: AuthContext<'_>) -> Authorization {
        if self.internal.load(Ordering::SeqCst) {
            return Authorization::Allow;
        }
        if self.describing.load(Ordering::SeqCst) {
            // A PRAGMA acts while it is prepared (`hard_heap_limit = 1`
            // would limit the whole process, `query_only = 0` lift a
            // read-only token's guard): those are refused even here, where
            // sqld prepares anything.
            return match ctx.action {
                AuthAction::Pragma {
                    pragma_name,
                    pragma_value,
                } => self.pragma(pragma_name, pragma_value),
                _ => Authorization::Allow,
            };
        }
        match ctx.action {
            AuthAction::Select
            | AuthAction::Read { .. }
            | AuthAction::Recursive
            | AuthAction::Transaction { .. }
            | AuthAction::Savepoint { .. }
            | AuthAction::Detach { .. } => Authorization::Allow,
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
            } => self.pragma(pragma_name, pragma_value),
            AuthAction::Insert { .. }
            | AuthAction::Update { .. }
            | AuthAction::Delete { .. }
            | AuthAction::CreateIndex { .. }
            | AuthAction::CreateTable { .. }
            | AuthAction::CreateTrigger { .. }
            | AuthAction::CreateView { .. }
            | AuthAction::DropIndex { .. }
            | AuthAction::DropTable { .. }
            | AuthAction::DropTrigger { .. }
            | AuthAction::DropView { .. }
            | AuthAction::AlterTable { .. }
            | AuthAction::Reindex { .. }
            | AuthAction::CreateVtable { .. }
            | AuthAction::DropVtable { .. } => Authorization::Allow,
            // ATTACH, temporary objects (sqld refuses them), and anything
            // this list does not know.
            _ => self.deny(Denial::Unsupported),
        }
    }

    fn pragma(&self, name: &str, value: Option<&str>) -> Authorization {
        let name = name.to_ascii_lowercase();
        let name = name.as_str();
        if WITH_ARGUMENT.contains(&name) || name == "user_version" {
            return Authorization::Allow;
        }
        match value {
            None if READ_ONLY.contains(&name) => Authorization::Allow,
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
    fn pragmas_follow_sqlds_allowlist() {
        let policy = std::sync::Arc::new(Policy::new());
        let c = conn(policy.clone());
        for ok in [
            "PRAGMA foreign_keys",
            "PRAGMA foreign_keys = OFF",
            "PRAGMA Foreign_Keys = on",
            "PRAGMA table_info(sqlite_master)",
            "PRAGMA main.table_info('sqlite_master')",
            "PRAGMA user_version",
            "PRAGMA user_version = 3",
            "PRAGMA busy_timeout",
            "PRAGMA hard_heap_limit",
            "PRAGMA integrity_check(10)",
            "PRAGMA encoding = 'UTF-8'",
            "SELECT * FROM pragma_table_info('sqlite_master')",
            "DETACH other",
        ] {
            assert!(prepares(&c, ok), "{ok}");
        }
        for refused in [
            "PRAGMA busy_timeout = 1000",
            "PRAGMA hard_heap_limit = 1",
            "PRAGMA soft_heap_limit = 1",
            "PRAGMA temp_store_directory = '/tmp'",
            "PRAGMA journal_mode = DELETE",
            "PRAGMA writable_schema = ON",
            "PRAGMA query_only = OFF",
            "PRAGMA shrink_memory",
            "PRAGMA wal_checkpoint",
            "PRAGMA no_such_pragma",
            "ATTACH ':memory:' AS x",
            "ATTACH '' AS x",
            "CREATE TEMP TABLE t (x)",
            "SELECT load_extension('x')",
        ] {
            policy.clear_denial();
            assert!(!prepares(&c, refused), "{refused}");
            assert_eq!(policy.denial(), Some(Denial::Unsupported), "{refused}");
        }
        // Described only: anything prepares but a refused PRAGMA (it would
        // act while prepared).
        policy.set_describing(true);
        for ok in [
            "VACUUM INTO 'x.db'",
            "ATTACH ':memory:' AS x",
            "PRAGMA foreign_keys = OFF",
        ] {
            assert!(prepares(&c, ok), "{ok}");
        }
        for refused in [
            "PRAGMA hard_heap_limit = 1",
            "PRAGMA query_only = 0",
            "PRAGMA busy_timeout = 5",
        ] {
            policy.clear_denial();
            assert!(!prepares(&c, refused), "{refused}");
            assert_eq!(policy.denial(), Some(Denial::Unsupported), "{refused}");
        }
        policy.set_describing(false);
    }
}
