//! JSON as Django's `JSONField` stores it on SQLite (feature `json`): the text
//! of Python's `json.dumps(value)` with its default options, byte for byte.

use std::fmt::Write as _;
use std::io;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::ser::Formatter;
use serde_json::{Number, Value as JsonValue};

use super::InvalidFormat;
use crate::convert::{FromSql, ToSql};
use crate::error::ConversionError;
use crate::value::{Value, ValueRef};

/// A value stored as JSON text through serde, in Django's `JSONField` format:
/// `Json(my_struct)` binds `json.dumps`-identical text (struct fields in
/// declaration order; a non-finite float becomes `null`, as serde_json
/// writes it), and reading deserializes the column's JSON into `T`.
///
/// ```
/// use sqlport_core::types::Json;
/// use sqlport_core::{FromSql, ToSql, Value, ValueRef};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Prefs { theme: String, size: u8 }
///
/// let v = Json(Prefs { theme: "dark".into(), size: 3 }).to_sql()?;
/// assert_eq!(v, Value::Text(r#"{"theme": "dark", "size": 3}"#.into()));
/// let back = Json::<Prefs>::from_sql(v.as_ref())?;
/// assert_eq!(back.0.size, 3);
/// # Ok::<(), sqlport_core::ConversionError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize> ToSql for Json<T> {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        dumps(&self.0).map(Value::Text)
    }
}

impl<T: DeserializeOwned> FromSql for Json<T> {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        let json = JsonValue::from_sql(value)?;
        serde_json::from_value(json)
            .map(Json)
            .map_err(|e| ConversionError::Other(Box::new(e)))
    }
}

impl ToSql for JsonValue {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        dumps(self).map(Value::Text)
    }
}

impl FromSql for JsonValue {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        const TARGET: &str = "serde_json::Value";
        match value {
            ValueRef::Text(t) => {
                serde_json::from_str(t).map_err(|e| InvalidFormat::error(TARGET, t, e.to_string()))
            }
            ValueRef::Integer(i) => Ok(JsonValue::from(i)),
            ValueRef::Real(r) => Number::from_f64(r).map(JsonValue::Number).ok_or_else(|| {
                ConversionError::OutOfRange {
                    value: r.to_string(),
                    target: "a JSON number (finite)",
                }
            }),
            v => Err(ConversionError::InvalidType {
                expected: "TEXT (JSON)",
                found: v.value_type(),
            }),
        }
    }
}

// ---- json.dumps(value) with Python's defaults ------------------------------

/// serde_json output in the layout of Python's `json.dumps` defaults:
/// `", "` and `": "` separators, `ensure_ascii` escapes, floats as `repr`.
struct PythonJsonFormatter;

