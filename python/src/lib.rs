//! # sqlport for Python (`sqlport._sqlport`)
//!
//! The native half of the `sqlport` Python package: a connection per worker
//! thread on the sqlport Rust core (local SQLite through the local transport,
//! remote libSQL/sqld/Turso through Hrana over HTTP), with rows streamed to
//! the Python side in bounded chunks and the GIL released while waiting.
//! The DB-API 2.0 surface (`connect`, `Connection`, `Cursor`, exceptions,
//! adapters and converters) is the Python half in `sqlport/`.
#![deny(unsafe_code)]

mod connection;
mod convert;
mod errors;
mod functions;
mod sqltext;
mod stream;
mod worker;

use pyo3::prelude::*;

/// `[statement, ...]`: a script split at its top-level semicolons.
#[pyfunction]
fn split_script(sql: &str) -> Vec<String> {
    sqltext::split_script(sql)
}

/// The version of SQLite the local transport is built with.
#[pyfunction]
fn sqlite_version() -> &'static str {
    rusqlite::version()
}

/// The `SQLITE_*` name of a result code, or `None`.
#[pyfunction]
fn error_code_name(code: i32) -> Option<&'static str> {
    errors::code_name(code)
}

/// The native module.
#[pymodule]
fn _sqlport(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<connection::RawConnection>()?;
    m.add_class::<stream::RawStream>()?;
    m.add_function(wrap_pyfunction!(connection::parse_name, m)?)?;
    m.add_function(wrap_pyfunction!(errors::set_exception_classes, m)?)?;
    m.add_function(wrap_pyfunction!(convert::set_adapt_hook, m)?)?;
    m.add_function(wrap_pyfunction!(split_script, m)?)?;
    m.add_function(wrap_pyfunction!(sqlite_version, m)?)?;
    m.add_function(wrap_pyfunction!(error_code_name, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
