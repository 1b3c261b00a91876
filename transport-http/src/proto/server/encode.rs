//! Response encoding in sqld's shapes and key order. Values are written by this
//! module rather than [`wire::Value`], because a result can hold ±inf, which
//! sqld writes as `{"type":"float","value":null}` while the wire type refuses it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use std::ops::ControlFlow;
use std::sync::Arc;

use sqlport_core::{Column, ResultSet, Row, RowSink, Summary, Value};

use crate::proto::wire;

/// A result value in sqld's encoding.
struct OutValue<'a>(&'a Value);

impl Serialize for OutValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        match self.0 {
            Value::Null => m.serialize_entry("type", "null")?,
            Value::Integer(i) => {
                m.serialize_entry("type", "integer")?;
                m.serialize_entry("value", &i.to_string())?;
            }
            Value::Real(f) => {
                m.serialize_entry("type", "float")?;
                if f.is_finite() {
                    m.serialize_entry("value", f)?;
                } else {
                    m.serialize_entry("value", &())?;
                }
            }
            Value::Text(t) => {
                m.serialize_entry("type", "text")?;
                m.serialize_entry("value", t)?;
            }
            Value::Blob(b) => {
                m.serialize_entry("type", "blob")?;
                m.serialize_entry("base64", &STANDARD_NO_PAD.encode(b))?;
            }
        }
        m.end()
    }
}

struct OutCols<'a>(&'a [Column]);

impl Serialize for OutCols<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for c in self.0 {
            seq.serialize_element(&OutCol(c))?;
        }
        seq.end()
    }
}

struct OutCol<'a>(&'a Column);

impl Serialize for OutCol<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("name", &self.0.name)?;
        m.serialize_entry("decltype", &self.0.decl_type)?;
        m.end()
    }
}

struct OutRow<'a>(&'a [Value]);

impl Serialize for OutRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            seq.serialize_element(&OutValue(v))?;
        }
        seq.end()
    }
}

struct OutRows<'a>(&'a ResultSet);

impl Serialize for OutRows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.rows.len()))?;
        for r in &self.0.rows {
            seq.serialize_element(&OutRow(r.values()))?;
        }
        seq.end()
    }
}

/// A `StmtResult` with every key sqld writes, in its order.
struct OutStmtResult<'a> {
    rs: &'a ResultSet,
    duration_ms: f64,
}

impl Serialize for OutStmtResult<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(8))?;
        m.serialize_entry("cols", &OutCols(&self.rs.columns))?;
        m.serialize_entry("rows", &OutRows(self.rs))?;
        m.serialize_entry("affected_row_count", &self.rs.rows_affected)?;
        m.serialize_entry(
            "last_insert_rowid",
            &self.rs.last_insert_rowid.map(|r| r.to_string()),
        )?;
        m.serialize_entry("replication_index", &())?;
        m.serialize_entry("rows_read", &0u64)?;
        m.serialize_entry("rows_written", &0u64)?;
        let d = if self.duration_ms.is_finite() && self.duration_ms >= 0.0 {
            self.duration_ms
        } else {
            0.0
        };
        m.serialize_entry("query_duration_ms", &d)?;
        m.end()
    }
}

fn to_string<T: Serialize>(v: &T) -> String {
    // Every type serialized here is infallible (string keys, finite floats,
    // non-finite ones written as null); fall back to `null` rather than panic.
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

/// One value as sqld writes it (±inf and NaN as `"value":null`).
pub fn encode_value(v: &Value) -> String {
    to_string(&OutValue(v))
}

/// A `StmtResult` as JSON text: `cols`, `rows`, `affected_row_count`,
/// `last_insert_rowid` (string or null), `replication_index` (null),
/// `rows_read`, `rows_written` (0: not tracked) and `query_duration_ms`.
pub fn encode_stmt_result(rs: &ResultSet, duration_ms: f64) -> String {
    to_string(&OutStmtResult { rs, duration_ms })
}

/// Append the values of one row (`[v,...]`) to `out`, value by value; stop
/// (returning `false`) as soon as `out` is longer than `max` bytes, so one
/// oversized row never has to be encoded whole.
fn push_row(out: &mut String, values: &[Value], max: usize) -> bool {
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&encode_value(v));
        let fits = out.len() <= max;
        if !fits {
            return false;
        }
    }
    out.push(']');
    out.len() <= max
}

