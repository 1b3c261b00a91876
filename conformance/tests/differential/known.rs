//! The deliberate differences between sqld and the reference server that
//! are classified here, each with its reason. The README's list ("The
//! reference server and sqld") has these and the rest, which are not
//! classified: `compare.rs` masks `replication_index`, `rows_read` and
//! `rows_written`, and the sequences avoid the others (REAL parameters
//! sqld reads inexactly, the servers' limits, endpoints not served). A
//! difference that matches none of these fails the test.

use crate::sequence::Found;

/// One deliberate difference.
pub struct Known {
    /// Short name, used in the run's summary.
    pub id: &'static str,
    /// Why the reference server differs.
    pub reason: &'static str,
    /// Whether a found difference is this one.
    matches: fn(&Found) -> bool,
}

fn request_is(f: &Found, prefix: &str) -> bool {
    f.request.starts_with(prefix)
}

fn sql_is(f: &Found, sqls: &[&str]) -> bool {
    sqls.iter()
        .any(|s| f.request.contains(&format!("\"sql\":\"{s}\"")))
}

/// Every deliberate difference.
pub const KNOWN: &[Known] = &[
    Known {
        id: "describe-refused-pragma",
        reason: "`describe` of a PRAGMA the server refuses is refused (SQL_PARSE_ERROR): a PRAGMA acts \
                 while it is prepared, and sqld, which prepares anything it describes, lets \
                 `describe PRAGMA hard_heap_limit = 1` limit its whole process",
        matches: |f| {
            f.request.contains("\"type\":\"describe\"")
                && f.request.contains("\"sql\":\"PRAGMA ")
                && f.request.contains(" = ")
        },
    },
    Known {
        id: "no-protobuf",
        reason: "the reference server speaks Hrana's JSON encoding only: `GET /v3-protobuf` is 404, so \
                 clients that prefer Protobuf (hrana-client-ts) fall back to JSON instead of failing",
        matches: |f| request_is(f, "GET /v3-protobuf"),
    },
    Known {
        id: "no-legacy-query-api",
        reason: "sqld's pre-Hrana query API (`POST /` with `{\"statements\": [...]}`) is not served \
                 (405): no current client speaks it, the libSQL clients and sqlport speak Hrana",
        matches: |f| request_is(f, "POST / "),
    },
    Known {
        id: "server-configuration-pragmas",
        reason: "reads of what each server configures for itself: its file path (`database_list`), its \
                 SQLite build (`compile_options`; sqld's adds sqlean's `text_nocase` collation), and \
                 how long SQLite itself waits for a lock (`busy_timeout`: sqld queues writers in its \
                 connection manager, the reference server waits in SQLite's busy handler)",
        matches: |f| {
            sql_is(
                f,
                &[
                    "PRAGMA busy_timeout",
                    "PRAGMA database_list",
                    "PRAGMA compile_options",
                    "PRAGMA collation_list",
                ],
            )
        },
    },
];

/// The deliberate difference `f` is, if any.
pub fn classify(f: &Found) -> Option<&'static Known> {
    KNOWN.iter().find(|k| (k.matches)(f))
}
