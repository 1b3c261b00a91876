//! User-defined SQL functions and aggregates written in Python, on local
//! connections (`Connection.create_function` / `create_aggregate`, as in
//! `sqlite3`). They run on the connection's worker thread, which takes the
//! GIL for each call; the Python thread waiting for the statement has
//! released it.

use std::panic::AssertUnwindSafe;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFloat, PyInt, PyString, PyTuple};
use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::{Value as SqlValue, ValueRef};
use sqlport::{Error, Result};

use crate::worker::{Backend, Slot};

/// The error SQLite reports when a Python function raised (sqlite3's message).
fn raised() -> rusqlite::Error {
    rusqlite::Error::UserFunctionError("user-defined function raised exception".into())
}

fn arg_to_py<'py>(py: Python<'py>, v: ValueRef<'_>) -> Bound<'py, PyAny> {
    match v {
        ValueRef::Null => py.None().into_bound(py),
        ValueRef::Integer(i) => i
            .into_pyobject(py)
            .map(|o| o.into_any())
            .unwrap_or_else(|e| match e {}),
        ValueRef::Real(f) => PyFloat::new(py, f).into_any(),
        ValueRef::Text(t) => PyString::new(py, &String::from_utf8_lossy(t)).into_any(),
        ValueRef::Blob(b) => PyBytes::new(py, b).into_any(),
    }
}

fn args<'py>(py: Python<'py>, ctx: &Context<'_>) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, (0..ctx.len()).map(|i| arg_to_py(py, ctx.get_raw(i))))
}

fn result_to_sql(obj: &Bound<'_, PyAny>) -> rusqlite::Result<SqlValue> {
    if obj.is_none() {
        return Ok(SqlValue::Null);
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        return i
            .extract::<i64>()
            .map(SqlValue::Integer)
            .map_err(|_| raised());
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(SqlValue::Real(f.value()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .to_str()
            .map(|s| SqlValue::Text(s.to_owned()))
            .map_err(|_| raised());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(SqlValue::Blob(b.as_bytes().to_vec()));
    }
    Err(rusqlite::Error::UserFunctionError(
        "user-defined function returned a value of an unsupported type".into(),
    ))
}

fn local(slot: &mut Slot) -> Result<&mut rusqlite::Connection> {
    match &mut slot.backend {
        Backend::Local(t) => Ok(t.raw()),
        Backend::Remote(_) => Err(Error::Unsupported(
            "user-defined functions on a remote database".into(),
        )),
    }
}

fn flags(deterministic: bool) -> FunctionFlags {
    let mut f = FunctionFlags::SQLITE_UTF8;
    if deterministic {
        f |= FunctionFlags::SQLITE_DETERMINISTIC;
    }
    f
}

/// Register `func` as the scalar function `name` with `narg` arguments (-1: any).
pub fn create_scalar(
    slot: &mut Slot,
    name: &str,
    narg: i32,
    func: Py<PyAny>,
    deterministic: bool,
) -> Result<()> {
    local(slot)?
        .create_scalar_function(name, narg, flags(deterministic), move |ctx| {
            Python::attach(|py| {
                let out = args(py, ctx).and_then(|a| func.bind(py).call1(a));
                match out {
                    Ok(v) => result_to_sql(&v),
                    Err(_) => Err(raised()),
                }
            })
        })
        .map_err(sqlport::local::map_error)
}

/// An aggregate backed by a Python class with `step(*args)` and `finalize()`.
struct PyAggregate {
    class: Py<PyAny>,
}

type Instance = AssertUnwindSafe<Py<PyAny>>;

impl Aggregate<Instance, SqlValue> for PyAggregate {
    fn init(&self, _ctx: &mut Context<'_>) -> rusqlite::Result<Instance> {
        Python::attach(|py| {
            self.class
                .bind(py)
                .call0()
                .map(|o| AssertUnwindSafe(o.unbind()))
                .map_err(|_| {
                    rusqlite::Error::UserFunctionError(
                        "user-defined aggregate's '__init__' method raised error".into(),
                    )
                })
        })
    }

    fn step(&self, ctx: &mut Context<'_>, acc: &mut Instance) -> rusqlite::Result<()> {
        Python::attach(|py| {
            let a = args(py, ctx).map_err(|_| raised())?;
            acc.bind(py).call_method1("step", a).map(drop).map_err(|_| {
                rusqlite::Error::UserFunctionError(
                    "user-defined aggregate's 'step' method raised error".into(),
                )
            })
        })
    }

    fn finalize(
        &self,
        _ctx: &mut Context<'_>,
        acc: Option<Instance>,
    ) -> rusqlite::Result<SqlValue> {
        Python::attach(|py| {
            // No row was aggregated: NULL, as sqlite3 returns.
            let Some(inst) = acc else {
                return Ok(SqlValue::Null);
            };
            let inst = inst.0;
            match inst.bind(py).call_method0("finalize") {
                Ok(v) => result_to_sql(&v),
                Err(_) => Err(rusqlite::Error::UserFunctionError(
                    "user-defined aggregate's 'finalize' method raised error".into(),
                )),
            }
        })
    }
}

/// Register `class` as the aggregate `name` with `narg` arguments.
pub fn create_aggregate(slot: &mut Slot, name: &str, narg: i32, class: Py<PyAny>) -> Result<()> {
    local(slot)?
        .create_aggregate_function(
            name,
            narg,
            FunctionFlags::SQLITE_UTF8,
            PyAggregate { class },
        )
        .map_err(sqlport::local::map_error)
}
