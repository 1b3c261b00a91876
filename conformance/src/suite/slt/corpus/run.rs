//! Running a corpus script through an [`Engine`] and judging each record the
//! way SQLite's harness does in its verify mode.

use std::collections::HashMap;

use md5::{Digest, Md5};

use super::script::{Body, Query, Record, parse};

/// The engine name `skipif` / `onlyif` lines are compared with (without
/// regard to case), as SQLite's harness names its SQLite engine.
pub const ENGINE: &str = "SQLite";

/// The hash threshold before a script sets one (the harness's default).
pub const DEFAULT_HASH_THRESHOLD: i64 = 8;

/// A database a script runs against.
pub trait Engine {
    /// Run `sql` as `sqlite3_exec` does: every statement in it, in order,
    /// stopping at the first error (returned as a message).
    fn statement(&mut self, sql: &str) -> Result<(), String>;

    /// Run the first statement of `sql` and return its values, row after row,
    /// formatted by the type letters `types` (one per column). An error while
    /// stepping ends the rows (those already read are returned). `Err` when
    /// the statement does not compile or has another number of columns.
    fn query(&mut self, sql: &str, types: &str) -> Result<Vec<String>, String>;
}

/// What went wrong with a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `statement ok` failed (the engine's message).
    StatementFailed(String),
    /// `statement error` succeeded.
    StatementSucceeded,
    /// `statement` with something else than `ok` or `error`.
    BadStatementArgument(String),
    /// A type string with a letter other than `I`, `R`, `T`.
    BadTypeString(String),
    /// A `query` without a type string (the harness stops the script).
    MissingTypeString,
    /// The query did not compile, or had another number of columns.
    QueryFailed(String),
    /// A sort mode other than `nosort`, `rowsort`, `valuesort`.
    UnknownSort(String),
    /// The result's hash differs from an earlier result with the same label.
    LabelDisagrees(String),
    /// A value differs from the expected line.
    WrongValue {
        /// The expected line.
        expected: String,
        /// The value.
        got: String,
    },
    /// More values than expected lines.
    TooManyValues {
        /// Expected lines.
        expected: usize,
        /// Values.
        got: usize,
    },
    /// Fewer values than expected lines.
    TooFewValues {
        /// Expected lines.
        expected: usize,
        /// Values.
        got: usize,
    },
    /// The hash line differs.
    WrongHash {
        /// The expected line.
        expected: String,
        /// `N values hashing to MD5` of the values.
        got: String,
    },
    /// A record type the harness does not know (it stops the script).
    UnknownRecord(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::StatementFailed(e) => write!(f, "statement failed: {e}"),
            Problem::StatementSucceeded => {
                f.write_str("statement succeeded, an error was expected")
            }
            Problem::BadStatementArgument(a) => {
                write!(f, "statement argument {a:?} is not ok or error")
            }
            Problem::BadTypeString(t) => write!(f, "unknown type letter in {t:?}"),
            Problem::MissingTypeString => f.write_str("missing type string"),
            Problem::QueryFailed(e) => write!(f, "query failed: {e}"),
            Problem::UnknownSort(s) => write!(f, "unknown sort method {s:?}"),
            Problem::LabelDisagrees(l) => {
                write!(f, "result of {l} does not agree with earlier values")
            }
            Problem::WrongValue { expected, got } => write!(f, "expected [{expected}] got [{got}]"),
            Problem::TooManyValues { expected, got } => {
                write!(f, "too many values: expected {expected} got {got}")
            }
            Problem::TooFewValues { expected, got } => {
                write!(f, "too few values: expected {expected} got {got}")
            }
            Problem::WrongHash { expected, got } => write!(f, "expected [{expected}] got [{got}]"),
            Problem::UnknownRecord(r) => write!(f, "unknown record type {r:?}"),
        }
    }
}

/// The verdict on one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It ran and agreed (or it needs no running: `hash-threshold`, `halt`).
    Passed,
    /// It ran (or was checked) and did not agree.
    Failed(Vec<Problem>),
    /// A `skipif` / `onlyif` condition left it out.
    Skipped,
}

