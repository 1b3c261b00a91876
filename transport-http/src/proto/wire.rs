//! Hrana-over-HTTP JSON bodies (v1, v2, v3 pipeline and v3 cursor), as serde
//! types shared by the client half and the server half. Field names, key sets
//! and encodings follow sqld (see docs/PROTOCOL.md): integers are
//! decimal strings, blobs standard base64 (unpadded on output, both forms on
//! input), floats JSON numbers (`null` read as NaN: sqld sends `null` for ±inf).
//!
//! Decoding is lenient where sqld is (unknown fields ignored, optional stats);
//! nothing here panics on any input.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

// ---- values ---------------------------------------------------------------

/// A Hrana value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `{"type":"null"}`
    Null,
    /// `{"type":"integer","value":"42"}`
    Integer(i64),
    /// `{"type":"float","value":1.5}`; a `null` value decodes as NaN.
    Float(f64),
    /// `{"type":"text","value":"..."}`
    Text(String),
    /// `{"type":"blob","base64":"..."}`
    Blob(Vec<u8>),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => {
                let mut st = s.serialize_struct("Value", 1)?;
                st.serialize_field("type", "null")?;
                st.end()
            }
            Value::Integer(i) => {
                let mut st = s.serialize_struct("Value", 2)?;
                st.serialize_field("type", "integer")?;
                st.serialize_field("value", &i.to_string())?;
                st.end()
            }
            Value::Float(f) => {
                if !f.is_finite() {
                    return Err(serde::ser::Error::custom(
                        "non-finite floats cannot be sent over Hrana",
                    ));
                }
                let mut st = s.serialize_struct("Value", 2)?;
                st.serialize_field("type", "float")?;
                st.serialize_field("value", f)?;
                st.end()
            }
            Value::Text(t) => {
                let mut st = s.serialize_struct("Value", 2)?;
                st.serialize_field("type", "text")?;
                st.serialize_field("value", t)?;
                st.end()
            }
            Value::Blob(b) => {
                let mut st = s.serialize_struct("Value", 2)?;
                st.serialize_field("type", "blob")?;
                st.serialize_field("base64", &STANDARD_NO_PAD.encode(b))?;
                st.end()
            }
        }
    }
}

// Decoded field by field, without serde's buffering of an internally tagged
// enum (which copies every object into an intermediate tree first): the
// cursor's rows are mostly values, so this is most of a cursor's parsing.
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ValueVisitor)
    }
}

/// The keys of a value object.
enum ValueKey {
    Type,
    Value,
    Base64,
    Other,
}

