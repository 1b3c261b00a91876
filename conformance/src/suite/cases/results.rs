//! Results: columns, declared types, rows affected, rowids, RETURNING.

use sqlport::Value;

use crate::suite::case::Case;
use crate::suite::check::{
    CaseResult, Checked, ensure, ensure_eq, ensure_values, only_row, rows_of,
};
use crate::suite::context::Ctx;

pub(super) const CASES: &[Case] = &[
    Case::new(
        "results::column_names_and_decltypes",
        &[],
        column_names_and_decltypes,
    ),
    Case::new(
        "results::duplicate_column_names",
        &[],
        duplicate_column_names,
    ),
    Case::new(
        "results::empty_result_with_columns",
        &[],
        empty_result_with_columns,
    ),
    Case::new("results::insert_returning", &[], insert_returning),
    Case::new(
        "results::update_delete_returning",
        &[],
        update_delete_returning,
    ),
    Case::new("results::rows_affected", &[], rows_affected),
    Case::new("results::last_insert_rowid", &[], last_insert_rowid),
    Case::new(
        "results::query_each_streams_rows",
        &[],
        query_each_streams_rows,
    ),
];

fn column_names_and_decltypes(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["r_cols"])?;
    conn.ok_execute(
        "CREATE TABLE r_cols (id INTEGER PRIMARY KEY, name VARCHAR(20), score REAL, data BLOB)",
        (),
    )?;
    conn.ok_execute("INSERT INTO r_cols VALUES (1, 'a', 1.5, x'01')", ())?;
    let sql = "SELECT id, name AS label, score, data, id + 1 AS next FROM r_cols";
    let rs = conn.ok_query(sql, ())?;
    let names: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
    ensure_eq(
        Some(sql),
        "column names",
        vec!["id", "label", "score", "data", "next"],
        names,
    )?;
    let decl: Vec<Option<String>> = rs.columns.iter().map(|c| c.decl_type.clone()).collect();
    let expected: Vec<Option<String>> = vec![
        Some("INTEGER".into()),
        Some("VARCHAR(20)".into()),
        Some("REAL".into()),
        Some("BLOB".into()),
        None,
    ];
    ensure_eq(Some(sql), "declared types", expected, decl)?;
    // Names are reported for every row shape, values stay positional.
    let row = conn.ok_row(sql, ())?;
    ensure_values(
        Some(sql),
        &[
            Value::Integer(1),
            Value::Text("a".into()),
            Value::Real(1.5),
            Value::Blob(vec![1]),
            Value::Integer(2),
        ],
        &row,
    )?;
    conn.drop_tables(&["r_cols"])
}

fn duplicate_column_names(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    let sql = "SELECT 1 AS x, 2 AS x, 'three' AS x";
    let rs = conn.ok_query(sql, ())?;
    let names: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
    ensure_eq(Some(sql), "column names", vec!["x", "x", "x"], names)?;
    let row = only_row(sql, &rs)?;
    ensure_values(
        Some(sql),
        &[
            Value::Integer(1),
            Value::Integer(2),
            Value::Text("three".into()),
        ],
        &row,
    )?;
    conn.drop_tables(&["r_dup_a", "r_dup_b"])?;
    conn.ok_execute("CREATE TABLE r_dup_a (id INTEGER, v TEXT)", ())?;
    conn.ok_execute("CREATE TABLE r_dup_b (id INTEGER, v TEXT)", ())?;
    conn.ok_execute("INSERT INTO r_dup_a VALUES (1, 'left')", ())?;
    conn.ok_execute("INSERT INTO r_dup_b VALUES (1, 'right')", ())?;
    let sql = "SELECT * FROM r_dup_a JOIN r_dup_b USING (id)";
    let sql_all = "SELECT r_dup_a.*, r_dup_b.* FROM r_dup_a, r_dup_b";
    let rs = conn.ok_query(sql_all, ())?;
    let names: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
    ensure_eq(
        Some(sql_all),
        "column names",
        vec!["id", "v", "id", "v"],
        names,
    )?;
    let row = only_row(sql_all, &rs)?;
    ensure_values(
        Some(sql_all),
        &[
            Value::Integer(1),
            Value::Text("left".into()),
            Value::Integer(1),
            Value::Text("right".into()),
        ],
        &row,
    )?;
    let rs = conn.ok_query(sql, ())?;
    ensure_eq(Some(sql), "column count", 3, rs.columns.len())?;
    conn.drop_tables(&["r_dup_a", "r_dup_b"])
}

