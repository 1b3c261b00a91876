//! Every value class round-trips; reads of the wrong type are errors.

use super::*;

#[test]
fn every_value_class_round_trips() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE v (x)");
    let big_blob: Vec<u8> = (0..1_048_576u32).map(|i| (i % 251) as u8).collect();
    let values = vec![
        Value::Null,
        Value::Integer(0),
        Value::Integer(i64::MIN),
        Value::Integer(i64::MAX),
        Value::Integer((1i64 << 53) + 1),
        Value::Integer(-((1i64 << 53) + 1)),
        Value::Real(0.1),
        Value::Real(-0.0),
        Value::Real(f64::MAX),
        Value::Real(f64::MIN_POSITIVE),
        Value::Text(String::new()),
        Value::Text("a\0b".into()),
        Value::Text("héllo ✓ 😀".into()),
        Value::Blob(vec![]),
        Value::Blob(vec![0, 255, 0]),
        Value::Blob(big_blob),
    ];
    for v in &values {
        exec(&mut c, "DELETE FROM v");
        exec_p(
            &mut c,
            "INSERT INTO v VALUES (?)",
            Params::Positional(vec![v.clone()]),
        )
        .unwrap();
        let rs = exec(&mut c, "SELECT x, typeof(x) FROM v");
        assert_eq!(rs.rows.len(), 1);
        assert_eq!(&rs.rows[0].values()[0], v);
        if let Value::Real(r) = v {
            let Value::Real(back) = rs.rows[0].values()[0] else {
                panic!()
            };
            assert_eq!(back.to_bits(), r.to_bits());
        }
    }
    // Empty blob stays a blob, not NULL.
    exec(&mut c, "DELETE FROM v");
    exec_p(&mut c, "INSERT INTO v VALUES (?)", (Vec::<u8>::new(),)).unwrap();
    assert_eq!(
        one(&mut c, "SELECT typeof(x) FROM v"),
        Value::Text("blob".into())
    );
}

#[test]
fn infinities_read_back_as_stored() {
    let (_db, mut c) = mem();
    assert_eq!(one(&mut c, "SELECT 9e999"), Value::Real(f64::INFINITY));
    assert_eq!(one(&mut c, "SELECT -9e999"), Value::Real(f64::NEG_INFINITY));
}

#[test]
fn non_finite_parameters_are_refused() {
    let (_db, mut c) = mem();
    for f in [f64::NAN, f64::INFINITY] {
        let err = exec_p(&mut c, "SELECT ?", Params::Positional(vec![Value::Real(f)])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
    }
}

#[test]
fn invalid_utf8_text_is_a_conversion_error() {
    let (_db, mut c) = mem();
    let err = c
        .execute(&Statement::new("SELECT CAST(x'ff' AS TEXT) AS bad"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
}

#[test]
fn wrong_type_reads_are_errors() {
    let (_db, mut c) = mem();
    let rs = exec(
        &mut c,
        "SELECT 'text' AS t, 300 AS n, NULL AS z, x'00' AS b",
    );
    let row = &rs.rows[0];
    assert_eq!(
        row.get::<i64>("t").unwrap_err().kind(),
        ErrorKind::Conversion
    );
    assert_eq!(
        row.get::<u8>("n").unwrap_err().kind(),
        ErrorKind::Conversion
    );
    assert_eq!(
        row.get::<i64>("z").unwrap_err().kind(),
        ErrorKind::Conversion
    );
    assert_eq!(row.get::<Option<i64>>("z").unwrap(), None);
    assert_eq!(
        row.get::<String>("b").unwrap_err().kind(),
        ErrorKind::Conversion
    );
    assert_eq!(
        row.get::<i64>(9).unwrap_err().kind(),
        ErrorKind::InvalidColumn
    );
    assert_eq!(
        row.get::<i64>("nope").unwrap_err().kind(),
        ErrorKind::InvalidColumn
    );
}
