//! Query results: [`Column`], [`Row`], [`ResultSet`] and the streaming [`RowSink`].

use std::ops::ControlFlow;
use std::sync::Arc;

use crate::convert::FromSql;
use crate::error::{Error, Result};
use crate::value::{Value, ValueRef};

/// A result column: its name and declared type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Column name (duplicates are kept; rows are positional).
    pub name: String,
    /// Declared type from the table definition (`"INTEGER"`, ...), `None` for expressions.
    pub decl_type: Option<String>,
}

impl Column {
    /// A column.
    pub fn new(name: impl Into<String>, decl_type: Option<String>) -> Self {
        Column {
            name: name.into(),
            decl_type,
        }
    }
}

/// A column chosen by index or by name (the first column of that name).
pub trait ColumnIndex {
    /// Resolve to a position.
    fn index(&self, columns: &[Column]) -> Result<usize>;
}

impl ColumnIndex for usize {
    fn index(&self, columns: &[Column]) -> Result<usize> {
        if *self < columns.len() {
            Ok(*self)
        } else {
            Err(Error::InvalidColumn(format!(
                "index {self} (the row has {} columns)",
                columns.len()
            )))
        }
    }
}

impl ColumnIndex for &str {
    fn index(&self, columns: &[Column]) -> Result<usize> {
        columns
            .iter()
            .position(|c| c.name == *self)
            .ok_or_else(|| Error::InvalidColumn(format!("{self:?}")))
    }
}

impl ColumnIndex for String {
    fn index(&self, columns: &[Column]) -> Result<usize> {
        self.as_str().index(columns)
    }
}

impl ColumnIndex for &String {
    fn index(&self, columns: &[Column]) -> Result<usize> {
        self.as_str().index(columns)
    }
}

/// One result row. Values are positional; the row shares its column list.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    columns: Arc<[Column]>,
    values: Vec<Value>,
}

impl Row {
    /// A row; its length must match the columns ([`Error::Protocol`] otherwise).
    pub fn new(columns: Arc<[Column]>, values: Vec<Value>) -> Result<Self> {
        if columns.len() != values.len() {
            return Err(Error::Protocol(format!(
                "row has {} values but the result has {} columns",
                values.len(),
                columns.len()
            )));
        }
        Ok(Row { columns, values })
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// `true` for a row without columns.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The columns of this row.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The shared column list.
    pub fn columns_arc(&self) -> &Arc<[Column]> {
        &self.columns
    }

    /// The values, in column order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Take the values.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// Borrow one value.
    pub fn get_ref(&self, idx: impl ColumnIndex) -> Result<ValueRef<'_>> {
        let i = idx.index(&self.columns)?;
        Ok(self.values[i].as_ref())
    }

    /// Read one value as `T`; a wrong type, an out-of-range number or a missing
    /// column is an error, never a panic.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sqlport_core::{Column, Row, Value};
    /// let cols: Arc<[Column]> = vec![Column::new("n", None)].into();
    /// let row = Row::new(cols, vec![Value::Integer(300)]).unwrap();
    /// assert_eq!(row.get::<i64>("n").unwrap(), 300);
    /// assert!(row.get::<u8>(0).is_err());
    /// assert!(row.get::<String>(0).is_err());
    /// assert!(row.get::<i64>("missing").is_err());
    /// ```
    pub fn get<T: FromSql>(&self, idx: impl ColumnIndex) -> Result<T> {
        let i = idx.index(&self.columns)?;
        T::from_sql(self.values[i].as_ref()).map_err(|e| {
            Error::conversion(Some(format!("column {i} ({:?})", self.columns[i].name)), e)
        })
    }
}

/// One row lent to a reader for the duration of a call: its values either
/// borrowed from where the producer holds them (a local statement's current
/// row, read in place: no copy) or from a [`Row`]. It reads like a [`Row`]
/// (`get`, `get_ref`, `columns`); [`RowRef::to_row`] copies it.
#[derive(Debug, Clone, Copy)]
pub struct RowRef<'a> {
    columns: &'a Arc<[Column]>,
    values: LentValues<'a>,
}

#[derive(Debug, Clone, Copy)]
enum LentValues<'a> {
    Owned(&'a [Value]),
    Borrowed(&'a [ValueRef<'a>]),
}

impl<'a> RowRef<'a> {
    /// A row of `values` under `columns`; the lengths must match
    /// ([`Error::Protocol`] otherwise).
    pub fn new(columns: &'a Arc<[Column]>, values: &'a [ValueRef<'a>]) -> Result<Self> {
        if columns.len() != values.len() {
            return Err(Error::Protocol(format!(
                "row has {} values but the result has {} columns",
                values.len(),
                columns.len()
            )));
        }
        Ok(RowRef {
            columns,
            values: LentValues::Borrowed(values),
        })
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self.values {
            LentValues::Owned(v) => v.len(),
            LentValues::Borrowed(v) => v.len(),
        }
    }

    /// `true` for a row without columns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The columns of this row.
    pub fn columns(&self) -> &'a [Column] {
        self.columns
    }