fn empty_result_with_columns(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["r_empty"])?;
    let create = "CREATE TABLE r_empty (a INTEGER, b TEXT)";
    let rs = conn.ok_query(create, ())?;
    ensure_eq(Some(create), "columns of CREATE TABLE", 0, rs.columns.len())?;
    ensure_eq(Some(create), "rows of CREATE TABLE", 0, rs.rows.len())?;
    let sql = "SELECT a, b FROM r_empty";
    let rs = conn.ok_query(sql, ())?;
    let names: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
    ensure_eq(Some(sql), "column names", vec!["a", "b"], names)?;
    ensure_eq(Some(sql), "rows", 0, rs.rows.len())?;
    let sql = "SELECT 1 AS one WHERE 0";
    let rs = conn.ok_query(sql, ())?;
    ensure_eq(Some(sql), "columns", 1, rs.columns.len())?;
    ensure_eq(Some(sql), "rows", 0, rs.rows.len())?;
    let err = conn.query_row(sql, (), |r| r.get::<i64>(0));
    ensure(
        matches!(&err, Err(e) if e.kind() == sqlport::ErrorKind::NoRows),
        Some(sql),
        "query_row: error NoRows",
        || format!("{err:?}"),
    )?;
    conn.drop_tables(&["r_empty"])
}

fn insert_returning(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["r_ret"])?;
    conn.ok_execute(
        "CREATE TABLE r_ret (id INTEGER PRIMARY KEY, name TEXT, n INTEGER DEFAULT 7)",
        (),
    )?;
    let sql = "INSERT INTO r_ret (name) VALUES ('a'), ('b') RETURNING id, name, n";
    let rs = conn.ok_query(sql, ())?;
    let rows = rows_of(&rs);
    ensure_eq(
        Some(sql),
        "rows",
        vec![
            vec![
                Value::Integer(1),
                Value::Text("a".into()),
                Value::Integer(7),
            ],
            vec![
                Value::Integer(2),
                Value::Text("b".into()),
                Value::Integer(7),
            ],
        ],
        rows,
    )?;
    ensure_eq(Some(sql), "rows_affected", 2, rs.rows_affected)?;
    ensure_eq(
        Some(sql),
        "last_insert_rowid",
        Some(2),
        rs.last_insert_rowid,
    )?;
    let names: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
    ensure_eq(Some(sql), "column names", vec!["id", "name", "n"], names)?;
    conn.drop_tables(&["r_ret"])
}

fn update_delete_returning(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["r_upd"])?;
    conn.ok_execute("CREATE TABLE r_upd (id INTEGER PRIMARY KEY, n INTEGER)", ())?;
    conn.ok_execute("INSERT INTO r_upd (n) VALUES (10), (20), (30)", ())?;
    let sql = "UPDATE r_upd SET n = n + 1 WHERE n >= 20 RETURNING id, n";
    let rs = conn.ok_query(sql, ())?;
    let mut rows = rows_of(&rs);
    rows.sort_by_key(|r| match r.first() {
        Some(Value::Integer(i)) => *i,
        _ => 0,
    });
    ensure_eq(
        Some(sql),
        "rows",
        vec![
            vec![Value::Integer(2), Value::Integer(21)],
            vec![Value::Integer(3), Value::Integer(31)],
        ],
        rows,
    )?;
    ensure_eq(Some(sql), "rows_affected", 2, rs.rows_affected)?;
    ensure_eq(Some(sql), "last_insert_rowid", None, rs.last_insert_rowid)?;
    let sql = "DELETE FROM r_upd WHERE id = 1 RETURNING n";
    let rs = conn.ok_query(sql, ())?;
    let rows = rows_of(&rs);
    ensure_eq(Some(sql), "rows", vec![vec![Value::Integer(10)]], rows)?;
    ensure_eq(Some(sql), "rows_affected", 1, rs.rows_affected)?;
    ensure_eq(Some(sql), "last_insert_rowid", None, rs.last_insert_rowid)?;
    conn.drop_tables(&["r_upd"])
}

