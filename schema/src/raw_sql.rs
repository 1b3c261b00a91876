//! `RunSQL` statements with Django-style parameters: the text `sqlmigrate` prints (Python's
//! `sql % params` with SQLite quoting) and the statement to run (`%s` → `?`).

use serde_json::Value as Json;
use sqlport_core::{Params, Statement, Value};

use crate::error::{Result, SchemaError};
use crate::ops::SqlParams;
use crate::quote::quote_value_json;

/// Walks `sql`'s `%` placeholders: `%s` and `%(name)s` call `on_param`, `%%` gives `%`.
fn walk(sql: &str, mut on_param: impl FnMut(Option<&str>) -> Result<String>) -> Result<String> {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('%') {
            out.push('%');
            rest = r;
        } else if let Some(r) = after.strip_prefix('s') {
            out.push_str(&on_param(None)?);
            rest = r;
        } else if let Some(r) = after.strip_prefix('(') {
            let close = r
                .find(")s")
                .ok_or_else(|| SchemaError::Json(format!("RunSQL: bad placeholder in {sql:?}")))?;
            out.push_str(&on_param(Some(&r[..close]))?);
            rest = &r[close + 2..];
        } else {
            return Err(SchemaError::Json(format!(
                "RunSQL: bad `%` placeholder in {sql:?}"
            )));
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn missing(sql: &str) -> SchemaError {
    SchemaError::Json(format!("RunSQL: not enough parameters for {sql:?}"))
}

/// Python's `sql % tuple(map(quote_value, params))` (what `sqlmigrate` prints).
pub(crate) fn interpolate(sql: &str, params: &SqlParams) -> Result<String> {
    let mut next = 0;
    walk(sql, |name| match (name, params) {
        (None, SqlParams::Positional(p)) => {
            let v = p.get(next).ok_or_else(|| missing(sql))?;
            next += 1;
            quote_value_json(v)
        }
        (Some(n), SqlParams::Named(m)) => quote_value_json(m.get(n).ok_or_else(|| missing(sql))?),
        _ => Err(SchemaError::Json(format!(
            "RunSQL: placeholders and parameters do not match in {sql:?}"
        ))),
    })
}

fn value(v: &Json) -> Result<Value> {
    Ok(match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Integer(i64::from(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Value::Text(s.clone()),
        other => {
            return Err(SchemaError::Unsupported(format!(
                "RunSQL parameter {other}"
            )));
        }
    })
}

/// The statement to run: without parameters the SQL as written (Django passes it to
/// SQLite untouched); with them, `%s` → `?`, `%(name)s` → `:name`, `%%` → `%`.
pub(crate) fn statement(sql: &str, params: Option<&SqlParams>) -> Result<Statement> {
    let Some(params) = params else {
        return Ok(Statement::new(sql));
    };
    match params {
        SqlParams::Positional(p) => {
            let text = walk(sql, |name| match name {
                None => Ok("?".into()),
                Some(_) => Err(missing(sql)),
            })?;
            let values = p.iter().map(value).collect::<Result<Vec<_>>>()?;
            Ok(Statement {
                sql: text.into(),
                params: Params::Positional(values),
            })
        }
        SqlParams::Named(m) => {
            let text = walk(sql, |name| match name {
                Some(n) => Ok(format!(":{n}")),
                None => Err(missing(sql)),
            })?;
            let values = m
                .iter()
                .map(|(k, v)| Ok((format!(":{k}"), value(v)?)))
                .collect::<Result<Vec<_>>>()?;
            Ok(Statement {
                sql: text.into(),
                params: Params::Named(values),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_render_and_bind_like_django() {
        let p = SqlParams::Positional(vec![Json::from("it's"), Json::from(2), Json::Null]);
        assert_eq!(
            interpolate("INSERT INTO t VALUES (%s, %s, %s) -- 100%%", &p).unwrap(),
            "INSERT INTO t VALUES ('it''s', 2, NULL) -- 100%"
        );
        let st = statement("INSERT INTO t VALUES (%s, %s, %s) -- 100%%", Some(&p)).unwrap();
        assert_eq!(&*st.sql, "INSERT INTO t VALUES (?, ?, ?) -- 100%");
        assert!(interpolate("%s %s", &SqlParams::Positional(vec![Json::from(1)])).is_err());
        assert!(statement("%q", Some(&p)).is_err());
    }
}
