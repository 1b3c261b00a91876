//! [`SltDb`]: the `sqllogictest` crate's [`DB`] trait over a sqlport
//! [`Connection`].

use std::sync::{Arc, Mutex};

use sqllogictest::{
    DB, DBOutput, DefaultColumnType, QueryExpect, Record, Runner, default_validator,
};
use sqlport::blocking::{Connection, Database};
use sqlport::{Error, Type};

use super::MAX_FAILURES;
use super::format::format_value;
use crate::suite::check::Failure;

/// The column type letters of the `query` record being run, shared between the
/// driver (which knows them) and the connections (which format values).
pub type TypeHint = Arc<Mutex<Vec<char>>>;

/// A sqllogictest database over one sqlport connection. Its engine name is
/// `sqlite`, so `onlyif sqlite` records run and `skipif sqlite` ones do not.
pub struct SltDb {
    conn: Connection,
    hint: TypeHint,
}

impl std::fmt::Debug for SltDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SltDb")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl SltDb {
    /// Wrap a connection. Values are formatted by the type letters in `hint`
    /// (by storage class where there is none).
    pub fn new(conn: Connection, hint: TypeHint) -> SltDb {
        SltDb { conn, hint }
    }
}

fn column_type(t: Type) -> DefaultColumnType {
    match t {
        Type::Integer => DefaultColumnType::Integer,
        Type::Real => DefaultColumnType::FloatingPoint,
        Type::Text => DefaultColumnType::Text,
        Type::Null | Type::Blob => DefaultColumnType::Any,
    }
}

impl DB for SltDb {
    type Error = Error;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, Error> {
        let rs = self.conn.query(sql, ())?;
        if rs.columns.is_empty() {
            return Ok(DBOutput::StatementComplete(rs.rows_affected));
        }
        let hint = self.hint.lock().map(|h| h.clone()).unwrap_or_default();
        let types = match rs.rows.first() {
            Some(row) => row
                .values()
                .iter()
                .map(|v| column_type(v.value_type()))
                .collect(),
            None => vec![DefaultColumnType::Any; rs.columns.len()],
        };
        let rows = rs
            .rows
            .iter()
            .map(|row| {
                row.values()
                    .iter()
                    .enumerate()
                    .map(|(i, v)| format_value(v, hint.get(i).copied()))
                    .collect()
            })
            .collect();
        Ok(DBOutput::Rows { types, rows })
    }

    fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "sqlite"
    }
}

/// Run a script in the `sqllogictest` crate's format.
pub(super) fn run_slt(db: &Database, name: &str, text: &str) -> Result<usize, Failure> {
    let records = sqllogictest::parse_with_name::<DefaultColumnType>(text, name)
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
    runner.with_validator(default_validator);
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
            format!("every record of {name} passes"),
            failures.join("\n"),
        ))
    }
}