/// Encodes a `StmtResult` while its rows arrive (a [`RowSink`]), and stops
/// the statement as soon as the text passes its byte budget: a result too
/// large for a response is never held whole.
pub(crate) struct StmtResultWriter {
    out: String,
    max: usize,
    rows: usize,
    began: bool,
    overflow: bool,
}

impl StmtResultWriter {
    /// A writer allowed `max` bytes of encoded result.
    pub(crate) fn new(max: usize) -> Self {
        StmtResultWriter {
            out: String::new(),
            max,
            rows: 0,
            began: false,
            overflow: false,
        }
    }

    fn begin(&mut self, columns: &[Column]) {
        if !self.began {
            self.began = true;
            self.out.push_str("{\"cols\":");
            self.out.push_str(&to_string(&OutCols(columns)));
            self.out.push_str(",\"rows\":[");
            self.overflow |= self.out.len() > self.max;
        }
    }

    /// The finished text, or `None` when the result went over the budget.
    pub(crate) fn finish(mut self, summary: &Summary, duration_ms: f64) -> Option<String> {
        self.begin(&summary.columns);
        if self.overflow {
            return None;
        }
        let d = if duration_ms.is_finite() && duration_ms >= 0.0 {
            duration_ms
        } else {
            0.0
        };
        self.out.push_str("],\"affected_row_count\":");
        self.out.push_str(&summary.rows_affected.to_string());
        self.out.push_str(",\"last_insert_rowid\":");
        self.out.push_str(&to_string(
            &summary.last_insert_rowid.map(|r| r.to_string()),
        ));
        self.out.push_str(
            ",\"replication_index\":null,\"rows_read\":0,\"rows_written\":0,\"query_duration_ms\":",
        );
        self.out.push_str(&to_string(&d));
        self.out.push('}');
        (self.out.len() <= self.max).then_some(self.out)
    }
}

impl RowSink for StmtResultWriter {
    fn columns(&mut self, columns: &Arc<[Column]>) -> sqlport_core::Result<()> {
        self.begin(columns);
        Ok(())
    }

    fn row(&mut self, row: Row) -> sqlport_core::Result<ControlFlow<()>> {
        if self.overflow {
            return Ok(ControlFlow::Break(()));
        }
        if self.rows > 0 {
            self.out.push(',');
        }
        self.rows += 1;
        if !push_row(&mut self.out, row.values(), self.max) {
            self.overflow = true;
            // Free what was encoded: the result is refused anyway.
            self.out = String::new();
            return Ok(ControlFlow::Break(()));
        }
        Ok(ControlFlow::Continue(()))
    }
}

/// An error object as JSON text (`message` and `code`).
pub fn encode_error(e: &wire::Error) -> String {
    to_string(e)
}

/// The pipeline response envelope around already-encoded `results`.
pub fn encode_pipeline_response(
    baton: Option<&str>,
    base_url: Option<&str>,
    results: &[String],
) -> String {
    let len: usize = results.iter().map(|r| r.len() + 1).sum();
    let mut out = String::with_capacity(len + 128);
    out.push_str("{\"baton\":");
    out.push_str(&to_string(&baton));
    out.push_str(",\"base_url\":");
    out.push_str(&to_string(&base_url));
    out.push_str(",\"results\":[");
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r);
    }
    out.push_str("]}");
    out
}

/// `{"type":"ok","response":<response>}` around an encoded response.
pub(crate) fn ok_result(response: &str) -> String {
    format!("{{\"type\":\"ok\",\"response\":{response}}}")
}

/// `{"type":"error","error":<error>}`.
pub(crate) fn error_result(e: &wire::Error) -> String {
    format!("{{\"type\":\"error\",\"error\":{}}}", encode_error(e))
}

/// A response with only a type (`close`, `sequence`, ...).
pub(crate) fn bare_response(kind: &str) -> String {
    format!("{{\"type\":{}}}", to_string(&kind))
}

/// A response carrying `result`.
pub(crate) fn result_response(kind: &str, result: &str) -> String {
    format!("{{\"type\":{},\"result\":{result}}}", to_string(&kind))
}