impl<'de> Deserialize<'de> for ValueKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ValueKey;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a value field name")
            }
            fn visit_str<E: serde::de::Error>(self, k: &str) -> Result<ValueKey, E> {
                Ok(match k {
                    "type" => ValueKey::Type,
                    "value" => ValueKey::Value,
                    "base64" => ValueKey::Base64,
                    _ => ValueKey::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// The type of a value object.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ValueType {
    Null,
    Integer,
    Float,
    Text,
    Blob,
}

/// The `value` field: a string (integer, text), a number or null (float).
enum ValueField {
    Str(String),
    Num(f64),
    Null,
}

impl<'de> Deserialize<'de> for ValueField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ValueField;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string, a number or null")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ValueField, E> {
                Ok(ValueField::Str(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<ValueField, E> {
                Ok(ValueField::Str(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ValueField, E> {
                Ok(ValueField::Num(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ValueField, E> {
                Ok(ValueField::Num(v as f64))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ValueField, E> {
                Ok(ValueField::Num(v))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<ValueField, E> {
                Ok(ValueField::Null)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<ValueField, E> {
                Ok(ValueField::Null)
            }
        }
        d.deserialize_any(V)
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a Hrana value object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        use serde::de::Error as _;
        let mut ty = None;
        let mut value = None;
        let mut base64: Option<String> = None;
        while let Some(key) = map.next_key::<ValueKey>()? {
            match key {
                ValueKey::Type if ty.is_none() => ty = Some(map.next_value::<ValueType>()?),
                ValueKey::Value if value.is_none() => value = Some(map.next_value::<ValueField>()?),
                ValueKey::Base64 if base64.is_none() => base64 = Some(map.next_value()?),
                ValueKey::Type => return Err(A::Error::duplicate_field("type")),
                ValueKey::Value => return Err(A::Error::duplicate_field("value")),
                ValueKey::Base64 => return Err(A::Error::duplicate_field("base64")),
                ValueKey::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        let ty = ty.ok_or_else(|| A::Error::missing_field("type"))?;
        Ok(match (ty, value) {
            (ValueType::Null, _) => Value::Null,
            (ValueType::Integer, Some(ValueField::Str(v))) => Value::Integer(
                v.parse::<i64>()
                    .map_err(|_| A::Error::custom(format!("invalid integer value {v:?}")))?,
            ),
            (ValueType::Float, Some(ValueField::Num(f))) => Value::Float(f),
            (ValueType::Float, Some(ValueField::Null) | None) => Value::Float(f64::NAN),
            (ValueType::Text, Some(ValueField::Str(v))) => Value::Text(v),
            (ValueType::Blob, _) => {
                let b = base64.ok_or_else(|| A::Error::missing_field("base64"))?;
                Value::Blob(decode_base64(&b).map_err(A::Error::custom)?)
            }
            (ValueType::Integer | ValueType::Text, None) => {
                return Err(A::Error::missing_field("value"));
            }
            (_, Some(_)) => return Err(A::Error::custom("value of the wrong JSON type")),
        })
    }
}

/// Decode standard base64, padded or not.
pub fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    let trimmed = s.trim_end_matches('=');
    STANDARD_NO_PAD
        .decode(trimmed)
        .or_else(|_| STANDARD.decode(s))
        .map_err(|e| format!("invalid base64 blob: {e}"))
}

impl From<sqlport_core::Value> for Value {
    fn from(v: sqlport_core::Value) -> Self {
        match v {
            sqlport_core::Value::Null => Value::Null,
            sqlport_core::Value::Integer(i) => Value::Integer(i),
            sqlport_core::Value::Real(f) => Value::Float(f),
            sqlport_core::Value::Text(t) => Value::Text(t),
            sqlport_core::Value::Blob(b) => Value::Blob(b),
        }
    }
}

impl From<Value> for sqlport_core::Value {
    fn from(v: Value) -> Self {
        match v {
            Value::Null => sqlport_core::Value::Null,
            Value::Integer(i) => sqlport_core::Value::Integer(i),
            Value::Float(f) => sqlport_core::Value::Real(f),
            Value::Text(t) => sqlport_core::Value::Text(t),
            Value::Blob(b) => sqlport_core::Value::Blob(b),
        }
    }
}

// ---- integers as strings ---------------------------------------------------

/// `Option<i64>` as a decimal string (or null). Decoding also accepts a JSON
/// number, as sqld's cursor sends one.
pub mod opt_i64_str {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize as a string or null.
    pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(i) => s.serialize_str(&i.to_string()),
            None => s.serialize_none(),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StrOrNum {
        Str(String),
        Int(i64),
        Uint(u64),
    }

    /// Deserialize from a string, a number or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Option::<StrOrNum>::deserialize(d)? {
            None => Ok(None),
            Some(StrOrNum::Int(i)) => Ok(Some(i)),
            Some(StrOrNum::Uint(u)) => i64::try_from(u)
                .map(Some)
                .map_err(|_| serde::de::Error::custom("integer out of i64 range")),
            Some(StrOrNum::Str(s)) => s
                .parse::<i64>()
                .map(Some)
                .map_err(|_| serde::de::Error::custom(format!("invalid integer {s:?}"))),
        }
    }
}

/// A value that may be a string, a number or null (`replication_index`); kept
/// only to be ignored or echoed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Loose {
    /// A string.
    Str(String),
    /// A number.
    Num(serde_json::Number),
}

// ---- statements ------------------------------------------------------------

/// A named argument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedArg {
    /// Name as the caller wrote it (`":a"`, `"a"`, ...).
    pub name: String,
    /// Value.
    pub value: Value,
}

/// `Stmt`: exactly one of `sql` and `sql_id`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Stmt {
    /// SQL text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// Id of SQL stored with `store_sql`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql_id: Option<i32>,
    /// Positional arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Value>,
    /// Named arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named_args: Vec<NamedArg>,
    /// Whether rows are wanted (sqld ignores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub want_rows: Option<bool>,
}

/// A result column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Col {
    /// Name (sqld always fills it; the spec allows null).
    #[serde(default)]
    pub name: Option<String>,
    /// Declared type.
    #[serde(default)]
    pub decltype: Option<String>,
}

/// `StmtResult`, keys in sqld's order. `cols`, `rows`, `affected_row_count` and
/// `last_insert_rowid` are always written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StmtResult {
    /// Columns.
    pub cols: Vec<Col>,
    /// Rows.
    pub rows: Vec<Vec<Value>>,
    /// Changed rows (0 for non-DML).
    pub affected_row_count: u64,
    /// Rowid (INSERT/REPLACE only).
    #[serde(with = "opt_i64_str", default)]
    pub last_insert_rowid: Option<i64>,
    /// Ignored on input; written as null.
    #[serde(default)]
    pub replication_index: Option<Loose>,
    /// Rows read (optional on input: `None` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows_read: Option<u64>,
    /// Rows written (optional on input: `None` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows_written: Option<u64>,
    /// Stats (optional on input).
    #[serde(default)]
    pub query_duration_ms: f64,
}

/// A Hrana error object. `code` is optional on input, always written by the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Error {
    /// Message.
    pub message: String,
    /// Machine code (`SQLITE_CONSTRAINT`, `SQL_PARSE_ERROR`, ...).
    #[serde(default)]
    pub code: Option<String>,
}

// ---- batches ---------------------------------------------------------------

/// A batch condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BatchCond {
    /// Step ran and succeeded.
    Ok {
        /// Step index.
        step: u32,
    },
    /// Step failed (sqld: also true when it was skipped).
    Error {
        /// Step index.
        step: u32,
    },
    /// Negation.
    Not {
        /// Inner condition.
        cond: Box<BatchCond>,
    },
    /// Conjunction (empty is true).
    And {
        /// Conditions.
        conds: Vec<BatchCond>,
    },
    /// Disjunction (empty is false).
    Or {
        /// Conditions.
        conds: Vec<BatchCond>,
    },
    /// Connection in autocommit mode (v3 only).
    IsAutocommit,
}

/// A batch step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchStep {
    /// Run only if this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<BatchCond>,
    /// The statement.
    pub stmt: Stmt,
}

/// A batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Steps.
    pub steps: Vec<BatchStep>,
}