/// One record's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordVerdict {
    /// The line of the record (its `statement` / `query` / ... line).
    pub line: usize,
    /// The record's first token (`statement`, `query`, `hash-threshold`, ...).
    pub kind: String,
    /// Its SQL (empty for records without).
    pub sql: String,
    /// The verdict.
    pub verdict: Verdict,
}

/// The verdicts on a script, in the terms of the harness's summary line
/// (`N errors out of TESTS tests in FILE - SKIPPED skipped.`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptVerdict {
    /// Every record seen, in order (the script may have stopped early).
    pub records: Vec<RecordVerdict>,
    /// Statements and queries that ran.
    pub tests: usize,
    /// Records a condition left out.
    pub skipped: usize,
}

impl ScriptVerdict {
    /// Lines of the records that failed, in order.
    pub fn failing_lines(&self) -> Vec<usize> {
        self.records
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Failed(_)))
            .map(|r| r.line)
            .collect()
    }

    /// The failed records with their problems.
    pub fn failures(&self) -> impl Iterator<Item = (usize, &[Problem])> {
        self.failed_records().map(|r| match &r.verdict {
            Verdict::Failed(p) => (r.line, p.as_slice()),
            _ => (r.line, &[][..]),
        })
    }

    /// The failed records.
    pub fn failed_records(&self) -> impl Iterator<Item = &RecordVerdict> {
        self.records
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Failed(_)))
    }
}

/// Judges records one after the other, keeping what the harness keeps
/// between them: the hash threshold and the labels' hashes.
struct Judge<'e> {
    engine: &'e mut dyn Engine,
    threshold: i64,
    labels: HashMap<String, String>,
    out: ScriptVerdict,
}

/// What to do after a record.
enum Flow {
    Continue,
    Stop,
}

/// Run every record of `text` through `engine`, as SQLite's harness in
/// verify mode would.
pub fn run_script(engine: &mut dyn Engine, text: &str) -> ScriptVerdict {
    let mut judge = Judge {
        engine,
        threshold: DEFAULT_HASH_THRESHOLD,
        labels: HashMap::new(),
        out: ScriptVerdict::default(),
    };
    for record in parse(text) {
        if let Flow::Stop = judge.record(&record) {
            break;
        }
    }
    judge.out
}