impl Formatter for PythonJsonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        let mut s = String::new();
        write_python_float(&mut s, value);
        writer.write_all(s.as_bytes())
    }

    /// serde_json has already escaped `"`, `\` and the C0 controls (as
    /// Python does, lowercase hex); Python also escapes DEL and every
    /// non-ASCII character, as UTF-16 units.
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(pos) = rest.find(|c: char| !(' '..='~').contains(&c)) {
            writer.write_all(&rest.as_bytes()[..pos])?;
            let c = rest[pos..].chars().next().unwrap_or(' ');
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = &rest[pos + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

/// `json.dumps(value)` text of anything serde can serialize.
fn dumps<T: Serialize + ?Sized>(value: &T) -> Result<String, ConversionError> {
    let mut buf = Vec::with_capacity(64);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, PythonJsonFormatter);
    value
        .serialize(&mut ser)
        .map_err(|e| ConversionError::Other(Box::new(e)))?;
    String::from_utf8(buf).map_err(|e| ConversionError::Other(Box::new(e)))
}

/// Python's `repr(float)`: the shortest digits that round-trip, in fixed
/// notation when the decimal exponent is in -4..16, otherwise `d.ddde±XX`.
pub(super) fn write_python_float(out: &mut String, f: f64) {
    if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    // Rust's `{:e}` prints the shortest round-trip digits: "-1.2345e-5".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if negative {
        out.push('-');
    }
    // Position of the decimal point relative to the start of `digits`.
    let decpt = exp + 1;
    if decpt > -4 && decpt <= 16 {
        if decpt <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', decpt.unsigned_abs() as usize));
            out.push_str(&digits);
        } else {
            let point = decpt as usize;
            if point >= digits.len() {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', point - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn dumps(v: &JsonValue) -> String {
        match v.to_sql().unwrap() {
            Value::Text(t) => t,
            other => panic!("{other:?}"),
        }
    }

    fn float(f: f64) -> String {
        let mut s = String::new();
        write_python_float(&mut s, f);
        s
    }

    #[test]
    fn floats_as_python_repr() {
        for (f, py) in [
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (0.1, "0.1"),
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (123_456_789.0, "123456789.0"),
            (1e22, "1e+22"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (-2.5, "-2.5"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.30000000000000004, "0.30000000000000004"),
            (123.456, "123.456"),
            (1234567890123456.7, "1234567890123456.8"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (0.00012, "0.00012"),
            (-1.5e-7, "-1.5e-07"),
        ] {
            assert_eq!(float(f), py, "{f:e}");
        }
    }

    #[test]
    fn layout_and_escapes_as_json_dumps() {
        assert_eq!(
            dumps(&json!({"a": 1, "b": [1, 2.5, null, true, false], "c": {"d": "e"}})),
            r#"{"a": 1, "b": [1, 2.5, null, true, false], "c": {"d": "e"}}"#
        );
        assert_eq!(
            dumps(&json!("caf\u{e9} \u{1f600} \u{4e2d}")),
            r#""caf\u00e9 \ud83d\ude00 \u4e2d""#
        );
        assert_eq!(
            dumps(&json!("q\" b\\ n\n r\r t\t b\u{8} f\u{c} c\u{1} d\u{7f} /")),
            r#""q\" b\\ n\n r\r t\t b\b f\f c\u0001 d\u007f /""#
        );
        assert_eq!(dumps(&json!({})), "{}");
        assert_eq!(dumps(&json!([])), "[]");
        assert_eq!(dumps(&JsonValue::Null), "null");
        assert_eq!(dumps(&json!(u64::MAX)), "18446744073709551615");
        assert_eq!(dumps(&json!(i64::MIN)), "-9223372036854775808");
    }

    #[test]
    fn reading() {
        assert_eq!(
            JsonValue::from_sql(ValueRef::Text(r#"{"a":[1,"\u00e9"]}"#)).unwrap(),
            json!({"a": [1, "é"]})
        );
        assert_eq!(JsonValue::from_sql(ValueRef::Integer(5)).unwrap(), json!(5));
        assert_eq!(
            JsonValue::from_sql(ValueRef::Real(0.5)).unwrap(),
            json!(0.5)
        );
        assert!(matches!(
            JsonValue::from_sql(ValueRef::Real(f64::NAN)),
            Err(ConversionError::OutOfRange { .. })
        ));
        let err = JsonValue::from_sql(ValueRef::Text("{bad")).unwrap_err();
        assert!(
            matches!(&err, ConversionError::Other(e) if e.downcast_ref::<InvalidFormat>().is_some())
        );
        assert!(matches!(
            JsonValue::from_sql(ValueRef::Blob(b"{}")),
            Err(ConversionError::InvalidType { .. })
        ));
        assert!(matches!(
            JsonValue::from_sql(ValueRef::Null),
            Err(ConversionError::InvalidType { .. })
        ));
        assert_eq!(Option::<JsonValue>::from_sql(ValueRef::Null).unwrap(), None);
    }

    #[test]
    fn typed_json() {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct P {
            name: String,
            tags: Vec<String>,
        }
        let p = P {
            name: "é".into(),
            tags: vec!["x".into()],
        };
        let v = Json(&p).to_sql().unwrap();
        assert_eq!(
            v,
            Value::Text(r#"{"name": "\u00e9", "tags": ["x"]}"#.into())
        );
        assert_eq!(Json::<P>::from_sql(v.as_ref()).unwrap().0, p);
        let wrong = Json::<P>::from_sql(ValueRef::Text("[1]")).unwrap_err();
        assert!(matches!(wrong, ConversionError::Other(_)));
    }
}