/// A batch result: one entry per step in each list; `(result, null)` success,
/// `(null, error)` failure, `(null, null)` skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResult {
    /// Results.
    pub step_results: Vec<Option<StmtResult>>,
    /// Errors.
    pub step_errors: Vec<Option<Error>>,
    /// Ignored on input.
    #[serde(default)]
    pub replication_index: Option<Loose>,
}

// ---- describe --------------------------------------------------------------

/// A described parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DescribeParam {
    /// Name with its prefix, or null for `?`.
    pub name: Option<String>,
}

/// A described column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DescribeCol {
    /// Name.
    pub name: String,
    /// Declared type.
    pub decltype: Option<String>,
}

/// `DescribeResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DescribeResult {
    /// Parameters.
    pub params: Vec<DescribeParam>,
    /// Columns.
    pub cols: Vec<DescribeCol>,
    /// `EXPLAIN` statement.
    pub is_explain: bool,
    /// Read-only statement.
    pub is_readonly: bool,
}

// ---- pipeline --------------------------------------------------------------

/// A stream request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamRequest {
    /// Close the stream.
    Close,
    /// Execute one statement.
    Execute {
        /// Statement.
        stmt: Stmt,
    },
    /// Execute a batch.
    Batch {
        /// Batch.
        batch: Batch,
    },
    /// Execute a `;`-separated script.
    Sequence {
        /// SQL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sql: Option<String>,
        /// Stored SQL id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sql_id: Option<i32>,
    },
    /// Describe a statement.
    Describe {
        /// SQL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sql: Option<String>,
        /// Stored SQL id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sql_id: Option<i32>,
    },
    /// Store SQL text under an id.
    StoreSql {
        /// Id.
        sql_id: i32,
        /// SQL.
        sql: String,
    },
    /// Forget stored SQL.
    CloseSql {
        /// Id.
        sql_id: i32,
    },
    /// Ask whether the connection is in autocommit mode (v3).
    GetAutocommit,
}

