//! [`SltDb`]: the `sqllogictest` crate's [`DB`] trait over a sqlport
//! [`Connection`].

use std::sync::{Arc, Mutex};

use sqllogictest::{DB, DBOutput, DefaultColumnType};
use sqlport::blocking::Connection;
use sqlport::{Error, Type};

use super::format::format_value;

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
