//! sqllogictest files through any transport.
//!
//! Two dialects:
//!
//! - [`Dialect::Sqlite`] (files ending in `.test`): SQLite's original corpus
//!   format, unchanged, run record by record as SQLite's own harness runs it
//!   ([`corpus`]): one value per line, `hash-threshold` and `N values hashing
//!   to MD5`, `rowsort`/`valuesort`/`nosort`, labels, values formatted by the
//!   column type letters (`I` as the harness's 32-bit `%d`, `R` as SQLite's
//!   `%.3f`, `T` as text), `NULL`, `(empty)`, `skipif`/`onlyif` (this engine
//!   is `SQLite`) and `halt`; `statement` records holding several statements
//!   run them in order.
//! - [`Dialect::Slt`] (other files): the `sqllogictest` crate's own format,
//!   one result row per line, values separated by spaces, run with the crate
//!   (its `DB` trait is implemented by `SltDb`). Needs the `slt` feature;
//!   without it such a file fails with a message naming the feature.
//!
//! Objects a script creates are dropped afterwards, so a file can run through
//! several transports sharing one database.

pub mod corpus;
#[cfg(feature = "slt")]
mod db;
pub mod format;

use sqlport::blocking::Database;

#[cfg(feature = "slt")]
use db::run_slt;
#[cfg(feature = "slt")]
pub use db::{SltDb, TypeHint};

use super::check::Failure;
use super::runner::{Outcome, open, outcome_of};
use super::subject::Subject;

/// A sqllogictest file bundled with the crate.
#[derive(Debug, Clone, Copy)]
pub struct SltFile {
    /// File name (its extension picks the [`Dialect`]).
    pub name: &'static str,
    /// Contents.
    pub text: &'static str,
}

impl SltFile {
    /// The name it runs under, as a case: `slt::FILE`.
    pub fn case_name(&self) -> String {
        format!("slt::{}", self.name)
    }
}

/// The files in `conformance/slt/`, run by the harness on every transport:
/// three from SQLite's sqllogictest corpus (records unchanged, the files cut
/// down by whole records, see `slt/README.md`) and our own in both dialects
/// (the `.slt` one with the `slt` feature).
/// The larger corpus sample in `conformance/slt/corpus/` runs in its own test
/// target against the harness's recorded verdicts.
pub const BUNDLED: &[SltFile] = &[
    SltFile {
        name: "select1.test",
        text: include_str!("../../../slt/select1.test"),
    },
    SltFile {
        name: "in1.test",
        text: include_str!("../../../slt/in1.test"),
    },
    SltFile {
        name: "slt_lang_replace.test",
        text: include_str!("../../../slt/slt_lang_replace.test"),
    },
    SltFile {
        name: "sqlport_values.test",
        text: include_str!("../../../slt/sqlport_values.test"),
    },
    #[cfg(feature = "slt")]
    SltFile {
        name: "sqlport_basics.slt",
        text: include_str!("../../../slt/sqlport_basics.slt"),
    },
];

/// Which sqllogictest format a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite's original corpus format (one value per line).
    Sqlite,
    /// The `sqllogictest` crate's format (one row per line).
    Slt,
}

impl Dialect {
    /// `.test` files are SQLite's format, anything else the crate's.
    pub fn for_file(name: &str) -> Dialect {
        if name.ends_with(".test") {
            Dialect::Sqlite
        } else {
            Dialect::Slt
        }
    }
}

/// Most failures listed per file.
const MAX_FAILURES: usize = 10;

/// Run a script on `db`; `Ok(records run)` when every record passed.
pub fn run_script(
    db: &Database,
    name: &str,
    text: &str,
    dialect: Dialect,
) -> Result<usize, Failure> {
    match dialect {
        Dialect::Sqlite => {
            let verdict = run_corpus(db, text)?;
            let failures: Vec<String> = verdict
                .failed_records()
                .take(MAX_FAILURES)
                .map(|r| {
                    let text: Vec<String> = match &r.verdict {
                        corpus::Verdict::Failed(p) => p.iter().map(ToString::to_string).collect(),
                        _ => Vec::new(),
                    };
                    let sql = r.sql.lines().next().unwrap_or_default();
                    let sql = sql.get(..120).unwrap_or(sql);
                    format!("{name}:{}: {} [{sql}]", r.line, text.join("; "))
                })
                .collect();
            if failures.is_empty() {
                Ok(verdict.tests)
            } else {
                let total = verdict.failing_lines().len();
                let more = if total > failures.len() {
                    format!("\n(and {} more)", total - failures.len())
                } else {
                    String::new()
                };
                Err(Failure::msg(
                    format!("every record of {name} passes, as in SQLite's harness"),
                    format!("{}{more}", failures.join("\n")),
                ))
            }
        }
        Dialect::Slt => run_slt(db, name, text),
    }
}