/// A successful stream response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamResponse {
    /// To `close`.
    Close,
    /// To `execute`.
    Execute {
        /// Result.
        result: StmtResult,
    },
    /// To `batch`.
    Batch {
        /// Result.
        result: BatchResult,
    },
    /// To `sequence`.
    Sequence,
    /// To `describe`.
    Describe {
        /// Result.
        result: DescribeResult,
    },
    /// To `store_sql`.
    StoreSql,
    /// To `close_sql`.
    CloseSql,
    /// To `get_autocommit`.
    GetAutocommit {
        /// Autocommit state.
        is_autocommit: bool,
    },
}

/// One entry of `results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamResult {
    /// Success.
    Ok {
        /// Response.
        response: StreamResponse,
    },
    /// Per-request error.
    Error {
        /// Error.
        error: Error,
    },
}

/// `POST /v2|v3/pipeline` request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineRequest {
    /// Baton (null opens a stream).
    #[serde(default)]
    pub baton: Option<String>,
    /// Requests.
    pub requests: Vec<StreamRequest>,
}

/// `POST /v2|v3/pipeline` response body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineResponse {
    /// Baton for the next request (null: stream closed).
    #[serde(default)]
    pub baton: Option<String>,
    /// Base URL for the rest of the stream.
    #[serde(default)]
    pub base_url: Option<String>,
    /// One per request.
    pub results: Vec<StreamResult>,
}

// ---- cursor ----------------------------------------------------------------

/// `POST /v3/cursor` request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CursorRequest {
    /// Baton.
    #[serde(default)]
    pub baton: Option<String>,
    /// Batch.
    pub batch: Batch,
}

/// First line of a cursor response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CursorResponse {
    /// Baton.
    #[serde(default)]
    pub baton: Option<String>,
    /// Base URL.
    #[serde(default)]
    pub base_url: Option<String>,
}

/// A cursor entry (one NDJSON line after the first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CursorEntry {
    /// A step starts.
    StepBegin {
        /// Step index.
        step: u32,
        /// Columns.
        cols: Vec<Col>,
    },
    /// A step ended.
    StepEnd {
        /// Changed rows.
        affected_row_count: u64,
        /// Rowid (sqld writes a number; a string is accepted).
        #[serde(with = "opt_i64_str", default)]
        last_insert_rowid: Option<i64>,
    },
    /// A step failed.
    StepError {
        /// Step index.
        step: u32,
        /// Error.
        error: Error,
    },
    /// A row of the current step.
    Row {
        /// Values.
        row: Vec<Value>,
    },
    /// The whole batch failed (last entry).
    Error {
        /// Error.
        error: Error,
    },
    /// sqld's trailing replication index (ignored).
    ReplicationIndex {
        /// Index.
        #[serde(default)]
        replication_index: Option<Loose>,
    },
    /// Any entry type this version does not know (ignored).
    #[serde(other)]
    Unknown,
}

/// A `row` entry alone (the `type` key is skipped as unknown).
#[derive(Deserialize)]
struct RowEntry {
    row: Vec<Value>,
}

impl CursorEntry {
    /// Decode one NDJSON line. A line that starts `{"type":"row",` (how
    /// sqld and the reference server write every row) is read straight
    /// into [`CursorEntry::Row`], without the intermediate tree serde
    /// builds for an internally tagged enum; anything else the general way.
    pub fn from_line(line: &[u8]) -> serde_json::Result<CursorEntry> {
        if line.starts_with(br#"{"type":"row","#) {
            let r: RowEntry = serde_json::from_slice(line)?;
            return Ok(CursorEntry::Row { row: r.row });
        }
        serde_json::from_slice(line)
    }
}

// ---- v1 --------------------------------------------------------------------

/// `POST /v1/execute` request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V1ExecuteRequest {
    /// Statement.
    pub stmt: Stmt,
}

/// `POST /v1/execute` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V1ExecuteResponse {
    /// Result.
    pub result: StmtResult,
}

/// `POST /v1/batch` request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V1BatchRequest {
    /// Batch.
    pub batch: Batch,
}

