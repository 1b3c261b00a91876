//! Running one statement on a rusqlite connection.

use std::ops::ControlFlow;
use std::sync::Arc;

use rusqlite::types::ValueRef as SqlValueRef;
use rusqlite::{CachedStatement, Connection};
use sqlport_core::error::ConversionError;
use sqlport_core::sql;
use sqlport_core::{Column, Error, Result, Row, RowSink, Statement, Summary, Value, codes};

use crate::bind::bind;
use crate::error::map_error;

/// Prepare exactly one statement (through the statement cache).
///
/// Blank SQL is [`Error::NoStatement`]; anything but whitespace, comments and
/// `;` after the first statement is [`Error::MultipleStatements`], even when
/// that rest would not compile. SQL containing a NUL character is refused as a
/// SQLite `SQLITE_ERROR` (SQLite would silently ignore everything after it).
pub(crate) fn prepare<'c>(conn: &'c Connection, sql: &str) -> Result<CachedStatement<'c>> {
    if sql::is_blank(sql) {
        return Err(Error::NoStatement(truncate(sql)));
    }
    if sql.contains('\0') {
        return Err(Error::sqlite(
            codes::SQLITE_ERROR,
            Some(codes::SQLITE_ERROR),
            "the SQL text contains a NUL character (bind text with NUL as a parameter)",
        ));
    }
    match conn.prepare_cached(sql) {
        Ok(stmt) => Ok(stmt),
        Err(rusqlite::Error::MultipleStatement) => Err(multiple(sql)),
        Err(err) => {
            // rusqlite also compiles the tail; find out whether the failure
            // came from the first statement or from a second one. Only a
            // second statement that exists (compiling or not) makes this
            // "multiple statements": a transient failure of the first one
            // (SQLITE_BUSY while reading the schema, say) that has gone by now
            // must still be reported as itself.
            use rusqlite::fallible_iterator::FallibleIterator;
            let mut statements = rusqlite::Batch::new(conn, sql);
            match statements.next() {
                Ok(Some(_)) => match statements.next() {
                    Ok(None) => Err(map_error(err)),
                    Ok(Some(_)) | Err(_) => Err(multiple(sql)),
                },
                Ok(None) => Err(Error::NoStatement(truncate(sql))),
                Err(_) => Err(map_error(err)),
            }
        }
    }
}

fn multiple(sql: &str) -> Error {
    Error::MultipleStatements(truncate(sql))
}

/// The SQL text for an error message (bounded).
fn truncate(sql: &str) -> String {
    const MAX: usize = 200;
    if sql.len() <= MAX {
        return sql.to_owned();
    }
    let mut end = MAX;
    while !sql.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", sql.get(..end).unwrap_or(""))
}

/// The result columns of a prepared statement.
pub(crate) fn columns(stmt: &rusqlite::Statement<'_>) -> Vec<Column> {
    stmt.columns()
        .iter()
        .map(|c| Column::new(c.name(), c.decl_type().map(str::to_owned)))
        .collect()
}

/// Run one statement, streaming its rows into `sink`.
pub(crate) fn run(conn: &Connection, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
    tracing::debug!(sql = %stmt.sql, "sqlport-local: statement");
    let sql: &str = &stmt.sql;
    let mut prepared = prepare(conn, sql)?;
    bind(&mut prepared, &stmt.params)?;
    let cols: Arc<[Column]> = columns(&prepared).into();
    sink.columns(&cols)?;
    let width = cols.len();
    {
        let mut rows = prepared.raw_query();
        while let Some(row) = rows.next().map_err(map_error)? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                let v = row.get_ref(i).map_err(map_error)?;
                values.push(to_value(v, i, &cols)?);
            }
            if let ControlFlow::Break(()) = sink.row(Row::new(cols.clone(), values)?)? {
                break;
            }
        }
    }
    let kind = sql::classify(sql);
    Ok(Summary {
        columns: cols,
        rows_affected: if kind.is_dml() { conn.changes() } else { 0 },
        last_insert_rowid: kind.reports_rowid().then(|| conn.last_insert_rowid()),
    })
}

/// Run one statement that returns no rows we care about (transaction control).
pub(crate) fn run_simple(conn: &Connection, sql: &str) -> Result<()> {
    tracing::debug!(sql, "sqlport-local: statement");
    conn.execute_batch(sql).map_err(map_error)
}

fn to_value(v: SqlValueRef<'_>, col: usize, cols: &[Column]) -> Result<Value> {
    Ok(match v {
        SqlValueRef::Null => Value::Null,
        SqlValueRef::Integer(i) => Value::Integer(i),
        SqlValueRef::Real(r) => Value::Real(r),
        SqlValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
            Ok(s) => Value::Text(s.to_owned()),
            Err(e) => {
                let name = cols.get(col).map(|c| c.name.as_str()).unwrap_or("");
                return Err(Error::conversion(
                    Some(format!("column {col} ({name:?})")),
                    ConversionError::Other(Box::new(e)),
                ));
            }
        },
        SqlValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("SELECT 1"), "SELECT 1");
        let long = "é".repeat(150);
        let t = truncate(&long);
        assert!(t.ends_with("..."));
        assert!(t.len() <= 203);
    }
}