/// Run a script in SQLite's corpus format on one connection of `db`, and
/// return the verdict on every record (see [`corpus`]).
pub fn run_corpus(db: &Database, text: &str) -> Result<corpus::ScriptVerdict, Failure> {
    let conn = db.connect().map_err(Failure::from)?;
    let mut engine = corpus::ConnectionEngine::new(conn)
        .map_err(|e| Failure::error(Some(corpus::CONNECTION_SETUP), &e))?;
    let verdict = corpus::run_script(&mut engine, text);
    let _ = engine.into_connection().close();
    Ok(verdict)
}

/// Without the `slt` feature the crate's format cannot be read: a clear
/// failure, not a silent pass.
#[cfg(not(feature = "slt"))]
fn run_slt(_db: &Database, name: &str, _text: &str) -> Result<usize, Failure> {
    Err(Failure::msg(
        format!("{name} runs"),
        "the sqllogictest crate's format (`.slt`) needs the `slt` feature of sqlport-conformance",
    ))
}

/// Names of the schema objects in `db`.
fn objects(db: &Database) -> Result<Vec<(String, String)>, Failure> {
    let mut conn = db.connect().map_err(Failure::from)?;
    let rs = conn
        .query(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
            (),
        )
        .map_err(|e| Failure::error(Some("SELECT type, name FROM sqlite_master"), &e))?;
    let mut out = Vec::new();
    for row in rs.rows {
        let ty: String = row.get(0).map_err(Failure::from)?;
        let name: String = row.get(1).map_err(Failure::from)?;
        out.push((ty, name));
    }
    Ok(out)
}

/// Drop what a script created (views and triggers first, then tables).
fn drop_new(db: &Database, before: &[(String, String)]) -> Result<(), Failure> {
    let after = objects(db)?;
    let mut conn = db.connect().map_err(Failure::from)?;
    for kind in ["view", "trigger", "table"] {
        for (ty, name) in after.iter().filter(|o| o.0 == kind && !before.contains(o)) {
            let sql = format!(
                "DROP {} IF EXISTS \"{}\"",
                ty.to_uppercase(),
                name.replace('"', "\"\"")
            );
            conn.execute(&sql, ())
                .map_err(|e| Failure::error(Some(&sql), &e))?;
        }
    }
    Ok(())
}

/// Run one script on a database of `subject` (cleaning up after it).
pub fn run_on_subject(subject: &Subject, name: &str, text: &str) -> Outcome {
    let fixture = match open(subject) {
        Ok(f) => f,
        Err(failed) => return failed,
    };
    let db = &fixture.database;
    outcome_of(|| {
        let before = objects(db)?;
        let result = run_script(db, name, text, Dialect::for_file(name));
        let cleanup = drop_new(db, &before);
        result?;
        cleanup
    })
}

/// Run a script in SQLite's corpus format on a database of `subject` (one
/// connection, as the harness uses) and return the verdict on every record;
/// what the script created is dropped afterwards.
pub fn run_corpus_on_subject(
    subject: &Subject,
    text: &str,
) -> Result<corpus::ScriptVerdict, Failure> {
    let fixture = subject
        .open()
        .map_err(|e| Failure::msg("the database opens", super::describe_error(&e)))?;
    let db = &fixture.database;
    let before = objects(db)?;
    let verdict = run_corpus(db, text);
    let cleanup = drop_new(db, &before);
    let verdict = verdict?;
    cleanup?;
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.slt` script: runs with the `slt` feature, and without it fails
    /// (never passes silently).
    #[test]
    fn the_crate_format_runs_only_with_the_slt_feature() {
        let db = Database::open(":memory:").unwrap();
        let script = "query I\nSELECT 1\n----\n1\n";
        let ran = run_script(&db, "t.slt", script, Dialect::for_file("t.slt"));
        if cfg!(feature = "slt") {
            assert_eq!(ran.unwrap(), 1);
        } else {
            assert!(ran.is_err());
        }
        let bundled_slt = BUNDLED
            .iter()
            .any(|f| Dialect::for_file(f.name) == Dialect::Slt);
        assert_eq!(bundled_slt, cfg!(feature = "slt"));
    }
}
