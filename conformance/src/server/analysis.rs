//! SQL text as sqld sees it before running anything: split into statements
//! and classified with sqld's own parser (the libSQL fork of lemon-rs,
//! `libsql-sqlite3-parser`, the version sqld 0.24 uses), by the rules of
//! sqld's statement analysis (`libsql-server/src/query_analysis.rs`).
//!
//! What the classification decides, as on sqld:
//! - which statements run at all: anything it cannot classify is refused
//!   with `SQL_PARSE_ERROR` "unsupported statement" (`VACUUM`, `ANALYZE`,
//!   `TEMP` tables, views and triggers, `ATTACH 'file'`, most PRAGMA
//!   assignments, unknown PRAGMAs);
//! - what right a statement needs ([`Kind`]);
//! - which statements report `affected_row_count` (INSERT, UPDATE, DELETE)
//!   and `last_insert_rowid` (INSERT).

use std::panic::{AssertUnwindSafe, catch_unwind};

use rusqlite::fallible_iterator::FallibleIterator as _;

use sqlite3_parser::ast::{Cmd, Expr, PragmaBody, QualifiedName, Stmt};
use sqlite3_parser::lexer::sql::{Error as ParseError, Parser, ParserError};
use sqlport_http::proto::server::StatementKind;

/// One statement of a SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// The statement's own text (as sqld slices it out of the input).
    pub(crate) text: String,
    /// What right it needs.
    pub(crate) kind: StatementKind,
    /// An INSERT, UPDATE or DELETE (reports `affected_row_count`).
    pub(crate) is_iud: bool,
    /// An INSERT (reports `last_insert_rowid`).
    pub(crate) is_insert: bool,
}

/// The statements of a SQL text, up to the first that did not parse or is
/// not supported, and why that one failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Split {
    pub(crate) statements: Vec<Parsed>,
    pub(crate) error: Option<String>,
}

/// How sqld names a PRAGMA's needs (`None`: refused).
fn pragma_kind(name: &QualifiedName, body: Option<&PragmaBody>) -> Option<StatementKind> {
    let name = name.name.0.to_ascii_lowercase();
    match name.as_str() {
        // Introspection: reads, with or without an argument.
        "table_list" | "index_list" | "table_info" | "table_xinfo" | "index_info"
        | "index_xinfo" | "pragma_list" | "compile_options" | "database_list" | "function_list"
        | "module_list" | "encoding" => Some(StatementKind::Read),
        "schema_version" if body.is_none() => Some(StatementKind::Read),
        // Served by the primary only (so they count as writes), argument or not.
        "defer_foreign_keys" | "foreign_keys" | "foreign_key_list" | "foreign_key_check"
        | "collation_list" | "data_version" | "freelist_count" | "integrity_check"
        | "legacy_file_format" | "page_count" | "quick_check" | "stats" | "user_version" => {
            Some(StatementKind::Write)
        }
        // Readable, never assignable.
        "analysis_limit"
        | "application_id"
        | "auto_vacuum"
        | "automatic_index"
        | "busy_timeout"
        | "cache_size"
        | "cache_spill"
        | "cell_size_check"
        | "checkpoint_fullfsync"
        | "fullfsync"
        | "hard_heap_limit"
        | "journal_mode"
        | "journal_size_limit"
        | "legacy_alter_table"
        | "locking_mode"
        | "max_page_count"
        | "mmap_size"
        | "page_size"
        | "query_only"
        | "read_uncommitted"
        | "recursive_triggers"
        | "reverse_unordered_selects"
        | "secure_delete"
        | "soft_heap_limit"
        | "synchronous"
        | "temp_store"
        | "threads"
        | "trusted_schema"
        | "wal_autocheckpoint" => body.is_none().then_some(StatementKind::Write),
        // Everything else (connection state sqld will not let a client
        // change, and unknown names).
        _ => None,
    }
}

/// A table sqld keeps for itself.
fn reserved(name: &QualifiedName) -> bool {
    let n = name.name.0.to_ascii_lowercase();
    n == "_litestream_seq" || n == "_litestream_lock" || n == "libsql_wasm_func_table"
}

fn in_temp(name: &QualifiedName) -> bool {
    name.db_name.as_ref().map(|n| n.0.as_str()) == Some("TEMP")
}