/// A `BatchResult` from encoded step results and errors.
pub(crate) fn batch_result(results: &[Option<String>], errors: &[Option<wire::Error>]) -> String {
    let mut out = String::from("{\"step_results\":[");
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r.as_deref().unwrap_or("null"));
    }
    out.push_str("],\"step_errors\":[");
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match e {
            Some(e) => out.push_str(&encode_error(e)),
            None => out.push_str("null"),
        }
    }
    out.push_str("],\"replication_index\":null}");
    out
}

/// Serialize any wire type (used for describe results and cursor entries).
pub(crate) fn encode<T: Serialize>(v: &T) -> String {
    to_string(v)
}

/// A cursor `step_begin` entry.
pub(crate) fn cursor_step_begin(step: usize, cols: &[Column]) -> String {
    format!(
        "{{\"type\":\"step_begin\",\"step\":{step},\"cols\":{}}}",
        to_string(&OutCols(cols))
    )
}

/// A cursor `row` entry of at most `max` bytes; `None` (found out value by
/// value, without encoding the whole row) when it would be longer.
pub(crate) fn cursor_row_limited(values: &[Value], max: usize) -> Option<String> {
    let mut out = String::from("{\"type\":\"row\",\"row\":");
    if !push_row(&mut out, values, max) {
        return None;
    }
    out.push('}');
    (out.len() <= max).then_some(out)
}

/// A cursor `step_end` entry; the rowid is a JSON number, as sqld writes it.
pub(crate) fn cursor_step_end(rows_affected: u64, last_insert_rowid: Option<i64>) -> String {
    format!(
        "{{\"type\":\"step_end\",\"affected_row_count\":{rows_affected},\"last_insert_rowid\":{}}}",
        to_string(&last_insert_rowid)
    )
}

