//! Wire `Stmt` → core [`Statement`].

use sqlport_core::{Params, Statement};

use super::errors::{ErrorCode, Fatal};
use super::store::SqlStore;
use crate::proto::wire;

/// Convert a wire statement. Protocol errors (sql/sql_id misuse, unknown id, a
/// `null` float, which sqld cannot deserialize) are `Err`; argument errors are
/// in-band (`Ok(Err(..))`).
pub(crate) fn to_statement(
    stmt: &wire::Stmt,
    store: &SqlStore,
) -> Result<Result<Statement, wire::Error>, Fatal> {
    let sql = store.resolve(stmt.sql.as_deref(), stmt.sql_id)?;
    let bad_float = stmt
        .args
        .iter()
        .chain(stmt.named_args.iter().map(|a| &a.value))
        .any(|v| matches!(v, wire::Value::Float(f) if !f.is_finite()));
    if bad_float {
        return Err(Fatal::protocol(
            "Cannot deserialize client message from JSON: invalid type: null, expected f64",
        ));
    }
    if !stmt.args.is_empty() && !stmt.named_args.is_empty() {
        return Ok(Err(ErrorCode::ArgsBothPositionalAndNamed
            .error("Arguments must not mix positional and named arguments")));
    }
    let params = if !stmt.args.is_empty() {
        Params::Positional(stmt.args.iter().cloned().map(Into::into).collect())
    } else if !stmt.named_args.is_empty() {
        Params::Named(
            stmt.named_args
                .iter()
                .map(|a| (a.name.clone(), a.value.clone().into()))
                .collect(),
        )
    } else {
        Params::None
    };
    Ok(Ok(Statement { sql, params }))
}

#[cfg(test)]
mod tests {
    use sqlport_core::Value;

    use super::*;

    #[test]
    fn converts_args() {
        let store = SqlStore::new();
        let s = wire::Stmt {
            sql: Some("select ?".into()),
            args: vec![wire::Value::Integer(1)],
            ..Default::default()
        };
        let st = to_statement(&s, &store).unwrap().unwrap();
        assert_eq!(st.params, Params::Positional(vec![Value::Integer(1)]));
        let s = wire::Stmt {
            sql: Some("select :a".into()),
            named_args: vec![wire::NamedArg {
                name: "a".into(),
                value: wire::Value::Null,
            }],
            ..Default::default()
        };
        let st = to_statement(&s, &store).unwrap().unwrap();
        assert_eq!(st.params, Params::Named(vec![("a".into(), Value::Null)]));
    }

    #[test]
    fn mixed_args_are_in_band_and_misuse_is_fatal() {
        let store = SqlStore::new();
        let s = wire::Stmt {
            sql: Some("select ?, :a".into()),
            args: vec![wire::Value::Integer(1)],
            named_args: vec![wire::NamedArg {
                name: "a".into(),
                value: wire::Value::Null,
            }],
            ..Default::default()
        };
        let e = to_statement(&s, &store).unwrap().unwrap_err();
        assert_eq!(e.code.as_deref(), Some("ARGS_BOTH_POSITIONAL_AND_NAMED"));
        let none = wire::Stmt::default();
        assert!(to_statement(&none, &store).is_err());
        let nan = wire::Stmt {
            sql: Some("select ?".into()),
            args: vec![wire::Value::Float(f64::NAN)],
            ..Default::default()
        };
        assert!(to_statement(&nan, &store).is_err());
    }
}
