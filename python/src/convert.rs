//! Values between Python and SQLite: `None`/`int`/`float`/`str`/`bytes` both
//! ways, other types through the adapters of the Python layer (the hook set
//! by [`set_adapt_hook`], which applies `register_adapter` and `__conform__`
//! as `sqlite3` does).

use std::sync::OnceLock;

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::{
    PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMemoryView, PyString, PyTuple,
};
use sqlport::{Params, Value};

use crate::errors::new_err;
use crate::sqltext::ParamInfo;

static ADAPT_HOOK: OnceLock<Py<PyAny>> = OnceLock::new();

/// Register the Python function that adapts a value of another type (called
/// once by the Python package at import).
#[pyfunction]
pub fn set_adapt_hook(hook: Bound<'_, PyAny>) -> PyResult<()> {
    let _ = ADAPT_HOOK.set(hook.unbind());
    Ok(())
}

/// One Python value as a SQLite value, without adapters; `None` if its type is
/// not one SQLite stores.
fn primitive(obj: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    if obj.is_none() {
        return Ok(Some(Value::Null));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Some(Value::Text(s.to_str()?.to_owned())));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        return match i.extract::<i64>() {
            Ok(v) => Ok(Some(Value::Integer(v))),
            Err(_) => Err(PyOverflowError::new_err(
                "Python int too large to convert to SQLite INTEGER",
            )),
        };
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let v = f.value();
        // SQLite stores NaN as NULL; sqlite3 binds it and reads back None.
        return Ok(Some(if v.is_nan() {
            Value::Null
        } else {
            Value::Real(v)
        }));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Some(Value::Blob(b.as_bytes().to_vec())));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Some(Value::Blob(b.to_vec())));
    }
    if obj.is_instance_of::<PyMemoryView>() {
        let bytes = obj.call_method0("tobytes")?;
        return Ok(Some(Value::Blob(
            bytes.cast::<PyBytes>()?.as_bytes().to_vec(),
        )));
    }
    Ok(None)
}

/// One parameter value: exact built-in types directly, anything else through
/// the adapter hook first (so a registered adapter wins for subclasses, as in
/// `sqlite3`).
pub fn to_value(obj: &Bound<'_, PyAny>, position: &dyn Fn() -> String) -> PyResult<Value> {
    let exact = obj.is_none()
        || obj.is_exact_instance_of::<PyString>()
        || obj.is_exact_instance_of::<PyInt>()
        || obj.is_exact_instance_of::<PyFloat>()
        || obj.is_exact_instance_of::<PyBytes>();
    if exact {
        if let Some(v) = primitive(obj)? {
            return Ok(v);
        }
    }
    let py = obj.py();
    let adapted = match ADAPT_HOOK.get() {
        Some(hook) => hook.bind(py).call1((obj,))?,
        None => obj.clone(),
    };
    match primitive(&adapted)? {
        Some(v) => Ok(v),
        None => {
            let type_name = obj.get_type().name()?.to_string();
            Err(new_err(
                py,
                "ProgrammingError",
                format!(
                    "Error binding parameter {}: type '{type_name}' is not supported",
                    position()
                ),
            ))
        }
    }
}

/// Bind `params` (a sequence, a mapping, or `None`) for a statement with
/// parameters `info`. A mapping is looked up by each name the SQL uses
/// (without its prefix), extra keys are ignored, as in `sqlite3`.
pub fn to_params(params: Option<&Bound<'_, PyAny>>, info: &ParamInfo) -> PyResult<Params> {
    let Some(params) = params.filter(|p| !p.is_none()) else {
        return Ok(Params::None);
    };
    let py = params.py();
    let is_mapping = params.is_instance_of::<PyDict>()
        || (!params.is_instance_of::<PyTuple>()
            && !params.is_instance_of::<PyList>()
            && params.hasattr("keys")?);
    if is_mapping {
        if info.positional > 0 {
            return Err(new_err(
                py,
                "ProgrammingError",
                "Binding 1 has no name, but you supplied a dictionary (which has only names).",
            ));
        }
        let mut named = Vec::with_capacity(info.names.len());
        for name in &info.names {
            let key = &name[1..];
            let value = match params.get_item(key) {
                Ok(v) => v,
                Err(e) if e.is_instance_of::<pyo3::exceptions::PyKeyError>(py) => {
                    return Err(new_err(
                        py,
                        "ProgrammingError",
                        format!("You did not supply a value for binding parameter {name}."),
                    ));
                }
                Err(e) => return Err(e),
            };
            named.push((key.to_owned(), to_value(&value, &|| name.clone())?));
        }
        return Ok(if named.is_empty() {
            Params::None
        } else {
            Params::Named(named)
        });
    }
    if params.is_instance_of::<PyString>() || params.is_instance_of::<PyBytes>() {
        return Err(new_err(
            py,
            "ProgrammingError",
            "parameters are of unsupported type (a str or bytes is not a sequence of parameters)",
        ));
    }
    let seq = match params.try_iter() {
        Ok(it) => it,
        Err(_) => {
            return Err(new_err(
                py,
                "ProgrammingError",
                "parameters are of unsupported type",
            ));
        }
    };
    let mut values = Vec::new();
    for (i, item) in seq.enumerate() {
        let item = item?;
        values.push(to_value(&item, &|| (i + 1).to_string())?);
    }
    if !info.names.is_empty() && info.names.len() == values.len() {
        // Named placeholders bound by position (deprecated in sqlite3, still
        // accepted): bind each name to the value at its position.
        let named = info
            .names
            .iter()
            .zip(values)
            .map(|(n, v)| (n.clone(), v))
            .collect();
        return Ok(Params::Named(named));
    }
    Ok(if values.is_empty() {
        Params::None
    } else {
        Params::Positional(values)
    })
}

/// A SQLite value as a Python object.
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> Bound<'py, PyAny> {
    match value {
        Value::Null => py.None().into_bound(py),
        Value::Integer(i) => i
            .into_pyobject(py)
            .map(|v| v.into_any())
            .unwrap_or_else(|e| match e {}),
        Value::Real(f) => PyFloat::new(py, *f).into_any(),
        Value::Text(s) => PyString::new(py, s).into_any(),
        Value::Blob(b) => PyBytes::new(py, b).into_any(),
    }
}