/// A cursor `step_error` entry.
pub(crate) fn cursor_step_error(step: usize, e: &wire::Error) -> String {
    format!(
        "{{\"type\":\"step_error\",\"step\":{step},\"error\":{}}}",
        encode_error(e)
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sqlport_core::Row;

    use super::*;

    fn rs() -> ResultSet {
        let cols: Arc<[Column]> =
            vec![Column::new("a", Some("INT".into())), Column::new("a", None)].into();
        let rows = vec![
            Row::new(
                cols.clone(),
                vec![Value::Integer(i64::MAX), Value::Real(f64::INFINITY)],
            )
            .unwrap(),
            Row::new(
                cols.clone(),
                vec![
                    Value::Blob(vec![0xfb, 0xff, 0xfe, 1]),
                    Value::Text("x\0y".into()),
                ],
            )
            .unwrap(),
        ];
        ResultSet {
            columns: cols,
            rows,
            rows_affected: 0,
            last_insert_rowid: None,
            rows_read: None,
            rows_written: None,
        }
    }

    #[test]
    fn values_match_sqld() {
        assert_eq!(
            encode_value(&Value::Integer(-1)),
            r#"{"type":"integer","value":"-1"}"#
        );
        assert_eq!(
            encode_value(&Value::Real(f64::NEG_INFINITY)),
            r#"{"type":"float","value":null}"#
        );
        assert_eq!(
            encode_value(&Value::Real(f64::NAN)),
            r#"{"type":"float","value":null}"#
        );
        assert_eq!(
            encode_value(&Value::Real(1.5)),
            r#"{"type":"float","value":1.5}"#
        );
        assert_eq!(
            encode_value(&Value::Blob(vec![])),
            r#"{"type":"blob","base64":""}"#
        );
        assert_eq!(encode_value(&Value::Null), r#"{"type":"null"}"#);
    }

    #[test]
    fn stmt_result_has_every_key_and_decodes() {
        let text = encode_stmt_result(&rs(), f64::NAN);
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        for key in [
            "cols",
            "rows",
            "affected_row_count",
            "last_insert_rowid",
            "replication_index",
            "rows_read",
            "rows_written",
            "query_duration_ms",
        ] {
            assert!(json.get(key).is_some(), "missing {key}");
        }
        assert!(json["last_insert_rowid"].is_null());
        assert_eq!(json["query_duration_ms"], 0.0);
        let back: wire::StmtResult = serde_json::from_str(&text).unwrap();
        assert_eq!(back.rows[0][0], wire::Value::Integer(i64::MAX));
        assert!(matches!(back.rows[0][1], wire::Value::Float(f) if f.is_nan()));
        assert_eq!(back.cols.len(), 2);
        let mut with_rowid = rs();
        with_rowid.last_insert_rowid = Some(7);
        let json: serde_json::Value =
            serde_json::from_str(&encode_stmt_result(&with_rowid, 0.5)).unwrap();
        assert_eq!(json["last_insert_rowid"], "7");
    }

    #[test]
    fn envelope_and_cursor_entries_decode_as_wire_types() {
        let body = encode_pipeline_response(Some("b"), None, &[ok_result(&bare_response("close"))]);
        let back: wire::PipelineResponse = serde_json::from_str(&body).unwrap();
        assert_eq!(back.baton.as_deref(), Some("b"));
        assert_eq!(back.results.len(), 1);
        let mut r = rs();
        r.last_insert_rowid = Some(3);
        let end: serde_json::Value =
            serde_json::from_str(&cursor_step_end(r.rows_affected, r.last_insert_rowid)).unwrap();
        assert_eq!(end["last_insert_rowid"], 3);
        for line in [
            cursor_step_begin(0, &r.columns),
            cursor_row_limited(r.rows[0].values(), usize::MAX).unwrap(),
            cursor_step_end(0, None),
        ] {
            let _: wire::CursorEntry = serde_json::from_str(&line).unwrap();
        }
        let b = batch_result(
            &[None],
            &[Some(wire::Error {
                message: "m".into(),
                code: Some("C".into()),
            })],
        );
        let back: wire::BatchResult = serde_json::from_str(&b).unwrap();
        assert_eq!(
            back.step_errors[0].as_ref().unwrap().code.as_deref(),
            Some("C")
        );
    }

    #[test]
    fn the_streaming_writer_matches_the_whole_encoder_and_stops_at_its_budget() {
        let rs = rs();
        let whole = encode_stmt_result(&rs, 1.25);
        let summary = Summary {
            columns: rs.columns.clone(),
            rows_affected: rs.rows_affected,
            last_insert_rowid: rs.last_insert_rowid,
            rows_read: rs.rows_read,
            rows_written: rs.rows_written,
        };
        let mut w = StmtResultWriter::new(usize::MAX);
        w.columns(&rs.columns).unwrap();
        for r in &rs.rows {
            assert!(w.row(r.clone()).unwrap().is_continue());
        }
        assert_eq!(w.finish(&summary, 1.25).as_deref(), Some(whole.as_str()));
        // No rows and no `columns` call: the summary's columns are used.
        let empty = ResultSet {
            columns: rs.columns.clone(),
            ..ResultSet::default()
        };
        let w = StmtResultWriter::new(usize::MAX);
        assert_eq!(
            w.finish(&summary, 0.0),
            Some(encode_stmt_result(&empty, 0.0))
        );
        // Over budget: the row that passes it stops the statement.
        let mut w = StmtResultWriter::new(whole.len() / 2);
        w.columns(&rs.columns).unwrap();
        assert!(w.row(rs.rows[0].clone()).unwrap().is_continue());
        assert!(w.row(rs.rows[1].clone()).unwrap().is_break());
        assert!(w.row(rs.rows[1].clone()).unwrap().is_break());
        assert_eq!(w.finish(&summary, 0.0), None);
        // Exactly at the budget still fits.
        let mut w = StmtResultWriter::new(whole.len());
        w.columns(&rs.columns).unwrap();
        for r in &rs.rows {
            assert!(w.row(r.clone()).unwrap().is_continue());
        }
        assert_eq!(w.finish(&summary, 1.25), Some(whole));
    }

    #[test]
    fn a_limited_cursor_row_stops_inside_the_row() {
        let big = vec![Value::Text("x".repeat(100)), Value::Blob(vec![1; 1000])];
        let full = cursor_row_limited(&big, usize::MAX).unwrap();
        let _: wire::CursorEntry = serde_json::from_str(&full).unwrap();
        assert_eq!(cursor_row_limited(&big, full.len()), Some(full.clone()));
        assert_eq!(cursor_row_limited(&big, full.len() - 1), None);
        assert_eq!(cursor_row_limited(&big, 10), None);
    }
}
