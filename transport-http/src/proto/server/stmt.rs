//! Wire `Stmt` → core [`Statement`].

use sqlport_core::{Params, Statement};

use super::errors::{ErrorCode, Fatal, map_error};
use super::executor::{StatementKind, StreamExecutor};
use super::store::SqlStore;
use crate::proto::wire;

/// `true` when a value is a float JSON cannot carry (sqld cannot
/// deserialize `{"type":"float","value":null}`).
fn bad_float(v: &wire::Value) -> bool {
    matches!(v, wire::Value::Float(f) if !f.is_finite())
}

/// The protocol error sqld answers for a `null` float anywhere in a request
/// body, before anything of it runs.
pub(crate) fn check_floats(stmt: &wire::Stmt) -> Result<(), Fatal> {
    let bad = stmt
        .args
        .iter()
        .chain(stmt.named_args.iter().map(|a| &a.value))
        .any(bad_float);
    if bad {
        return Err(Fatal::protocol(
            "Cannot deserialize client message from JSON: invalid type: null, expected f64",
        ));
    }
    Ok(())
}

/// A statement ready to run: the core statement and the right it needs.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) stmt: Statement,
    pub(crate) kind: StatementKind,
}

/// Convert a wire statement as sqld does before running it: resolve the
/// SQL (misuse of `sql`/`sql_id` and unknown ids are protocol errors), parse
/// it into exactly one statement (`SQL_PARSE_ERROR`, `SQL_NO_STATEMENT`,
/// `SQL_MANY_STATEMENTS`, in band), then check the arguments (in band).
/// Named arguments given twice: the last one counts, as on sqld.
pub(crate) fn to_statement(
    stmt: &wire::Stmt,
    store: &SqlStore,
    exec: &mut dyn StreamExecutor,
) -> Result<Result<Prepared, wire::Error>, Fatal> {
    let sql = store.resolve(stmt.sql.as_deref(), stmt.sql_id)?;
    check_floats(stmt)?;
    let analysis = exec.analyze(&sql);
    let kind = match (analysis.statements.len(), analysis.error) {
        (1, None) => analysis
            .statements
            .into_iter()
            .next()
            .map(|a| a.kind)
            .unwrap_or(StatementKind::Read),
        (0, Some(e)) => return Ok(Err(map_error(&e)?)),
        (0, None) => {
            return Ok(Err(
                ErrorCode::SqlNoStatement.error("SQL string does not contain any statement")
            ));
        }
        _ => {
            return Ok(Err(
                ErrorCode::SqlManyStatements.error("SQL string contains more than one statement")
            ));
        }
    };
    if !stmt.args.is_empty() && !stmt.named_args.is_empty() {
        return Ok(Err(ErrorCode::ArgsBothPositionalAndNamed.error(
            "Specifying both positional and named arguments is not supported",
        )));
    }
    let params = if !stmt.args.is_empty() {
        Params::Positional(stmt.args.iter().cloned().map(Into::into).collect())
    } else if !stmt.named_args.is_empty() {
        let mut named: Vec<(String, sqlport_core::Value)> =
            Vec::with_capacity(stmt.named_args.len());
        for a in &stmt.named_args {
            let value: sqlport_core::Value = a.value.clone().into();
            match named.iter_mut().find(|(n, _)| *n == a.name) {
                Some(slot) => slot.1 = value,
                None => named.push((a.name.clone(), value)),
            }
        }
        Params::Named(named)
    } else {
        Params::None
    };
    Ok(Ok(Prepared {
        stmt: Statement { sql, params },
        kind,
    }))
}

#[cfg(test)]
mod tests {
    use sqlport_core::Value;

    use super::super::tests::Fake;
    use super::*;

    #[test]
    fn converts_args() {
        let store = SqlStore::new();
        let exec = &mut Fake::new();
        let s = wire::Stmt {
            sql: Some("select ?".into()),
            args: vec![wire::Value::Integer(1)],
            ..Default::default()
        };
        let st = to_statement(&s, &store, exec).unwrap().unwrap();
        assert_eq!(st.stmt.params, Params::Positional(vec![Value::Integer(1)]));
        let s = wire::Stmt {
            sql: Some("select :a".into()),
            named_args: vec![wire::NamedArg {
                name: "a".into(),
                value: wire::Value::Null,
            }],
            ..Default::default()
        };
        let st = to_statement(&s, &store, exec).unwrap().unwrap();
        assert_eq!(
            st.stmt.params,
            Params::Named(vec![("a".into(), Value::Null)])
        );
    }

    #[test]
    fn mixed_args_are_in_band_and_misuse_is_fatal() {
        let store = SqlStore::new();
        let exec = &mut Fake::new();
        let s = wire::Stmt {
            sql: Some("select ?, :a".into()),
            args: vec![wire::Value::Integer(1)],
            named_args: vec![wire::NamedArg {
                name: "a".into(),
                value: wire::Value::Null,
            }],
            ..Default::default()
        };
        let e = to_statement(&s, &store, exec).unwrap().unwrap_err();
        assert_eq!(e.code.as_deref(), Some("ARGS_BOTH_POSITIONAL_AND_NAMED"));
        let none = wire::Stmt::default();
        assert!(to_statement(&none, &store, exec).is_err());
        let nan = wire::Stmt {
            sql: Some("select ?".into()),
            args: vec![wire::Value::Float(f64::NAN)],
            ..Default::default()
        };
        assert!(to_statement(&nan, &store, exec).is_err());
    }
}
