//! Statement encoding and result decoding between core types and wire types.

use std::sync::Arc;

use sqlport_core::error::ConversionError;
use sqlport_core::{Column, Error, Params, Result, ResultSet, Row, Statement};

use crate::proto::wire;

/// Encode one value; non-finite floats are refused (sqld would answer 400).
pub fn encode_value(v: &sqlport_core::Value) -> Result<wire::Value> {
    if let sqlport_core::Value::Real(f) = v {
        if !f.is_finite() {
            return Err(Error::conversion(None, ConversionError::NonFinite(*f)));
        }
    }
    Ok(wire::Value::from(v.clone()))
}

/// Encode a statement's SQL and parameters (names passed as written).
pub fn encode_stmt(stmt: &Statement, want_rows: bool) -> Result<wire::Stmt> {
    let mut out = wire::Stmt {
        sql: Some(stmt.sql.to_string()),
        want_rows: Some(want_rows),
        ..wire::Stmt::default()
    };
    match &stmt.params {
        Params::None => {}
        Params::Positional(values) => {
            out.args = values.iter().map(encode_value).collect::<Result<_>>()?;
        }
        Params::Named(pairs) => {
            out.named_args = pairs
                .iter()
                .map(|(name, v)| {
                    Ok(wire::NamedArg {
                        name: name.clone(),
                        value: encode_value(v)?,
                    })
                })
                .collect::<Result<_>>()?;
        }
    }
    Ok(out)
}

/// A plain statement without parameters (BEGIN, COMMIT, SAVEPOINT, ...).
pub fn plain_stmt(sql: &str) -> wire::Stmt {
    wire::Stmt {
        sql: Some(sql.to_owned()),
        want_rows: Some(false),
        ..wire::Stmt::default()
    }
}

/// Decode result columns.
pub fn columns(cols: Vec<wire::Col>) -> Arc<[Column]> {
    cols.into_iter()
        .map(|c| Column::new(c.name.unwrap_or_default(), c.decltype))
        .collect::<Vec<_>>()
        .into()
}

/// Decode one row against its columns (a length mismatch is a protocol error).
pub fn row(columns: &Arc<[Column]>, values: Vec<wire::Value>) -> Result<Row> {
    Row::new(
        columns.clone(),
        values.into_iter().map(sqlport_core::Value::from).collect(),
    )
}

/// Decode a `StmtResult`.
pub fn result_set(r: wire::StmtResult) -> Result<ResultSet> {
    let columns = columns(r.cols);
    let rows = r
        .rows
        .into_iter()
        .map(|values| row(&columns, values))
        .collect::<Result<Vec<_>>>()?;
    Ok(ResultSet {
        columns,
        rows,
        rows_affected: r.affected_row_count,
        last_insert_rowid: r.last_insert_rowid,
        rows_read: r.rows_read,
        rows_written: r.rows_written,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlport_core::{ErrorKind, Value};

    #[test]
    fn statements_encode_params_as_given() {
        let s = Statement::with_params("SELECT ?, ?", (i64::MAX, "x")).unwrap();
        let w = encode_stmt(&s, true).unwrap();
        let j = serde_json::to_value(&w).unwrap();
        assert_eq!(
            j,
            serde_json::json!({"sql":"SELECT ?, ?","args":[
                {"type":"integer","value":"9223372036854775807"},{"type":"text","value":"x"}],
                "want_rows":true})
        );
        let s = Statement {
            sql: "SELECT :a".into(),
            params: Params::Named(vec![(":a".into(), Value::Blob(vec![]))]),
        };
        let j = serde_json::to_value(encode_stmt(&s, false).unwrap()).unwrap();
        assert_eq!(
            j["named_args"],
            serde_json::json!([{"name":":a","value":{"type":"blob","base64":""}}])
        );
        let s = Statement {
            sql: "SELECT ?".into(),
            params: Params::Positional(vec![Value::Real(f64::NAN)]),
        };
        assert_eq!(
            encode_stmt(&s, true).unwrap_err().kind(),
            ErrorKind::Conversion
        );
    }

    #[test]
    fn results_decode_and_check_row_lengths() {
        let r: wire::StmtResult = serde_json::from_str(
            r#"{"cols":[{"name":"a","decltype":null},{"name":"a","decltype":"INT"}],
            "rows":[[{"type":"integer","value":"1"},{"type":"null"}]],
            "affected_row_count":0,"last_insert_rowid":null}"#,
        )
        .unwrap();
        let rs = result_set(r).unwrap();
        assert_eq!(rs.columns.len(), 2);
        // No counts sent: none reported (not 0).
        assert_eq!((rs.rows_read, rs.rows_written), (None, None));
        assert_eq!(rs.rows[0].values(), &[Value::Integer(1), Value::Null]);
        let bad: wire::StmtResult = serde_json::from_str(
            r#"{"cols":[{"name":"a"}],"rows":[[]],"affected_row_count":0,"last_insert_rowid":null}"#,
        )
        .unwrap();
        assert_eq!(result_set(bad).unwrap_err().kind(), ErrorKind::Protocol);
    }
}
