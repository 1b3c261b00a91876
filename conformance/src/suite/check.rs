//! [`Failure`]: what a failing case reports (the SQL, what was expected, what
//! came back), and [`Checked`], the helpers cases use to run SQL and compare.

use std::fmt;

use sqlport::blocking::{Connection, Executor};
use sqlport::{Error, ErrorKind, FromSql, IntoParams, ResultSet, Value};

/// What a case returns.
pub type CaseResult = Result<(), Failure>;

/// Why a case failed: the SQL involved (when there is one), what was expected
/// and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The statement that misbehaved, if any.
    pub sql: Option<String>,
    /// What the contract requires.
    pub expected: String,
    /// What the transport did.
    pub got: String,
}

impl Failure {
    /// A failure about `sql`.
    pub fn new(sql: Option<&str>, expected: impl Into<String>, got: impl Into<String>) -> Failure {
        Failure {
            sql: sql.map(shorten),
            expected: expected.into(),
            got: got.into(),
        }
    }

    /// A failure not tied to one statement.
    pub fn msg(expected: impl Into<String>, got: impl Into<String>) -> Failure {
        Failure::new(None, expected, got)
    }

    /// An unexpected error from `sql`.
    pub fn error(sql: Option<&str>, err: &Error) -> Failure {
        Failure::new(sql, "success", describe_error(err))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(sql) = &self.sql {
            writeln!(f, "SQL:      {sql}")?;
        }
        writeln!(f, "expected: {}", self.expected)?;
        write!(f, "got:      {}", self.got)
    }
}

impl std::error::Error for Failure {}

/// Errors outside a statement (opening a connection, ...) fail the case.
impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        Failure::error(None, &err)
    }
}

/// Long SQL (large-statement cases) is cut for display.
fn shorten(sql: &str) -> String {
    const MAX: usize = 300;
    if sql.len() <= MAX {
        return sql.to_owned();
    }
    let mut end = MAX;
    while !sql.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &sql[..end], sql.len())
}

/// A one-line description of an error for reports: kind, codes and message.
pub fn describe_error(err: &Error) -> String {
    let mut s = format!("error {:?}", err.kind());
    if let Some(code) = err.sqlite_code() {
        let name = sqlport::codes::primary_name(code).unwrap_or("?");
        s.push_str(&format!(" {name} ({code})"));
        match err.extended_code() {
            Some(ext) => s.push_str(&format!(", extended {ext}")),
            None => s.push_str(", no extended code"),
        }
    }
    if let Some(step) = err.failed_step() {
        s.push_str(&format!(", batch step {step}"));
    }
    s.push_str(&format!(": {err}"));
    s
}

/// Short description of a value for reports (long text and blobs cut).
pub(crate) fn show_value(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => format!("INTEGER {i}"),
        Value::Real(r) => format!("REAL {r:?}"),
        Value::Text(t) if t.len() > 60 => format!("TEXT of {} bytes", t.len()),
        Value::Text(t) => format!("TEXT {t:?}"),
        Value::Blob(b) if b.len() > 16 => format!("BLOB of {} bytes", b.len()),
        Value::Blob(b) => format!("BLOB {b:02x?}"),
    }
}

/// Short description of values for reports.
pub(crate) fn show_values(vs: &[Value]) -> String {
    let items: Vec<String> = vs.iter().map(show_value).collect();
    format!("[{}]", items.join(", "))
}

/// Check `cond`, failing with `expected`/`got` about `sql`.
pub fn ensure(
    cond: bool,
    sql: Option<&str>,
    expected: &str,
    got: impl FnOnce() -> String,
) -> CaseResult {
    if cond {
        Ok(())
    } else {
        Err(Failure::new(sql, expected, got()))
    }
}

/// Compare two values with `==`.
pub fn ensure_eq<T: PartialEq + fmt::Debug>(
    sql: Option<&str>,
    what: &str,
    expected: T,
    got: T,
) -> CaseResult {
    if expected == got {
        Ok(())
    } else {
        Err(Failure::new(
            sql,
            format!("{what} = {expected:?}"),
            format!("{what} = {got:?}"),
        ))
    }
}

