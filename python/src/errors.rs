//! sqlport errors as the DB-API exceptions of the Python module.
//!
//! The exception classes are defined in Python (`sqlport/_exceptions.py`) and
//! handed over once by [`set_exception_classes`]; this module picks the class
//! for an [`Error`] from its kind and SQLite code (the same table as CPython's
//! `sqlite3`), and sets `sqlite_errorcode`, `sqlite_errorname`, `sqlport_kind`,
//! `remote_code` and `batch_step` on the exception.

use std::sync::OnceLock;

use pyo3::exceptions::{PyMemoryError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use sqlport::{Error, ErrorKind, codes};

static CLASSES: OnceLock<Py<PyDict>> = OnceLock::new();

/// Register the exception classes (a dict: class name -> class). Called once
/// by the Python package at import.
#[pyfunction]
pub fn set_exception_classes(classes: Bound<'_, PyDict>) -> PyResult<()> {
    let _ = CLASSES.set(classes.unbind());
    Ok(())
}

/// The DB-API exception class named `name` (`"ProgrammingError"`, ...).
pub fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    let classes = CLASSES
        .get()
        .ok_or_else(|| PyRuntimeError::new_err("sqlport: exception classes not registered"))?;
    classes
        .bind(py)
        .get_item(name)?
        .ok_or_else(|| PyRuntimeError::new_err(format!("sqlport: no exception class {name}")))
}

/// A DB-API exception of class `name` with `message`.
pub fn new_err(py: Python<'_>, name: &str, message: impl Into<String>) -> PyErr {
    match class(py, name) {
        Ok(cls) => match cls.call1((message.into(),)) {
            Ok(obj) => PyErr::from_value(obj),
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// The exception class CPython's `sqlite3` raises for a primary result code.
fn class_for_code(code: i32) -> &'static str {
    match code & 0xff {
        codes::SQLITE_INTERNAL | codes::SQLITE_NOTFOUND => "InternalError",
        codes::SQLITE_NOMEM => "MemoryError",
        codes::SQLITE_ERROR
        | codes::SQLITE_PERM
        | codes::SQLITE_ABORT
        | codes::SQLITE_BUSY
        | codes::SQLITE_LOCKED
        | codes::SQLITE_READONLY
        | codes::SQLITE_INTERRUPT
        | codes::SQLITE_IOERR
        | codes::SQLITE_FULL
        | codes::SQLITE_CANTOPEN
        | codes::SQLITE_PROTOCOL
        | 16 // SQLITE_EMPTY
        | codes::SQLITE_SCHEMA => "OperationalError",
        codes::SQLITE_CORRUPT => "DatabaseError",
        codes::SQLITE_TOOBIG => "DataError",
        codes::SQLITE_CONSTRAINT | codes::SQLITE_MISMATCH => "IntegrityError",
        codes::SQLITE_MISUSE | codes::SQLITE_RANGE => "InterfaceError",
        _ => "DatabaseError",
    }
}

/// The exception class for an error that SQLite itself did not report.
fn class_for_kind(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::MultipleStatements
        | ErrorKind::InvalidArguments
        | ErrorKind::InvalidColumn
        | ErrorKind::Closed => "ProgrammingError",
        ErrorKind::InvalidName => "InterfaceError",
        ErrorKind::Conversion => "DataError",
        ErrorKind::Unsupported => "NotSupportedError",
        ErrorKind::NoRows | ErrorKind::NoStatement => "DatabaseError",
        _ => "OperationalError",
    }
}

/// The `sqlport_kind` attribute: the [`ErrorKind`] in snake case.
fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Sqlite => "sqlite",
        ErrorKind::MultipleStatements => "multiple_statements",
        ErrorKind::NoStatement => "no_statement",
        ErrorKind::InvalidArguments => "invalid_arguments",
        ErrorKind::InvalidName => "invalid_name",
        ErrorKind::Conversion => "conversion",
        ErrorKind::InvalidColumn => "invalid_column",
        ErrorKind::NoRows => "no_rows",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Protocol => "protocol",
        ErrorKind::Http => "http",
        ErrorKind::Auth => "auth",
        ErrorKind::Timeout => "timeout",
        ErrorKind::StreamExpired => "stream_expired",
        ErrorKind::TransactionTimeout => "transaction_timeout",
        ErrorKind::Remote => "remote",
        ErrorKind::Io => "io",
        ErrorKind::Closed => "closed",
        _ => "transport",
    }
}