/// MD5 of the values, each followed by a newline, in lowercase hex.
fn values_hash<S: AsRef<str>>(values: &[S]) -> String {
    let mut md5 = Md5::new();
    for v in values {
        md5.update(v.as_ref().as_bytes());
        md5.update(b"\n");
    }
    md5.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash in `N values hashing to HASH` (the harness reads it with
/// `sscanf("%*d values hashing to %32s")`).
fn hash_of_line(line: &str) -> Option<&str> {
    let mut words = line.split_ascii_whitespace();
    let count = words.next()?;
    let digits = count.strip_prefix(['-', '+']).unwrap_or(count);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if (words.next()?, words.next()?, words.next()?) != ("values", "hashing", "to") {
        return None;
    }
    let hash = words.next()?;
    Some(hash.get(..32).unwrap_or(hash))
}

/// The part of a label the harness keys its table by.
fn label_key(label: &str) -> &str {
    label.get(..20).unwrap_or(label)
}

impl Judge<'_> {
    fn push(&mut self, record: &Record, kind: &str, verdict: Verdict) {
        let sql = match &record.body {
            Body::Statement { sql, .. } => sql.clone(),
            Body::Query(q) => q.sql.clone(),
            _ => String::new(),
        };
        self.out.records.push(RecordVerdict {
            line: record.line,
            kind: kind.to_owned(),
            sql,
            verdict,
        });
    }

    /// Store the first hash seen for `label`; `false` when a later one differs.
    fn label_agrees(&mut self, label: &str, hash: &str) -> bool {
        let key = label_key(label).to_owned();
        match self.labels.get(&key) {
            Some(first) => first == hash,
            None => {
                self.labels.insert(key, hash.to_owned());
                true
            }
        }
    }

    fn record(&mut self, record: &Record) -> Flow {
        let kind = match &record.body {
            Body::Statement { .. } => "statement",
            Body::Query(_) => "query",
            Body::HashThreshold(_) => "hash-threshold",
            Body::Halt => "halt",
            Body::Unknown(k) => k.as_str(),
        };
        if !record.applies_to(ENGINE) {
            self.out.skipped += 1;
            let verdict = match &record.body {
                Body::Query(q) if !q.label.is_empty() => self.skipped_label(q),
                _ => Verdict::Skipped,
            };
            self.push(record, kind, verdict);
            return Flow::Continue;
        }
        match &record.body {
            Body::Statement { expect, sql } => {
                let verdict = self.statement(expect, sql);
                self.push(record, kind, verdict);
                Flow::Continue
            }
            Body::Query(q) => {
                let (verdict, flow) = self.query(q);
                self.push(record, kind, verdict);
                flow
            }
            Body::HashThreshold(n) => {
                self.threshold = *n;
                self.push(record, kind, Verdict::Passed);
                Flow::Continue
            }
            Body::Halt => {
                self.push(record, kind, Verdict::Passed);
                Flow::Stop
            }
            Body::Unknown(k) => {
                let verdict = Verdict::Failed(vec![Problem::UnknownRecord(k.clone())]);
                self.push(record, kind, verdict);
                Flow::Stop
            }
        }
    }

    /// A skipped query with a label: its expected results still have to
    /// agree with the label's other results.
    fn skipped_label(&mut self, q: &Query) -> Verdict {
        let expected = if q.separator {
            q.expected.as_slice()
        } else {
            &[]
        };
        let Some(first) = expected.first() else {
            return Verdict::Skipped;
        };
        let hash = match hash_of_line(first) {
            Some(h) => h.to_owned(),
            None => values_hash(expected),
        };
        if self.label_agrees(&q.label, &hash) {
            Verdict::Skipped
        } else {
            Verdict::Failed(vec![Problem::LabelDisagrees(q.label.clone())])
        }
    }

    fn statement(&mut self, expect: &str, sql: &str) -> Verdict {
        let result = self.engine.statement(sql);
        self.out.tests += 1;
        match (expect, result) {
            ("ok", Ok(())) => Verdict::Passed,
            ("ok", Err(e)) => Verdict::Failed(vec![Problem::StatementFailed(e)]),
            ("error", Ok(())) => Verdict::Failed(vec![Problem::StatementSucceeded]),
            ("error", Err(_)) => Verdict::Passed,
            (other, _) => Verdict::Failed(vec![Problem::BadStatementArgument(other.to_owned())]),
        }
    }

    fn query(&mut self, q: &Query) -> (Verdict, Flow) {
        if q.types.is_empty() {
            return (
                Verdict::Failed(vec![Problem::MissingTypeString]),
                Flow::Stop,
            );
        }
        if !q.types.bytes().all(|c| matches!(c, b'I' | b'R' | b'T')) {
            return (
                Verdict::Failed(vec![Problem::BadTypeString(q.types.clone())]),
                Flow::Continue,
            );
        }
        let result = self.engine.query(&q.sql, &q.types);
        self.out.tests += 1;
        let mut values = match result {
            Ok(v) => v,
            Err(e) => {
                return (
                    Verdict::Failed(vec![Problem::QueryFailed(e)]),
                    Flow::Continue,
                );
            }
        };
        let mut problems = Vec::new();
        match q.sort.as_str() {
            "" | "nosort" => {}
            "rowsort" => {
                let width = q.types.len().max(1);
                let mut rows: Vec<Vec<String>> =
                    values.chunks(width).map(<[String]>::to_vec).collect();
                rows.sort();
                values = rows.into_iter().flatten().collect();
            }
            "valuesort" => values.sort(),
            other => problems.push(Problem::UnknownSort(other.to_owned())),
        }
        let hash = values_hash(&values);
        if !q.label.is_empty() && !self.label_agrees(&q.label, &hash) {
            problems.push(Problem::LabelDisagrees(q.label.clone()));
        }
        let n = i64::try_from(values.len()).unwrap_or(i64::MAX);
        if self.threshold == 0 || n <= self.threshold {
            compare_lines(&q.expected, &values, &mut problems);
        } else {
            let line = format!("{} values hashing to {hash}", values.len());
            let expected = q.expected.first().map(String::as_str).unwrap_or_default();
            if expected != line {
                problems.push(Problem::WrongHash {
                    expected: expected.to_owned(),
                    got: line,
                });
            }
        }
        let verdict = if problems.is_empty() {
            Verdict::Passed
        } else {
            Verdict::Failed(problems)
        };
        (verdict, Flow::Continue)
    }
}

/// Compare the values with the expected lines, one by one.
fn compare_lines(expected: &[String], values: &[String], problems: &mut Vec<Problem>) {
    for (e, v) in expected.iter().zip(values) {
        if e != v {
            problems.push(Problem::WrongValue {
                expected: e.clone(),
                got: v.clone(),
            });
        }
    }
    if values.len() > expected.len() {
        problems.push(Problem::TooManyValues {
            expected: expected.len(),
            got: values.len(),
        });
    } else if expected.len() > values.len() {
        problems.push(Problem::TooFewValues {
            expected: expected.len(),
            got: values.len(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An engine answering from a table of SQL → result.
    struct Canned(Vec<(&'static str, Result<Vec<&'static str>, &'static str>)>);

    impl Engine for Canned {
        fn statement(&mut self, sql: &str) -> Result<(), String> {
            match self.0.iter().find(|(s, _)| *s == sql) {
                Some((_, Err(e))) => Err((*e).to_owned()),
                _ => Ok(()),
            }
        }

        fn query(&mut self, sql: &str, _types: &str) -> Result<Vec<String>, String> {
            match self.0.iter().find(|(s, _)| *s == sql) {
                Some((_, Ok(v))) => Ok(v.iter().map(|s| (*s).to_owned()).collect()),
                Some((_, Err(e))) => Err((*e).to_owned()),
                None => Err("no such query".into()),
            }
        }
    }

    #[test]
    fn verdicts_like_the_harness() {
        let mut engine = Canned(vec![
            ("BAD", Err("syntax error")),
            ("Q1", Ok(vec!["2", "1"])),
            ("Q2", Ok(vec!["1", "2", "3", "4", "5", "6", "7", "8", "9"])),
            ("Q3", Ok(vec!["x"])),
        ]);
        let text = "statement ok\nGOOD\n\nstatement error\nBAD\n\nstatement ok\nBAD\n\n\
                    query I rowsort\nQ1\n----\n1\n2\n\nquery I nosort\nQ1\n----\n1\n2\n\n\
                    query I nosort\nQ2\n----\n9 values hashing to {h}\n\n\
                    query T nosort label-a\nQ3\n----\nx\n\n\
                    skipif sqlite\nquery T nosort label-a\nQ3\n----\ny\n\n\
                    onlyif mysql\nhalt\n\nquery X\nQ3\n----\n\nhalt\n\nstatement ok\nNEVER\n";
        let h = values_hash(&["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        let verdict = run_script(&mut engine, &text.replace("{h}", &h));
        assert_eq!(verdict.tests, 7);
        assert_eq!(verdict.skipped, 2);
        let lines = verdict.failing_lines();
        // `statement ok` of BAD, nosort Q1, the skipped label disagreeing, query X.
        assert_eq!(lines, vec![7, 16, 33, 41], "{verdict:#?}");
        assert_eq!(
            verdict.records.last().map(|r| r.kind.as_str()),
            Some("halt")
        );
    }

    #[test]
    fn hash_lines() {
        assert_eq!(hash_of_line("30 values hashing to 3c13"), Some("3c13"));
        assert_eq!(hash_of_line("30 values hashing"), None);
        assert_eq!(
            values_hash(&["1", "a", "2", "b"]),
            values_hash(&["1", "a", "2", "b"])
        );
    }
}