/// Compare row values exactly (`Real` by bits, so `-0.0` and NaN are exact).
pub fn ensure_values(sql: Option<&str>, expected: &[Value], got: &[Value]) -> CaseResult {
    let same = expected.len() == got.len()
        && expected.iter().zip(got).all(|(a, b)| match (a, b) {
            (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits(),
            _ => a == b,
        });
    ensure(same, sql, &show_values(expected), || show_values(got))
}

/// Helpers every case uses on a [`Connection`] (and, through `Deref`, on
/// transactions and savepoints): each runs one statement and turns an error
/// into a [`Failure`] that names the SQL.
pub trait Checked {
    /// `execute`, expecting success; returns rows affected.
    fn ok_execute(&mut self, sql: &str, params: impl IntoParams) -> Result<u64, Failure>;
    /// `query`, expecting success.
    fn ok_query(&mut self, sql: &str, params: impl IntoParams) -> Result<ResultSet, Failure>;
    /// `query_scalar`, expecting success.
    fn ok_one<T: FromSql>(&mut self, sql: &str, params: impl IntoParams) -> Result<T, Failure>;
    /// The values of the only row of a query.
    fn ok_row(&mut self, sql: &str, params: impl IntoParams) -> Result<Vec<Value>, Failure>;
    /// `execute`, expecting an error of `kind`; returns the error.
    fn err_execute(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        kind: ErrorKind,
    ) -> Result<Error, Failure>;
    /// Drop the tables if they exist (cases start from a clean slate even on a
    /// shared database).
    fn drop_tables(&mut self, tables: &[&str]) -> Result<(), Failure>;
    /// Drop `table` if it exists and create it afresh with `columns` (the text
    /// between the parentheses of `CREATE TABLE`).
    fn fresh_table(&mut self, table: &str, columns: &str) -> CaseResult;
    /// The first column of every row of a query, in order.
    fn ok_column<T: FromSql>(&mut self, sql: &str) -> Result<Vec<T>, Failure>;
}

impl<C: Executor> Checked for C {
    fn ok_execute(&mut self, sql: &str, params: impl IntoParams) -> Result<u64, Failure> {
        self.execute(sql, params)
            .map_err(|e| Failure::error(Some(sql), &e))
    }

    fn ok_query(&mut self, sql: &str, params: impl IntoParams) -> Result<ResultSet, Failure> {
        self.query(sql, params)
            .map_err(|e| Failure::error(Some(sql), &e))
    }

    fn ok_one<T: FromSql>(&mut self, sql: &str, params: impl IntoParams) -> Result<T, Failure> {
        self.query_scalar(sql, params)
            .map_err(|e| Failure::error(Some(sql), &e))
    }

    fn ok_row(&mut self, sql: &str, params: impl IntoParams) -> Result<Vec<Value>, Failure> {
        only_row(sql, &self.ok_query(sql, params)?)
    }

    fn err_execute(
        &mut self,
        sql: &str,
        params: impl IntoParams,
        kind: ErrorKind,
    ) -> Result<Error, Failure> {
        match self.execute(sql, params) {
            Ok(n) => Err(Failure::new(
                Some(sql),
                format!("error {kind:?}"),
                format!("success ({n} rows affected)"),
            )),
            Err(e) if e.kind() == kind => Ok(e),
            Err(e) => Err(Failure::new(
                Some(sql),
                format!("error {kind:?}"),
                describe_error(&e),
            )),
        }
    }

    fn drop_tables(&mut self, tables: &[&str]) -> Result<(), Failure> {
        for t in tables {
            self.ok_execute(&format!("DROP TABLE IF EXISTS {t}"), ())?;
        }
        Ok(())
    }

    fn fresh_table(&mut self, table: &str, columns: &str) -> CaseResult {
        self.drop_tables(&[table])?;
        self.ok_execute(&format!("CREATE TABLE {table} ({columns})"), ())?;
        Ok(())
    }

    fn ok_column<T: FromSql>(&mut self, sql: &str) -> Result<Vec<T>, Failure> {
        let rs = self.ok_query(sql, ())?;
        rs.rows
            .iter()
            .map(|r| r.get::<T>(0).map_err(|e| Failure::error(Some(sql), &e)))
            .collect()
    }
}

/// The outcome of an API call that runs SQL of its own (`transaction()`,
/// `savepoint()`, `commit()`, `release()`, ...): an error fails the case,
/// naming `sql`.
pub fn ok<T>(sql: &str, result: sqlport::Result<T>) -> Result<T, Failure> {
    result.map_err(|e| Failure::error(Some(sql), &e))
}

/// Check `conn.is_autocommit()`; `when` says at which point of the case.
pub fn ensure_autocommit(conn: &Connection, expected: bool, when: &str) -> CaseResult {
    ensure_eq(
        None,
        &format!("is_autocommit() {when}"),
        expected,
        conn.is_autocommit(),
    )
}

/// The values of the only row of `rs` (the result of `sql`); any other number
/// of rows fails the case.
pub fn only_row(sql: &str, rs: &ResultSet) -> Result<Vec<Value>, Failure> {
    match rs.rows.as_slice() {
        [row] => Ok(row.values().to_vec()),
        rows => Err(Failure::new(
            Some(sql),
            "exactly 1 row",
            format!("{} rows", rows.len()),
        )),
    }
}

/// The values of every row of `rs`, in order.
pub fn rows_of(rs: &ResultSet) -> Vec<Vec<Value>> {
    rs.rows.iter().map(|r| r.values().to_vec()).collect()
}

/// Owned strings, to compare with the text a query returned.
pub(crate) fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Check a SQLite error's codes: the primary code always; the extended code
/// only when the transport promises it (`extended_promised`), and then exactly.
pub fn ensure_codes(
    sql: &str,
    err: &Error,
    primary: i32,
    extended: Option<i32>,
    extended_promised: bool,
) -> CaseResult {
    let got_primary = err.sqlite_code();
    if got_primary != Some(primary) {
        let name = sqlport::codes::primary_name(primary).unwrap_or("?");
        return Err(Failure::new(
            Some(sql),
            format!("SQLite error {name} ({primary})"),
            describe_error(err),
        ));
    }
    if let (Some(ext), true) = (extended, extended_promised) {
        if err.extended_code() != Some(ext) {
            return Err(Failure::new(
                Some(sql),
                format!("extended code {ext} (the transport reports extended_error_codes)"),
                describe_error(err),
            ));
        }
    }
    if let Some(got_ext) = err.extended_code() {
        if got_ext & 0xff != primary {
            return Err(Failure::new(
                Some(sql),
                format!("an extended code whose low byte is the primary code {primary}"),
                describe_error(err),
            ));
        }
    }
    Ok(())
}

/// Expect `err` to be an [`Error::Batch`] failing at `step`.
pub fn ensure_step(sql: Option<&str>, err: &Error, step: usize) -> CaseResult {
    ensure(
        err.failed_step() == Some(step),
        sql,
        &format!("a batch error at step {step}"),
        || describe_error(err),
    )
}
