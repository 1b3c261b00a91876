//! Reading a file of SQLite's sqllogictest corpus into [`Record`]s, with the
//! line rules of SQLite's own harness:
//!
//! - a `\r` at the end of a line is dropped; a line of only whitespace is
//!   blank; a line starting with `#` is a comment and is skipped wherever it
//!   is (it neither ends a record nor belongs to one);
//! - a record is a run of non-blank lines; its first lines may be `skipif
//!   ENGINE` / `onlyif ENGINE` conditions, then comes the record's own line,
//!   whose first four words are its tokens (`query TYPES SORT LABEL`);
//! - a `statement` record's SQL is all its remaining lines; a `query`
//!   record's SQL runs up to a `----` line, and its expected results are the
//!   lines after it.

/// A condition line: `skipif ENGINE` (`only` false) or `onlyif ENGINE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// `onlyif` (true) or `skipif` (false).
    pub only: bool,
    /// The engine named (compared without regard to case).
    pub engine: String,
}

/// What a record is, from its first token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `statement ok|error`: `expect` is the second token as written.
    Statement {
        /// `ok`, `error` or anything else (which the harness reports).
        expect: String,
        /// The SQL: every further line of the record, joined with `\n`.
        sql: String,
    },
    /// `query TYPES [SORT] [LABEL]`.
    Query(Query),
    /// `hash-threshold N` (N read like C's `atoi`).
    HashThreshold(i64),
    /// `halt`.
    Halt,
    /// Any other first token (empty when the record held only conditions).
    Unknown(String),
}

/// A `query` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The type letters (`I`, `R`, `T`, one per column) as written.
    pub types: String,
    /// `nosort`, `rowsort`, `valuesort` or empty.
    pub sort: String,
    /// The label (`label-N`), or empty.
    pub label: String,
    /// The SQL: the lines up to `----`, joined with `\n`.
    pub sql: String,
    /// The lines the results are compared with: the lines after `----`; for
    /// a record without `----`, the harness compares with its last SQL line.
    pub expected: Vec<String>,
    /// Whether the record has a `----` line.
    pub separator: bool,
}

/// One record of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based line number of the record's own line (after its conditions),
    /// as the harness reports it.
    pub line: usize,
    /// The `skipif` / `onlyif` lines before it.
    pub conditions: Vec<Condition>,
    /// What it is.
    pub body: Body,
}

impl Record {
    /// Whether the record applies to `engine` (every `onlyif` names it, no
    /// `skipif` does).
    pub fn applies_to(&self, engine: &str) -> bool {
        self.conditions
            .iter()
            .all(|c| c.engine.eq_ignore_ascii_case(engine) == c.only)
    }
}

/// A line of the file that is neither blank nor a comment.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    number: usize,
    text: &'a str,
}

/// The first four whitespace-separated words of `line` (missing ones empty).
pub(crate) fn tokens(line: &str) -> [&str; 4] {
    let mut out = [""; 4];
    for (slot, word) in out.iter_mut().zip(line.split_ascii_whitespace()) {
        *slot = word;
    }
    out
}

/// The records of `text`, in order.
pub fn parse(text: &str) -> Vec<Record> {
    let mut records = Vec::new();
    let mut group: Vec<Line<'_>> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.starts_with('#') {
            continue;
        }
        if line
            .trim_matches(|c: char| c.is_ascii_whitespace())
            .is_empty()
        {
            if !group.is_empty() {
                records.push(record(&group));
                group.clear();
            }
            continue;
        }
        group.push(Line {
            number: i + 1,
            text: line,
        });
    }
    if !group.is_empty() {
        records.push(record(&group));
    }
    records
}