    /// The shared column list.
    pub fn columns_arc(&self) -> &'a Arc<[Column]> {
        self.columns
    }

    fn value(&self, i: usize) -> ValueRef<'a> {
        match self.values {
            LentValues::Owned(v) => v.get(i).map_or(ValueRef::Null, Value::as_ref),
            LentValues::Borrowed(v) => v.get(i).copied().unwrap_or(ValueRef::Null),
        }
    }

    /// Borrow one value.
    pub fn get_ref(&self, idx: impl ColumnIndex) -> Result<ValueRef<'a>> {
        let i = idx.index(self.columns)?;
        Ok(self.value(i))
    }

    /// Read one value as `T`, as [`Row::get`] does.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sqlport_core::{Column, RowRef, ValueRef};
    /// let cols: Arc<[Column]> = vec![Column::new("n", None), Column::new("s", None)].into();
    /// let values = [ValueRef::Integer(7), ValueRef::Text("seven")];
    /// let row = RowRef::new(&cols, &values).unwrap();
    /// assert_eq!(row.get::<i64>("n").unwrap(), 7);
    /// assert_eq!(row.get::<String>(1).unwrap(), "seven");
    /// assert!(row.get::<i64>(1).is_err());
    /// assert!(row.get::<i64>(2).is_err());
    /// ```
    pub fn get<T: FromSql>(&self, idx: impl ColumnIndex) -> Result<T> {
        let i = idx.index(self.columns)?;
        T::from_sql(self.value(i)).map_err(|e| {
            Error::conversion(Some(format!("column {i} ({:?})", self.columns[i].name)), e)
        })
    }

    /// Copy into an owned [`Row`].
    pub fn to_row(&self) -> Row {
        let values = match self.values {
            LentValues::Owned(v) => v.to_vec(),
            LentValues::Borrowed(v) => v.iter().map(ValueRef::to_owned_value).collect(),
        };
        Row {
            columns: self.columns.clone(),
            values,
        }
    }
}

impl<'a> From<&'a Row> for RowRef<'a> {
    fn from(row: &'a Row) -> Self {
        RowRef {
            columns: &row.columns,
            values: LentValues::Owned(&row.values),
        }
    }
}

/// The complete result of one statement.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultSet {
    /// Result columns (empty for statements that return no columns).
    pub columns: Arc<[Column]>,
    /// The rows.
    pub rows: Vec<Row>,
    /// Rows changed by an INSERT, UPDATE, DELETE or REPLACE; 0 for anything else.
    pub rows_affected: u64,
    /// For INSERT and REPLACE: the connection's last insert rowid; `None` for
    /// anything else.
    pub last_insert_rowid: Option<i64>,
    /// Rows the server read for this statement, as it reported them
    /// (Hrana's `rows_read`: sqld and Turso send it with every statement
    /// result, and Turso bills on it). `None` where nothing reported it: local
    /// databases, and remote results streamed through a cursor (sqld's cursor
    /// entries carry no counts).
    pub rows_read: Option<u64>,
    /// Rows the server wrote for this statement, as it reported them
    /// (Hrana's `rows_written`); `None` as for [`ResultSet::rows_read`].
    pub rows_written: Option<u64>,
}

impl Default for ResultSet {
    fn default() -> Self {
        ResultSet {
            columns: Arc::from(Vec::new()),
            rows: Vec::new(),
            rows_affected: 0,
            last_insert_rowid: None,
            rows_read: None,
            rows_written: None,
        }
    }
}

/// What is left of a statement's result once its rows were streamed.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Result columns.
    pub columns: Arc<[Column]>,
    /// As [`ResultSet::rows_affected`].
    pub rows_affected: u64,
    /// As [`ResultSet::last_insert_rowid`].
    pub last_insert_rowid: Option<i64>,
    /// As [`ResultSet::rows_read`].
    pub rows_read: Option<u64>,
    /// As [`ResultSet::rows_written`].
    pub rows_written: Option<u64>,
}

/// Receives rows as a transport produces them, so large results use bounded memory.
///
/// [`RowSink::columns`] is called once before the first row.
pub trait RowSink {
    /// The result's columns (called once, before any row).
    fn columns(&mut self, columns: &Arc<[Column]>) -> Result<()>;
    /// One row. Return `Break` to stop early (the transport discards the rest).
    fn row(&mut self, row: Row) -> Result<ControlFlow<()>>;

    /// `true` when the sink reads each row without keeping it: a producer
    /// may then lend rows through [`RowSink::row_ref`], read in place
    /// where it holds them (a local statement's current row), instead of
    /// building a [`Row`] per row. The default is `false`.
    fn borrows_rows(&self) -> bool {
        false
    }

    /// One row, lent for this call only. A producer calls it only when
    /// [`RowSink::borrows_rows`] is `true`, and either way a sink must
    /// accept it; the default hands a copy to [`RowSink::row`].
    fn row_ref(&mut self, row: &RowRef<'_>) -> Result<ControlFlow<()>> {
        self.row(row.to_row())
    }

    /// `true` when the sink holds as many rows as it wants to before its
    /// consumer takes some: an async transport then yields once (returns
    /// `Pending` and wakes itself) at its next chunk boundary, so that a
    /// consumer polling it only when it is hungry (the facade's row stream)
    /// gets control back and the producer waits. The default never asks.
    fn wants_pause(&self) -> bool {
        false
    }
}

/// A [`RowSink`] that keeps every row (used by `execute` defaults and tests).
#[derive(Debug, Default)]
pub struct CollectRows {
    /// The columns seen.
    pub columns: Option<Arc<[Column]>>,
    /// The rows received.
    pub rows: Vec<Row>,
}

impl RowSink for CollectRows {
    fn columns(&mut self, columns: &Arc<[Column]>) -> Result<()> {
        self.columns = Some(columns.clone());
        Ok(())
    }

    fn row(&mut self, row: Row) -> Result<ControlFlow<()>> {
        self.rows.push(row);
        Ok(ControlFlow::Continue(()))
    }
}
