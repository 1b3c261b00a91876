//! Binding [`Params`] to a prepared statement, with the lookup rules of the
//! transport contract (exact name, then the name without its prefix).

use rusqlite::types::{ToSqlOutput, ValueRef as SqlValueRef};
use sqlport_core::error::ConversionError;
use sqlport_core::{Error, Params, ParamsRef, Result, ValueRef};

use crate::error::map_error;

/// The parameter names of a statement, in index order (`None` for a bare `?`).
pub(crate) fn param_names(stmt: &rusqlite::Statement<'_>) -> Vec<Option<String>> {
    (1..=stmt.parameter_count())
        .map(|i| stmt.parameter_name(i).map(str::to_owned))
        .collect()
}

/// `true` for a named parameter (`:a`, `@a`, `$a`), `false` for `?` / `?NNN`.
fn is_named(name: Option<&str>) -> bool {
    name.is_some_and(|n| !n.starts_with('?'))
}

/// Bind `params` to `stmt`, whose parameter names are `names`
/// ([`param_names`]; `any_named`: some is named); any mismatch is
/// [`Error::InvalidArguments`].
pub(crate) fn bind(
    stmt: &mut rusqlite::Statement<'_>,
    params: ParamsRef<'_>,
    names: &[Option<String>],
    any_named: bool,
) -> Result<()> {
    match params {
        ParamsRef::Params(Params::None) | ParamsRef::Positional([]) => {
            bind_positional(stmt, names, any_named, std::iter::empty())
        }
        ParamsRef::Params(Params::Positional(values)) => {
            bind_positional(stmt, names, any_named, values.iter().map(|v| v.as_ref()))
        }
        ParamsRef::Positional(values) => bind_positional(
            stmt,
            names,
            any_named,
            values.iter().map(|v| v.as_value_ref()),
        ),
        ParamsRef::Params(Params::Named(pairs)) => bind_named(stmt, pairs, names),
    }
}

/// Bind positional `values` (none: the statement must have no parameter).
fn bind_positional<'v>(
    stmt: &mut rusqlite::Statement<'_>,
    names: &[Option<String>],
    any_named: bool,
    values: impl ExactSizeIterator<Item = ValueRef<'v>>,
) -> Result<()> {
    let count = names.len();
    if values.len() == 0 {
        if count > 0 {
            return Err(Error::InvalidArguments(format!(
                "the statement has {count} parameter(s) but no values were given"
            )));
        }
        return Ok(());
    }
    if any_named {
        if let Some(name) = names.iter().flatten().find(|n| is_named(Some(n))) {
            return Err(Error::InvalidArguments(format!(
                "named parameter {name} cannot be bound by position; pass named values"
            )));
        }
    }
    if values.len() != count {
        return Err(Error::InvalidArguments(format!(
            "{} value(s) given but the statement has {count} parameter(s)",
            values.len()
        )));
    }
    for (i, value) in values.enumerate() {
        bind_one(stmt, i + 1, value)?;
    }
    Ok(())
}

/// Bind named `pairs`: each parameter by its exact name, then by the name
/// without its prefix; a value left over is an error.
fn bind_named(
    stmt: &mut rusqlite::Statement<'_>,
    pairs: &[(String, sqlport_core::Value)],
    names: &[Option<String>],
) -> Result<()> {
    let mut used = vec![false; pairs.len()];
    for (i, name) in names.iter().enumerate() {
        let name = match name {
            Some(n) if is_named(Some(n)) => n,
            _ => {
                return Err(Error::InvalidArguments(format!(
                    "positional parameter {} cannot be bound by name",
                    name.as_deref().unwrap_or("?")
                )));
            }
        };
        let bare = name.get(1..).unwrap_or("");
        let found = pairs
            .iter()
            .position(|(k, _)| k == name)
            .or_else(|| pairs.iter().position(|(k, _)| k == bare));
        let Some(idx) = found else {
            return Err(Error::InvalidArguments(format!(
                "no value given for parameter {name}"
            )));
        };
        if let (Some(flag), Some((_, value))) = (used.get_mut(idx), pairs.get(idx)) {
            *flag = true;
            bind_one(stmt, i + 1, value.as_ref())?;
        }
    }
    let unused: Vec<&str> = pairs
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|((k, _), _)| k.as_str())
        .collect();
    if !unused.is_empty() {
        return Err(Error::InvalidArguments(format!(
            "value(s) given for unknown parameter(s): {}",
            unused.join(", ")
        )));
    }
    Ok(())
}

fn bind_one(stmt: &mut rusqlite::Statement<'_>, index: usize, value: ValueRef<'_>) -> Result<()> {
    let v = match value {
        ValueRef::Null => SqlValueRef::Null,
        ValueRef::Integer(i) => SqlValueRef::Integer(i),
        ValueRef::Real(r) => {
            if !r.is_finite() {
                return Err(Error::conversion(
                    Some(format!("parameter {index}")),
                    ConversionError::NonFinite(r),
                ));
            }
            SqlValueRef::Real(r)
        }
        ValueRef::Text(t) => SqlValueRef::Text(t.as_bytes()),
        ValueRef::Blob(b) => SqlValueRef::Blob(b),
    };
    stmt.raw_bind_parameter(index, ToSqlOutput::Borrowed(v))
        .map_err(map_error)
}