/// What right `cmd` needs (`None`: sqld refuses it).
fn kind(cmd: &Cmd) -> Option<StatementKind> {
    use StatementKind::{Attach, Detach, Read, Write};
    let stmt = match cmd {
        Cmd::Explain(Stmt::Pragma(name, body)) => return pragma_kind(name, body.as_ref()),
        Cmd::Explain(_) | Cmd::ExplainQueryPlan(_) => return Some(Read),
        Cmd::Stmt(s) => s,
    };
    match stmt {
        Stmt::Select(_)
        | Stmt::Begin(..)
        | Stmt::Commit(_)
        | Stmt::Rollback { .. }
        | Stmt::Savepoint(_)
        | Stmt::Release(_) => Some(Read),
        Stmt::CreateTable {
            temporary: false,
            tbl_name,
            ..
        } if !in_temp(tbl_name) => Some(Write),
        Stmt::CreateVirtualTable { tbl_name, .. } if !in_temp(tbl_name) => Some(Write),
        Stmt::Insert { tbl_name, .. }
        | Stmt::Update { tbl_name, .. }
        | Stmt::Delete { tbl_name, .. }
        | Stmt::DropTable { tbl_name, .. }
        | Stmt::AlterTable(tbl_name, _) => (!reserved(tbl_name)).then_some(Write),
        Stmt::DropIndex { .. }
        | Stmt::DropTrigger { .. }
        | Stmt::DropView { .. }
        | Stmt::CreateIndex { .. }
        | Stmt::Reindex { .. }
        | Stmt::CreateTrigger {
            temporary: false, ..
        }
        | Stmt::CreateView {
            temporary: false, ..
        } => Some(Write),
        Stmt::Pragma(name, body) => pragma_kind(name, body.as_ref()),
        Stmt::Attach {
            expr: Expr::Id(id), ..
        } => {
            let ns = id.0.trim_start_matches('"').trim_end_matches('"');
            (!ns.is_empty()).then(|| Attach(ns.to_owned()))
        }
        Stmt::Detach(_) => Some(Detach),
        _ => None,
    }
}

/// The message of a parse error, as sqld words the common one.
fn parse_message(e: &ParseError) -> String {
    let at = |pos: &Option<(u64, usize)>| match pos {
        Some((line, col)) => format!(" at L{line}:{col}"),
        None => String::new(),
    };
    match e {
        ParseError::ParserError(
            ParserError::SyntaxError {
                found: Some(found), ..
            },
            Some((line, col)),
        ) => format!("syntax error around L{line}:{col}: `{found}`"),
        ParseError::ParserError(ParserError::SyntaxError { .. }, pos) => {
            format!("syntax error{}", at(pos))
        }
        ParseError::ParserError(ParserError::UnexpectedEof, pos) => {
            format!("unexpected end of input{}", at(pos))
        }
        ParseError::ParserError(ParserError::StackOverflow, pos) => {
            format!("parser stack overflow{}", at(pos))
        }
        ParseError::ParserError(ParserError::Custom(m), pos) => format!("{m}{}", at(pos)),
        ParseError::UnrecognizedToken(pos) => format!("unrecognized token{}", at(pos)),
        ParseError::UnterminatedLiteral(pos) => format!("non-terminated literal{}", at(pos)),
        ParseError::UnterminatedBracket(pos) => format!("non-terminated bracket{}", at(pos)),
        ParseError::UnterminatedBlockComment(pos) => {
            format!("non-terminated block comment{}", at(pos))
        }
        ParseError::BadVariableName(pos) => format!("bad variable name{}", at(pos)),
        ParseError::BadNumber(pos) => format!("bad number{}", at(pos)),
        ParseError::ExpectedEqualsSign(pos) => format!("expected = sign{}", at(pos)),
        ParseError::MalformedBlobLiteral(pos) => format!("malformed blob literal{}", at(pos)),
        ParseError::MalformedHexInteger(pos) => format!("malformed hex integer{}", at(pos)),
        ParseError::Io(e) => e.to_string(),
        #[allow(unreachable_patterns)]
        _ => "syntax error".to_owned(),
    }
}

