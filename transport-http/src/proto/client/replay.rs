//! Which PRAGMA assignments are connection state that the client re-applies
//! when it has to open a new stream (after the old one expired while idle).
//!
//! Only an explicit allowlist of connection-scoped settings is replayed,
//! and only assignments that stand: made outside a transaction, or inside
//! one that committed. Database-scoped PRAGMAs (`user_version`,
//! `application_id`, `journal_mode`, `page_size`, `auto_vacuum`, ...) are
//! never replayed: replaying them would overwrite what other connections
//! committed since.

use sqlport_core::sql::pragma_target;

/// The connection-scoped PRAGMAs whose assignments are replayed on a new
/// stream (each the last value set; in the order first set).
pub const REPLAYED_PRAGMAS: &[&str] = &[
    "foreign_keys",
    "defer_foreign_keys",
    "recursive_triggers",
    "case_sensitive_like",
    "busy_timeout",
    "cache_size",
    "cache_spill",
    "temp_store",
    "synchronous",
    "automatic_index",
    "reverse_unordered_selects",
    "query_only",
    "ignore_check_constraints",
    "legacy_alter_table",
    "trusted_schema",
    "cell_size_check",
    "analysis_limit",
];

/// Of those, the ones never recorded from inside a transaction: SQLite
/// ignores `foreign_keys` there, and turns `defer_foreign_keys` off when
/// every transaction ends.
const NOT_FROM_TRANSACTIONS: &[&str] = &["foreign_keys", "defer_foreign_keys"];

/// The (lower-cased) name of the setting `sql` assigns (`PRAGMA x = v` or
/// `PRAGMA x(v)`, schema `main` or none), if it is one the client replays.
///
/// ```
/// use sqlport_http::proto::client::replay::replayable;
/// assert_eq!(replayable("PRAGMA foreign_keys = OFF").as_deref(), Some("foreign_keys"));
/// assert_eq!(replayable("pragma main.CACHE_SIZE(100)").as_deref(), Some("cache_size"));
/// assert_eq!(replayable("PRAGMA user_version = 42"), None);
/// assert_eq!(replayable("PRAGMA foreign_keys"), None);
/// assert_eq!(replayable("PRAGMA temp.cache_size = 1"), None);
/// ```
pub fn replayable(sql: &str) -> Option<String> {
    let target = pragma_target(sql)?;
    if !target.has_argument || target.schema.as_deref().is_some_and(|s| s != "main") {
        return None;
    }
    REPLAYED_PRAGMAS
        .contains(&target.name.as_str())
        .then_some(target.name)
}

/// Whether an assignment of `name` made inside a transaction is kept when
/// that transaction commits.
pub fn kept_from_transactions(name: &str) -> bool {
    !NOT_FROM_TRANSACTIONS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_scoped_pragmas_are_never_replayed() {
        for sql in [
            "PRAGMA user_version = 1",
            "PRAGMA application_id = 1",
            "PRAGMA journal_mode = WAL",
            "PRAGMA main.journal_mode = delete",
            "PRAGMA page_size = 4096",
            "PRAGMA auto_vacuum = FULL",
            "PRAGMA hard_heap_limit = 1",
            "PRAGMA table_info(t)",
            "PRAGMA \"foreign_keys\" = 1",
            "SELECT 1",
        ] {
            assert_eq!(replayable(sql), None, "{sql}");
        }
        for sql in [
            "PRAGMA foreign_keys=0",
            "/* c */ PRAGMA Recursive_Triggers = ON;",
            "PRAGMA busy_timeout(100)",
        ] {
            assert!(replayable(sql).is_some(), "{sql}");
        }
        assert!(!kept_from_transactions("foreign_keys"));
        assert!(kept_from_transactions("case_sensitive_like"));
    }
}