/// `POST /v1/batch` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct V1BatchResponse {
    /// Result.
    pub result: BatchResult,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_encode_like_sqld() {
        let j = serde_json::to_string(&Value::Integer(i64::MIN)).unwrap();
        assert_eq!(j, r#"{"type":"integer","value":"-9223372036854775808"}"#);
        let j = serde_json::to_string(&Value::Blob(vec![0xfb, 0xff, 0xfe, 0x01])).unwrap();
        assert_eq!(j, r#"{"type":"blob","base64":"+//+AQ"}"#);
        assert!(serde_json::to_string(&Value::Float(f64::INFINITY)).is_err());
    }

    #[test]
    fn values_decode_leniently() {
        let v: Value = serde_json::from_str(r#"{"type":"blob","base64":"+//+AQ=="}"#).unwrap();
        assert_eq!(v, Value::Blob(vec![0xfb, 0xff, 0xfe, 0x01]));
        let v: Value = serde_json::from_str(r#"{"type":"float","value":1}"#).unwrap();
        assert_eq!(v, Value::Float(1.0));
        let v: Value = serde_json::from_str(r#"{"type":"float","value":null}"#).unwrap();
        assert!(matches!(v, Value::Float(f) if f.is_nan()));
        assert!(serde_json::from_str::<Value>(r#"{"type":"integer","value":5}"#).is_err());
        assert!(
            serde_json::from_str::<Value>(r#"{"type":"integer","value":"9223372036854775808"}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<Value>(r#"{"type":"nope"}"#).is_err());
    }

    #[test]
    fn values_decode_in_any_key_order_and_refuse_what_they_did_before() {
        let v: Value = serde_json::from_str(r#"{"value":"-7","type":"integer"}"#).unwrap();
        assert_eq!(v, Value::Integer(-7));
        let v: Value =
            serde_json::from_str(r#"{"value":"a\u0000b","extra":[1],"type":"text"}"#).unwrap();
        assert_eq!(v, Value::Text("a\0b".into()));
        let v: Value = serde_json::from_str(r#"{"type":"float"}"#).unwrap();
        assert!(matches!(v, Value::Float(f) if f.is_nan()));
        let v: Value = serde_json::from_str(r#"{"type":"null","value":3}"#).unwrap();
        assert_eq!(v, Value::Null);
        for bad in [
            r#"{"value":"1"}"#,
            r#"{"type":"text"}"#,
            r#"{"type":"text","value":1}"#,
            r#"{"type":"float","value":"1.5"}"#,
            r#"{"type":"blob"}"#,
            r#"{"type":"blob","base64":"***"}"#,
            r#"{"type":"integer","value":"1","value":"2"}"#,
            r#"{"type":"integer","value":true}"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<Value>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn row_lines_decode_the_same_on_the_fast_path() {
        let line = br#"{"type":"row","row":[{"type":"integer","value":"1"},{"type":"text","value":"x"},{"type":"float","value":0.25},{"type":"null"},{"type":"blob","base64":"AQ=="}]}"#;
        let fast = CursorEntry::from_line(line).unwrap();
        let general: CursorEntry = serde_json::from_slice(line).unwrap();
        assert_eq!(fast, general);
        assert!(CursorEntry::from_line(br#"{"type":"row","rows":[]}"#).is_err());
        assert!(CursorEntry::from_line(br#"{"type":"row","row":[{"type":"integer"}]}"#).is_err());
        let e = CursorEntry::from_line(br#"{"type":"step_begin","step":0,"cols":[]}"#).unwrap();
        assert_eq!(
            e,
            CursorEntry::StepBegin {
                step: 0,
                cols: vec![]
            }
        );
    }

    #[test]
    fn cursor_entries_tolerate_unknown_types_and_numeric_rowids() {
        let e: CursorEntry = serde_json::from_str(
            r#"{"type":"step_end","affected_row_count":1,"last_insert_rowid":7}"#,
        )
        .unwrap();
        assert_eq!(
            e,
            CursorEntry::StepEnd {
                affected_row_count: 1,
                last_insert_rowid: Some(7)
            }
        );
        let e: CursorEntry = serde_json::from_str(r#"{"type":"something_new","x":1}"#).unwrap();
        assert_eq!(e, CursorEntry::Unknown);
    }
}