/// Split and classify `sql` as sqld does before it runs anything.
pub(crate) fn split(sql: &str) -> Split {
    let mut out = Split::default();
    let mut parser = Parser::new(sql.as_bytes());
    // Bounded: each step consumes input or ends the loop.
    loop {
        let start = parser.offset();
        // The parser may panic on some inputs (sqld guards it the same way).
        let next = match catch_unwind(AssertUnwindSafe(|| parser.next())) {
            Ok(r) => r,
            Err(_) => {
                out.error = Some("unexpected parser error".into());
                return out;
            }
        };
        match next {
            Ok(Some(cmd)) => {
                let end = parser.offset();
                let Some(kind) = kind(&cmd) else {
                    out.error = Some(format!("unsupported statement: {}", truncate(sql)));
                    return out;
                };
                let is_insert = matches!(cmd, Cmd::Stmt(Stmt::Insert { .. }));
                let is_iud = is_insert
                    || matches!(cmd, Cmd::Stmt(Stmt::Update { .. } | Stmt::Delete { .. }));
                out.statements.push(Parsed {
                    text: sql.get(start..end).unwrap_or(sql).to_owned(),
                    kind,
                    is_iud,
                    is_insert,
                });
                if end <= start {
                    return out;
                }
            }
            Ok(None) => return out,
            Err(e) => {
                out.error = Some(parse_message(&e));
                return out;
            }
        }
    }
}

/// The SQL text for a message (bounded), in parse errors and in the
/// executor's `unsupported statement` errors.
pub(crate) fn truncate(sql: &str) -> String {
    const MAX: usize = 200;
    let sql = sql.trim();
    if sql.len() <= MAX {
        return sql.to_owned();
    }
    let mut end = MAX;
    while !sql.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &sql[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> (Vec<StatementKind>, Option<String>) {
        let s = split(sql);
        (s.statements.into_iter().map(|p| p.kind).collect(), s.error)
    }

    #[test]
    fn refuses_what_sqld_refuses() {
        for sql in [
            "VACUUM",
            "VACUUM INTO 'x.db'",
            "ANALYZE",
            "CREATE TEMP TABLE t (x)",
            "CREATE TABLE temp.t (x)",
            "CREATE TEMP VIEW v AS SELECT 1",
            "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
            "PRAGMA busy_timeout = 5",
            "PRAGMA journal_mode = WAL",
            "PRAGMA case_sensitive_like",
            "PRAGMA no_such_pragma",
            "ATTACH 'x.db' AS x",
            "INSERT INTO _litestream_seq VALUES (1)",
        ] {
            let (k, e) = kinds(sql);
            assert!(k.is_empty(), "{sql}");
            assert!(
                e.is_some_and(|e| e.starts_with("unsupported statement")),
                "{sql}"
            );
        }
    }

    #[test]
    fn classifies_and_splits() {
        use StatementKind::*;
        assert_eq!(
            kinds("SELECT 1; BEGIN; COMMIT"),
            (vec![Read, Read, Read], None)
        );
        assert_eq!(kinds("PRAGMA foreign_keys").0, vec![Write]);
        assert_eq!(kinds("PRAGMA table_info(t)").0, vec![Read]);
        assert_eq!(kinds("EXPLAIN DELETE FROM t").0, vec![Read]);
        assert_eq!(kinds("ATTACH other AS o").0, vec![Attach("other".into())]);
        assert_eq!(kinds("DETACH o").0, vec![Detach]);
        assert_eq!(kinds("").0, vec![]);
        let s = split("INSERT INTO t VALUES (1); UPDATE t SET x = 2; SELECT 1");
        let flags: Vec<(bool, bool)> = s
            .statements
            .iter()
            .map(|p| (p.is_iud, p.is_insert))
            .collect();
        assert_eq!(flags, vec![(true, true), (true, false), (false, false)]);
        assert_eq!(s.statements[1].text.trim(), "UPDATE t SET x = 2;");
        // sqld's parser refuses HAVING without GROUP BY.
        let (k, e) = kinds("SELECT 1; SELECT x FROM t HAVING 1");
        assert_eq!(k, vec![Read]);
        assert!(e.is_some());
        assert!(
            split("SELEC 1")
                .error
                .is_some_and(|e| e.contains("syntax error"))
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        for sql in [
            "'",
            "\"",
            "[",
            "/*",
            "x'4",
            "0x",
            "?abc",
            "SELECT \u{0}",
            "\u{e9}\u{e9}",
        ] {
            let _ = split(sql);
        }
    }
}