/// One record from its lines (at least one).
fn record(lines: &[Line<'_>]) -> Record {
    let mut conditions = Vec::new();
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        let [word, engine, ..] = tokens(line.text);
        let only = match word {
            "onlyif" => true,
            "skipif" => false,
            _ => break,
        };
        conditions.push(Condition {
            only,
            engine: engine.to_owned(),
        });
        i += 1;
    }
    let Some(head) = lines.get(i) else {
        // Only conditions: the harness reads the blank line after them.
        let line = lines.last().map_or(0, |l| l.number + 1);
        return Record {
            line,
            conditions,
            body: Body::Unknown(String::new()),
        };
    };
    let rest = lines.get(i + 1..).unwrap_or_default();
    let [kind, second, third, fourth] = tokens(head.text);
    let body = match kind {
        "statement" => Body::Statement {
            expect: second.to_owned(),
            sql: join(rest),
        },
        "query" => Body::Query(query(second, third, fourth, rest)),
        "hash-threshold" => Body::HashThreshold(leading_number(second)),
        "halt" => Body::Halt,
        other => Body::Unknown(other.to_owned()),
    };
    Record {
        line: head.number,
        conditions,
        body,
    }
}

fn query(types: &str, sort: &str, label: &str, rest: &[Line<'_>]) -> Query {
    let split = rest.iter().position(|l| l.text == "----");
    let (sql_lines, expected) = match split {
        Some(at) => (
            rest.get(..at).unwrap_or_default(),
            rest.get(at + 1..)
                .unwrap_or_default()
                .iter()
                .map(|l| l.text.to_owned())
                .collect(),
        ),
        None => (
            rest,
            rest.last().map(|l| l.text.to_owned()).into_iter().collect(),
        ),
    };
    Query {
        types: types.to_owned(),
        sort: sort.to_owned(),
        label: label.to_owned(),
        sql: join(sql_lines),
        expected,
        separator: split.is_some(),
    }
}

fn join(lines: &[Line<'_>]) -> String {
    let texts: Vec<&str> = lines.iter().map(|l| l.text).collect();
    texts.join("\n")
}

/// The number at the start of `s`, as C's `atoi` reads it (0 when none).
fn leading_number(s: &str) -> i64 {
    let (sign, digits) = match s.as_bytes().first() {
        Some(b'-') => (-1, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        _ => (1, s),
    };
    let digits: String = digits.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<i64>().map_or(0, |n| sign * n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_conditions_and_comments() {
        let text = "hash-threshold 8\n\n# a comment\nstatement ok\nCREATE TABLE t(x)\n# inside\nINSERT INTO t VALUES(1);\r\n   \nskipif mysql # why\nonlyif sqlite\nquery IT rowsort label-1\nSELECT x,\n'a' FROM t\n----\n1\na\n\nhalt\n";
        let records = parse(text);
        assert_eq!(records.len(), 4);
        assert_eq!(records[0].body, Body::HashThreshold(8));
        assert_eq!(
            records[1].body,
            Body::Statement {
                expect: "ok".into(),
                sql: "CREATE TABLE t(x)\nINSERT INTO t VALUES(1);".into()
            }
        );
        assert_eq!(records[1].line, 4);
        let q = &records[2];
        assert_eq!(q.line, 11);
        assert_eq!(q.conditions.len(), 2);
        assert!(q.applies_to("SQLite"));
        assert!(!q.applies_to("mysql"));
        match &q.body {
            Body::Query(query) => {
                assert_eq!(query.types, "IT");
                assert_eq!(query.sort, "rowsort");
                assert_eq!(query.label, "label-1");
                assert_eq!(query.sql, "SELECT x,\n'a' FROM t");
                assert_eq!(query.expected, vec!["1", "a"]);
                assert!(query.separator);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(records[3].body, Body::Halt);
    }

    #[test]
    fn odd_records() {
        let records = parse("skipif sqlite\n\nquery I\nSELECT 1\n\nfrobnicate\n");
        assert_eq!(records[0].body, Body::Unknown(String::new()));
        assert_eq!(records[0].line, 2);
        match &records[1].body {
            Body::Query(q) => {
                assert!(!q.separator);
                assert_eq!(q.expected, vec!["SELECT 1"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(records[2].body, Body::Unknown("frobnicate".into()));
    }
}