fn rows_affected(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["r_aff"])?;
    let create = "CREATE TABLE r_aff (id INTEGER PRIMARY KEY, n INTEGER)";
    let n = conn.ok_execute(create, ())?;
    ensure_eq(Some(create), "rows affected", 0, n)?;
    let sql = "INSERT INTO r_aff (n) VALUES (1), (2), (3), (4), (5)";
    ensure_eq(Some(sql), "rows affected", 5, conn.ok_execute(sql, ())?)?;
    let sql = "UPDATE r_aff SET n = n * 10 WHERE n > 2";
    ensure_eq(Some(sql), "rows affected", 3, conn.ok_execute(sql, ())?)?;
    let sql = "UPDATE r_aff SET n = 0 WHERE n > 1000";
    ensure_eq(Some(sql), "rows affected", 0, conn.ok_execute(sql, ())?)?;
    let sql = "DELETE FROM r_aff WHERE n >= 30";
    ensure_eq(Some(sql), "rows affected", 3, conn.ok_execute(sql, ())?)?;
    // Not DML: 0, whatever the previous statement changed.
    let sql = "SELECT * FROM r_aff";
    ensure_eq(
        Some(sql),
        "rows affected",
        0,
        conn.ok_query(sql, ())?.rows_affected,
    )?;
    let sql = "REPLACE INTO r_aff (id, n) VALUES (1, 100)";
    ensure_eq(Some(sql), "rows affected", 1, conn.ok_execute(sql, ())?)?;
    let sql = "DELETE FROM r_aff";
    ensure_eq(Some(sql), "rows affected", 2, conn.ok_execute(sql, ())?)?;
    conn.drop_tables(&["r_aff"])
}

fn last_insert_rowid(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["r_rowid"])?;
    conn.ok_execute("CREATE TABLE r_rowid (id INTEGER PRIMARY KEY, v TEXT)", ())?;
    let sql = "INSERT INTO r_rowid (id, v) VALUES (41, 'a')";
    let rs = conn.ok_query(sql, ())?;
    ensure_eq(
        Some(sql),
        "last_insert_rowid",
        Some(41),
        rs.last_insert_rowid,
    )?;
    let sql = "INSERT INTO r_rowid (v) VALUES (?)";
    let rs = conn
        .run(&sqlport::Statement::with_params(sql, ["b"]).map_err(crate::suite::Failure::from)?);
    let rs = rs.map_err(|e| crate::suite::Failure::error(Some(sql), &e))?;
    ensure_eq(
        Some(sql),
        "last_insert_rowid",
        Some(42),
        rs.last_insert_rowid,
    )?;
    let sql = "INSERT INTO r_rowid (id, v) VALUES (9223372036854775807, 'max')";
    let rs = conn.ok_query(sql, ())?;
    ensure_eq(
        Some(sql),
        "last_insert_rowid",
        Some(i64::MAX),
        rs.last_insert_rowid,
    )?;
    let sql = "UPDATE r_rowid SET v = 'c' WHERE id = 41";
    let rs = conn.ok_query(sql, ())?;
    ensure_eq(
        Some(sql),
        "last_insert_rowid of UPDATE",
        None,
        rs.last_insert_rowid,
    )?;
    let sql = "SELECT 1";
    let rs = conn.ok_query(sql, ())?;
    ensure_eq(
        Some(sql),
        "last_insert_rowid of SELECT",
        None,
        rs.last_insert_rowid,
    )?;
    conn.drop_tables(&["r_rowid"])?;
    conn.ok_execute("CREATE TABLE r_rowid (v TEXT)", ())?;
    let sql = "INSERT INTO r_rowid (v) VALUES ('rowid table')";
    let rs = conn.ok_query(sql, ())?;
    ensure_eq(
        Some(sql),
        "last_insert_rowid",
        Some(1),
        rs.last_insert_rowid,
    )?;
    conn.drop_tables(&["r_rowid"])
}

fn query_each_streams_rows(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    let sql = "SELECT value, value * value FROM (SELECT 1 AS value UNION ALL SELECT 2 UNION ALL SELECT 3) ORDER BY value";
    let mut seen = Vec::new();
    let summary = conn
        .query_each(sql, (), |row| {
            seen.push(row.to_row().into_values());
            Ok(())
        })
        .map_err(|e| crate::suite::Failure::error(Some(sql), &e))?;
    ensure_eq(Some(sql), "summary columns", 2, summary.columns.len())?;
    ensure_eq(
        Some(sql),
        "rows",
        vec![
            vec![Value::Integer(1), Value::Integer(1)],
            vec![Value::Integer(2), Value::Integer(4)],
            vec![Value::Integer(3), Value::Integer(9)],
        ],
        seen,
    )?;
    // An error from the callback stops the query and comes back unchanged.
    let mut count = 0;
    let res = conn.query_each(sql, (), |_| {
        count += 1;
        Err(sqlport::Error::NoRows)
    });
    ensure(
        matches!(&res, Err(e) if e.kind() == sqlport::ErrorKind::NoRows) && count == 1,
        Some(sql),
        "the callback's error after one row",
        || format!("{res:?} after {count} rows"),
    )?;
    // The connection is still usable.
    let n: i64 = conn.ok_one("SELECT 5", ())?;
    ensure_eq(Some("SELECT 5"), "value", 5, n)
}
