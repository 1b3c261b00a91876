//! Running one statement on a rusqlite connection.

use std::ops::ControlFlow;
use std::sync::Arc;

use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::types::ValueRef as SqlValueRef;
use rusqlite::{CachedStatement, Connection};
use sqlport_core::error::ConversionError;
use sqlport_core::sql::{self, StatementKind};
use sqlport_core::{
    Column, Error, ParamsRef, Result, Row, RowRef, RowSink, Statement, Summary, Value, ValueRef,
    codes,
};

use crate::bind::bind;
use crate::error::map_error;
use crate::meta::{MetaCache, StmtInfo};

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

/// Prepare `sql` through the statement cache; when `checked` (the text ran
/// here before), the blank/NUL checks of [`prepare`] are skipped.
pub(crate) fn prepare_known<'c>(
    conn: &'c Connection,
    sql: &str,
    checked: bool,
) -> Result<CachedStatement<'c>> {
    if checked {
        match conn.prepare_cached(sql) {
            Ok(stmt) => return Ok(stmt),
            // Errors are reported exactly as a first preparation reports them.
            Err(_) => return prepare(conn, sql),
        }
    }
    prepare(conn, sql)
}

/// Run one statement, streaming its rows into `sink`; also returns the
/// statement's kind.
pub(crate) fn run(
    conn: &Connection,
    meta: &mut MetaCache,
    stmt: &Statement,
    sink: &mut dyn RowSink,
) -> Result<(Summary, StatementKind)> {
    tracing::debug!(sql = %stmt.sql, "sqlport-local: statement");
    let hit = meta.find(&stmt.sql);
    let mut prepared = prepare_known(conn, &stmt.sql, hit.is_some())?;
    let idx = meta.refresh(&stmt.sql, hit, &prepared);
    run_bound(
        conn,
        &mut prepared,
        meta.get_mut(idx),
        ParamsRef::Params(&stmt.params),
        sink,
    )
}

/// Bind `params` to `prepared` (whose current [`StmtInfo`] is `info`) and
/// run it, streaming its rows into `sink`; also returns the statement's kind.
/// The statement is reset afterwards, its bindings left in place.
pub(crate) fn run_bound(
    conn: &Connection,
    prepared: &mut rusqlite::Statement<'_>,
    info: &mut StmtInfo,
    params: ParamsRef<'_>,
    sink: &mut dyn RowSink,
) -> Result<(Summary, StatementKind)> {
    bind(prepared, params, &info.names, info.any_named)?;
    let kind = info.kind;
    let mut cols = None;
    {
        let mut rows = prepared.raw_query();
        // The first step re-prepares a statement whose schema changed (its
        // columns may change with it), so the columns are read after it.
        let mut current = match rows.next().map(|r| r.is_some()) {
            Ok(current) => current,
            Err(e) => {
                // The first step failed: the caller still gets the columns
                // before the error, as when a later step fails (the rows
                // before the error, none here, are the caller's).
                if let Some(st) = rows.as_ref() {
                    info.after_first_step(st);
                }
                sink.columns(&info.columns)?;
                return Err(map_error(e));
            }
        };
        if current {
            if let Some(st) = rows.as_ref() {
                info.after_first_step(st);
            }
            let c = info.columns.clone();
            sink.columns(&c)?;
            let width = c.len();
            // A sink that only reads rows reads each one in place, from the
            // statement's current row: no copy, no allocation per row.
            let lend = sink.borrows_rows();
            while current {
                let Some(row) = FallibleStreamingIterator::get(&rows) else {
                    break;
                };
                let flow = if lend {
                    lend_row(row, &c, sink)?
                } else {
                    let mut values = Vec::with_capacity(width);
                    for i in 0..width {
                        let v = row.get_ref(i).map_err(map_error)?;
                        values.push(to_value(v, i, &c)?);
                    }
                    sink.row(Row::new(c.clone(), values)?)?
                };
                if let ControlFlow::Break(()) = flow {
                    break;
                }
                current = rows.next().map_err(map_error)?.is_some();
            }
            cols = Some(c);
        }
    }
    let cols = match cols {
        Some(c) => c,
        None => {
            // No row: the statement is reset, its columns still current.
            info.after_first_step(prepared);
            let c = info.columns.clone();
            sink.columns(&c)?;
            c
        }
    };
    let summary = Summary {
        columns: cols,
        rows_affected: if kind.is_dml() { conn.changes() } else { 0 },
        last_insert_rowid: kind.reports_rowid().then(|| conn.last_insert_rowid()),
        rows_read: None,
        rows_written: None,
    };
    Ok((summary, kind))
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
        SqlValueRef::Text(bytes) => Value::Text(text(bytes, col, cols)?.to_owned()),
        SqlValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

/// The widest row lent from the stack; a wider one is lent from a vector.
const LENT_WIDTH: usize = 16;

/// Lend the statement's current `row` to `sink`, its values read in place.
fn lend_row(
    row: &rusqlite::Row<'_>,
    cols: &Arc<[Column]>,
    sink: &mut dyn RowSink,
) -> Result<ControlFlow<()>> {
    let width = cols.len();
    if width <= LENT_WIDTH {
        let mut values = [ValueRef::Null; LENT_WIDTH];
        for (i, slot) in values.iter_mut().enumerate().take(width) {
            *slot = value_ref(row.get_ref(i), i, cols)?;
        }
        let lent = values.get(..width).unwrap_or_default();
        sink.row_ref(&RowRef::new(cols, lent)?)
    } else {
        let values = (0..width)
            .map(|i| value_ref(row.get_ref(i), i, cols))
            .collect::<Result<Vec<_>>>()?;
        sink.row_ref(&RowRef::new(cols, &values)?)
    }
}

/// A column of the current row as a [`ValueRef`] (text checked as UTF-8).
#[inline]
fn value_ref<'a>(
    v: rusqlite::Result<SqlValueRef<'a>>,
    col: usize,
    cols: &[Column],
) -> Result<ValueRef<'a>> {
    Ok(match v.map_err(map_error)? {
        SqlValueRef::Null => ValueRef::Null,
        SqlValueRef::Integer(i) => ValueRef::Integer(i),
        SqlValueRef::Real(r) => ValueRef::Real(r),
        SqlValueRef::Text(bytes) => ValueRef::Text(text(bytes, col, cols)?),
        SqlValueRef::Blob(b) => ValueRef::Blob(b),
    })
}

/// A column's text, which SQLite does not promise is UTF-8.
fn text<'a>(bytes: &'a [u8], col: usize, cols: &[Column]) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let name = cols.get(col).map(|c| c.name.as_str()).unwrap_or("");
        Error::conversion(
            Some(format!("column {col} ({name:?})")),
            ConversionError::Other(Box::new(e)),
        )
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
