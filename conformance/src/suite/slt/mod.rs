//! sqllogictest files through any transport, with the `sqllogictest` crate
//! (its [`DB`](sqllogictest::DB) trait is implemented by [`SltDb`] over a
//! sqlport connection).
//!
//! Two dialects:
//!
//! - [`Dialect::Slt`] (files not ending in `.test`): the crate's own format,
//!   one result row per line, values separated by spaces.
//! - [`Dialect::Sqlite`] (files ending in `.test`): SQLite's original corpus
//!   format, unchanged: one value per line, `hash-threshold` and
//!   `N values hashing to MD5`, `rowsort`/`valuesort`/`nosort`, values
//!   formatted by the column type letters (`I` as `%d`, `R` as `%.3f`, `T` as
//!   text), `NULL`, `(empty)`, and `onlyif`/`skipif` (this engine is `sqlite`)
//!   including lines with a trailing `# comment` and conditional `halt`.
//!
//! Objects a script creates are dropped afterwards, so a file can run through
//! several transports sharing one database.

mod db;
pub mod format;
mod preprocess;

use std::sync::{Arc, Mutex};

use sqllogictest::{DefaultColumnType, QueryExpect, Record, Runner, default_validator};
use sqlport::blocking::Database;

pub use db::{SltDb, TypeHint};
pub use preprocess::{ENGINE, preprocess};

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
/// three from SQLite's sqllogictest corpus (public domain; records are
/// unchanged, the files are cut down, see `slt/README.md`) and our own in both
/// dialects.
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

/// SQLite's layout: the values of all rows, one per line; an expected
/// `N values hashing to MD5` line is compared with the hash of the values
/// (each followed by a newline), as SQLite's runner does whatever the
/// threshold.
fn value_wise_validator(
    normalizer: sqllogictest::Normalizer,
    actual: &[Vec<String>],
    expected: &[String],
) -> bool {
    let flat: Vec<&String> = actual.iter().flatten().collect();
    if let [line] = expected {
        if let Some((count, hash)) = hash_line(line) {
            if let [only] = flat.as_slice() {
                if only.trim() == line.trim() {
                    return true;
                }
            }
            return count == flat.len() && hash == values_hash(&flat);
        }
    }
    let flat: Vec<String> = flat.into_iter().map(normalizer).collect();
    let expected: Vec<String> = expected.iter().map(normalizer).collect();
    flat == expected
}

/// Parse `N values hashing to MD5`.
fn hash_line(line: &str) -> Option<(usize, String)> {
    let mut words = line.split_whitespace();
    let count = words.next()?.parse().ok()?;
    if (words.next()?, words.next()?, words.next()?) != ("values", "hashing", "to") {
        return None;
    }
    let hash = words.next()?.to_ascii_lowercase();
    words.next().is_none().then_some((count, hash))
}

/// MD5 of the values, each followed by a newline (lowercase hex).
fn values_hash(values: &[&String]) -> String {
    use md5::{Digest, Md5};
    let mut md5 = Md5::new();
    for v in values {
        md5.update(v.as_bytes());
        md5.update(b"\n");
    }
    md5.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Most failures listed per file.
const MAX_FAILURES: usize = 10;

/// Run a script on `db`; `Ok(records)` when every record passed.
pub fn run_script(
    db: &Database,
    name: &str,
    text: &str,
    dialect: Dialect,
) -> Result<usize, Failure> {
    let script = preprocess(text);
    let records = sqllogictest::parse_with_name::<DefaultColumnType>(&script, name)
        .map_err(|e| Failure::msg(format!("{name} parses"), e.to_string()))?;
    let hint: TypeHint = Arc::new(Mutex::new(Vec::new()));
    let make_db = db.clone();
    let make_hint = hint.clone();
    let mut runner = Runner::new(move || {
        let made = make_db
            .connect()
            .map(|conn| SltDb::new(conn, make_hint.clone()));
        std::future::ready(made)
    });
    runner.with_validator(match dialect {
        Dialect::Sqlite => value_wise_validator,
        Dialect::Slt => default_validator,
    });
    let mut failures = Vec::new();
    let mut ran = 0;
    for record in records {
        let types: Vec<char> = match &record {
            Record::Halt { .. } => break,
            Record::Query {
                expected: QueryExpect::Results { types, .. },
                ..
            } => types
                .iter()
                .map(sqllogictest::ColumnType::to_char)
                .collect(),
            _ => Vec::new(),
        };
        if let Ok(mut h) = hint.lock() {
            *h = types;
        }
        ran += 1;
        if let Err(e) = runner.run(record) {
            failures.push(e.display(false).to_string());
            if failures.len() >= MAX_FAILURES {
                failures.push("(stopped after 10 failures)".into());
                break;
            }
        }
    }
    runner.shutdown();
    if failures.is_empty() {
        Ok(ran)
    } else {
        Err(Failure::msg(
            format!("every record of {name} passes, as on plain SQLite"),
            failures.join("\n"),
        ))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|r| r.iter().map(|s| (*s).to_owned()).collect())
            .collect()
    }

    #[test]
    fn value_wise_layout_and_hashes() {
        let n = sqllogictest::default_normalizer;
        let actual = rows(&[&["1", "a"], &["2", "b"]]);
        let lines = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(value_wise_validator(
            n,
            &actual,
            &lines(&["1", "a", "2", "b"])
        ));
        assert!(!value_wise_validator(n, &actual, &lines(&["1 a", "2 b"])));
        // md5("1\na\n2\nb\n")
        let hash = values_hash(
            &["1", "a", "2", "b"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>()
                .iter()
                .collect::<Vec<_>>(),
        );
        assert!(value_wise_validator(
            n,
            &actual,
            &[format!("4 values hashing to {hash}")]
        ));
        assert!(!value_wise_validator(
            n,
            &actual,
            &[format!("5 values hashing to {hash}")]
        ));
        assert!(!value_wise_validator(
            n,
            &actual,
            &["4 values hashing to 00000000000000000000000000000000".to_owned()]
        ));
        assert_eq!(
            hash_line("30 values hashing to 3C13"),
            Some((30, "3c13".to_owned()))
        );
        assert_eq!(hash_line("30 values hashing"), None);
    }
}
