//! Result shapes, statement-count errors and value round trips.

use super::*;

pub(crate) fn insert_returning_and_empty_select(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)")
        .unwrap();
    c.exec("INSERT INTO t (x) VALUES ('a')").unwrap();
    let rs = c
        .exec_stmt(
            &Statement::with_params("INSERT INTO t (x) VALUES (?) RETURNING id, x", ["b"]).unwrap(),
        )
        .unwrap();
    assert_eq!(rs.rows.len(), 1);
    assert_eq!(rs.rows[0].get::<i64>("id").unwrap(), 2);
    assert_eq!(rs.rows_affected, 1);
    assert_eq!(rs.last_insert_rowid, Some(2));
    let rs = c.exec("SELECT id, x FROM t WHERE 0").unwrap();
    assert_eq!(rs.columns.len(), 2);
    assert_eq!(rs.columns[1].name, "x");
    assert!(rs.rows.is_empty());
    let rs = c.exec("SELECT 1 AS a, 2 AS a").unwrap();
    assert_eq!(rs.rows[0].values(), &[Value::Integer(1), Value::Integer(2)]);
}

pub(crate) fn statement_count_errors(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    assert_eq!(
        c.exec("SELECT 1; SELECT 2").unwrap_err().kind(),
        ErrorKind::MultipleStatements
    );
    assert_eq!(
        c.exec("  -- nothing").unwrap_err().kind(),
        ErrorKind::NoStatement
    );
    c.exec("SELECT 1;").unwrap();
    let e = c.exec("SELEC 1").unwrap_err();
    assert_eq!(e.sqlite_code(), Some(codes::SQLITE_ERROR));
    let e = c
        .exec_stmt(&Statement::with_params("SELECT ?", (1, 2)).unwrap())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArguments);
}

pub(crate) fn values_round_trip(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    let values = vec![
        Value::Integer(i64::MIN),
        Value::Integer(i64::MAX),
        Value::Integer(9_007_199_254_740_993),
        Value::Real(0.1),
        Value::Real(-1.5e300),
        Value::Text("héllo\0world".into()),
        Value::Blob(vec![]),
        Value::Blob(vec![0xfb, 0xff, 0xfe, 0x01, 0x00]),
        Value::Null,
    ];
    let placeholders = vec!["?"; values.len()].join(", ");
    let stmt = Statement {
        sql: format!("SELECT {placeholders}").into(),
        params: sqlport_core::Params::Positional(values.clone()),
    };
    let rs = c.exec_stmt(&stmt).unwrap();
    assert_eq!(rs.rows[0].values(), &values[..]);
    let rs = c
        .exec("SELECT typeof(x'') , 9007199254740993, -9223372036854775808")
        .unwrap();
    assert_eq!(
        rs.rows[0].values(),
        &[
            Value::Text("blob".into()),
            Value::Integer(9_007_199_254_740_993),
            Value::Integer(i64::MIN)
        ]
    );
    // Names pass as given: `:a` matches `:a`, a bare `b` matches `@b`.
    let named = Statement::with_params(
        "SELECT :a, @b",
        sqlport_core::named_params! {":a": 1, "b": "x"},
    )
    .unwrap();
    let rs = c.exec_stmt(&named).unwrap();
    assert_eq!(
        rs.rows[0].values(),
        &[Value::Integer(1), Value::Text("x".into())]
    );
}

/// A 5 MB blob goes up as a parameter and comes back byte for byte, through the
/// pipeline (`execute`) and through the cursor (`query_stream`).
pub(crate) fn five_megabyte_blob(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    let blob: Vec<u8> = (0..5 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    c.exec("CREATE TABLE big (b BLOB)").unwrap();
    let insert = Statement::with_params("INSERT INTO big VALUES (?)", [blob.clone()]).unwrap();
    assert_eq!(c.exec_stmt(&insert).unwrap().rows_affected, 1);
    let rs = c.exec("SELECT b, length(b) FROM big").unwrap();
    assert_eq!(
        rs.rows[0].values(),
        &[Value::Blob(blob.clone()), Value::Integer(5 * 1024 * 1024)]
    );
    let mut sink = sqlport_core::CollectRows::default();
    c.stream(&Statement::new("SELECT b FROM big"), &mut sink)
        .unwrap();
    assert_eq!(sink.rows.len(), 1);
    assert_eq!(sink.rows[0].values(), &[Value::Blob(blob)]);
}