/// `SQLITE_*` names of extended result codes (CPython's `sqlite_errorname`).
fn extended_name(code: i32) -> Option<&'static str> {
    Some(match code {
        257 => "SQLITE_ERROR_MISSING_COLLSEQ",
        513 => "SQLITE_ERROR_RETRY",
        769 => "SQLITE_ERROR_SNAPSHOT",
        261 => "SQLITE_BUSY_RECOVERY",
        517 => "SQLITE_BUSY_SNAPSHOT",
        773 => "SQLITE_BUSY_TIMEOUT",
        262 => "SQLITE_LOCKED_SHAREDCACHE",
        518 => "SQLITE_LOCKED_VTAB",
        264 => "SQLITE_READONLY_RECOVERY",
        520 => "SQLITE_READONLY_CANTLOCK",
        776 => "SQLITE_READONLY_ROLLBACK",
        1032 => "SQLITE_READONLY_DBMOVED",
        1288 => "SQLITE_READONLY_CANTINIT",
        1544 => "SQLITE_READONLY_DIRECTORY",
        516 => "SQLITE_ABORT_ROLLBACK",
        267 => "SQLITE_CORRUPT_VTAB",
        270 => "SQLITE_CANTOPEN_NOTEMPDIR",
        526 => "SQLITE_CANTOPEN_ISDIR",
        782 => "SQLITE_CANTOPEN_FULLPATH",
        275 => "SQLITE_CONSTRAINT_CHECK",
        531 => "SQLITE_CONSTRAINT_COMMITHOOK",
        787 => "SQLITE_CONSTRAINT_FOREIGNKEY",
        1043 => "SQLITE_CONSTRAINT_FUNCTION",
        1299 => "SQLITE_CONSTRAINT_NOTNULL",
        1555 => "SQLITE_CONSTRAINT_PRIMARYKEY",
        1811 => "SQLITE_CONSTRAINT_TRIGGER",
        2067 => "SQLITE_CONSTRAINT_UNIQUE",
        2323 => "SQLITE_CONSTRAINT_VTAB",
        2579 => "SQLITE_CONSTRAINT_ROWID",
        2835 => "SQLITE_CONSTRAINT_PINNED",
        3091 => "SQLITE_CONSTRAINT_DATATYPE",
        _ => return None,
    })
}

/// The `SQLITE_*` name of a (possibly extended) result code.
pub fn code_name(code: i32) -> Option<&'static str> {
    extended_name(code).or_else(|| {
        if code == code & 0xff {
            codes::primary_name(code)
        } else {
            None
        }
    })
}

/// Convert a sqlport [`Error`] into the matching DB-API exception.
pub fn to_py(py: Python<'_>, err: &Error) -> PyErr {
    let kind = err.kind();
    let (class_name, code) = match err.as_sqlite() {
        Some(e) => {
            let code = e.extended_code.unwrap_or(e.code);
            (class_for_code(e.code), Some(code))
        }
        None => (class_for_kind(kind), None),
    };
    if class_name == "MemoryError" {
        return PyMemoryError::new_err(err.to_string());
    }
    let py_err = new_err(py, class_name, err.to_string());
    let value = py_err.value(py);
    // Setting attributes on a fresh exception instance cannot fail in
    // practice; if it does, the exception is still raised without them.
    let _ = value.setattr("sqlport_kind", kind_name(kind));
    if let Some(code) = code {
        let _ = value.setattr("sqlite_errorcode", code);
        let _ = value.setattr(
            "sqlite_errorname",
            code_name(code).unwrap_or("SQLITE_UNKNOWN"),
        );
    }
    if let Some(rc) = err.remote_code() {
        let _ = value.setattr("remote_code", rc);
    }
    if let Some(step) = err.failed_step() {
        let _ = value.setattr("batch_step", step);
    }
    py_err
}

/// Extension to turn `sqlport::Result` into `PyResult`.
pub trait IntoPy<T> {
    /// Map the error with [`to_py`].
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_pick_sqlite3_classes() {
        assert_eq!(
            class_for_code(codes::SQLITE_CONSTRAINT_UNIQUE),
            "IntegrityError"
        );
        assert_eq!(class_for_code(codes::SQLITE_BUSY), "OperationalError");
        assert_eq!(class_for_code(codes::SQLITE_RANGE), "InterfaceError");
        assert_eq!(class_for_code(codes::SQLITE_TOOBIG), "DataError");
        assert_eq!(class_for_code(codes::SQLITE_CORRUPT), "DatabaseError");
        assert_eq!(code_name(2067), Some("SQLITE_CONSTRAINT_UNIQUE"));
        assert_eq!(code_name(19), Some("SQLITE_CONSTRAINT"));
        assert_eq!(code_name(4242), None);
    }
}
