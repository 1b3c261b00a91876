//! Tests of `Row::deserialize`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use crate::error::{ConversionError, Error, ErrorKind};
use crate::result::{Column, Row};
use crate::value::{Type, Value};

fn row(cells: &[(&str, Value)]) -> Row {
    let cols: Arc<[Column]> = cells
        .iter()
        .map(|(n, _)| Column::new(*n, None))
        .collect::<Vec<_>>()
        .into();
    Row::new(cols, cells.iter().map(|(_, v)| v.clone()).collect()).unwrap()
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Color {
    Red,
    Green,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Id(i64);

#[derive(Debug, Deserialize, PartialEq)]
struct Everything {
    i8: i8,
    u16: u16,
    i64: i64,
    u64: u64,
    f32: f32,
    f64: f64,
    flag: bool,
    name: String,
    maybe: Option<String>,
    present: Option<i32>,
    data: Vec<u8>,
    color: Color,
    id: Id,
    c: char,
    #[serde(default)]
    missing_default: i32,
}

fn everything_row() -> Row {
    row(&[
        ("i8", Value::Integer(-128)),
        ("u16", Value::Integer(65535)),
        ("i64", Value::Integer(i64::MIN)),
        ("u64", Value::Integer(i64::MAX)),
        ("f32", Value::Real(1.5)),
        ("f64", Value::Integer(3)),
        ("flag", Value::Integer(1)),
        ("name", Value::Text("a\0b".into())),
        ("maybe", Value::Null),
        ("present", Value::Integer(7)),
        ("data", Value::Blob(vec![0, 1, 255])),
        ("color", Value::Text("green".into())),
        ("id", Value::Integer(42)),
        ("c", Value::Text("é".into())),
        ("extra", Value::Text("ignored".into())),
    ])
}

#[test]
fn struct_by_column_name() {
    let e: Everything = everything_row().deserialize().unwrap();
    assert_eq!(
        e,
        Everything {
            i8: -128,
            u16: 65535,
            i64: i64::MIN,
            u64: i64::MAX as u64,
            f32: 1.5,
            f64: 3.0,
            flag: true,
            name: "a\0b".into(),
            maybe: None,
            present: Some(7),
            data: vec![0, 1, 255],
            color: Color::Green,
            id: Id(42),
            c: 'é',
            missing_default: 0,
        }
    );
}

#[test]
fn tuples_seqs_maps_and_single_values() {
    let r = row(&[("a", Value::Integer(1)), ("b", Value::Text("x".into()))]);
    let t: (i64, String) = r.deserialize().unwrap();
    assert_eq!(t, (1, "x".into()));
    let m: BTreeMap<String, String> = row(&[("k", Value::Text("v".into()))])
        .deserialize()
        .unwrap();
    assert_eq!(m.get("k").map(String::as_str), Some("v"));
    let n: i64 = row(&[("n", Value::Integer(5))]).deserialize().unwrap();
    assert_eq!(n, 5);
    let o: Option<i64> = row(&[("n", Value::Null)]).deserialize().unwrap();
    assert_eq!(o, None);
    let s: Vec<i64> = row(&[("a", Value::Integer(1)), ("b", Value::Integer(2))])
        .deserialize()
        .unwrap();
    assert_eq!(s, vec![1, 2]);
    let c: Color = row(&[("c", Value::Text("red".into()))])
        .deserialize()
        .unwrap();
    assert_eq!(c, Color::Red);
    let id: Id = row(&[("id", Value::Integer(9))]).deserialize().unwrap();
    assert_eq!(id, Id(9));
    // Duplicate column names: the first wins.
    #[derive(Deserialize)]
    struct One {
        id: i64,
    }
    let one: One = row(&[("id", Value::Integer(1)), ("id", Value::Integer(2))])
        .deserialize()
        .unwrap();
    assert_eq!(one.id, 1);
}

#[test]
fn bytes_from_blob_and_text() {
    #[derive(Deserialize)]
    struct B {
        #[serde(with = "serde_bytes_like")]
        b: Vec<u8>,
        plain: Vec<u8>,
        empty: Vec<u8>,
    }
    let b: B = row(&[
        ("b", Value::Text("hi".into())),
        ("plain", Value::Blob(vec![9, 8])),
        ("empty", Value::Blob(vec![])),
    ])
    .deserialize()
    .unwrap();
    assert_eq!(
        (b.b, b.plain, b.empty),
        (b"hi".to_vec(), vec![9, 8], vec![])
    );
}

/// A stand-in for `serde_bytes`: deserializes through `deserialize_byte_buf`.
mod serde_bytes_like {
    use serde::Deserializer;
    use serde::de::Visitor;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
        }
        d.deserialize_byte_buf(V)
    }
}

fn context_of(err: &Error) -> Option<&str> {
    match err {
        Error::Conversion { context, .. } => context.as_deref(),
        _ => None,
    }
}

#[test]
fn failures_are_conversion_errors_with_column_context() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Small {
        a: i64,
        n: u8,
    }
    let err = row(&[("a", Value::Integer(1)), ("n", Value::Integer(256))])
        .deserialize::<Small>()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
    assert_eq!(context_of(&err), Some("column 1 (\"n\")"));
    assert!(matches!(
        err,
        Error::Conversion {
            source: ConversionError::OutOfRange { .. },
            ..
        }
    ));
    let err = row(&[("a", Value::Null), ("n", Value::Integer(1))])
        .deserialize::<Small>()
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Conversion {
            source: ConversionError::InvalidType {
                found: Type::Null,
                ..
            },
            ..
        }
    ));
    assert_eq!(context_of(&err), Some("column 0 (\"a\")"));
    // Missing field, wrong tuple length, text into int, bad enum, blob into string.
    let cases: Vec<Error> = vec![
        row(&[("a", Value::Integer(1))])
            .deserialize::<Small>()
            .unwrap_err(),
        row(&[("a", Value::Integer(1))])
            .deserialize::<(i64, i64)>()
            .unwrap_err(),
        row(&[("a", Value::Integer(1)), ("b", Value::Integer(1))])
            .deserialize::<(i64,)>()
            .unwrap_err(),
        row(&[("a", Value::Text("1".into()))])
            .deserialize::<i64>()
            .unwrap_err(),
        row(&[("c", Value::Text("blue".into()))])
            .deserialize::<Color>()
            .unwrap_err(),
        row(&[("c", Value::Integer(0))])
            .deserialize::<Color>()
            .unwrap_err(),
        row(&[("s", Value::Blob(vec![1]))])
            .deserialize::<String>()
            .unwrap_err(),
        row(&[("a", Value::Integer(1)), ("b", Value::Integer(2))])
            .deserialize::<i64>()
            .unwrap_err(),
        row(&[("c", Value::Text("ab".into()))])
            .deserialize::<char>()
            .unwrap_err(),
        row(&[("f", Value::Real(1e300))])
            .deserialize::<f32>()
            .unwrap_err(),
        row(&[("u", Value::Integer(-1))])
            .deserialize::<u64>()
            .unwrap_err(),
        row(&[("v", Value::Text("x".into()))])
            .deserialize::<Vec<u8>>()
            .unwrap_err(),
    ];
    for err in cases {
        assert_eq!(err.kind(), ErrorKind::Conversion, "{err:?}");
    }
}
