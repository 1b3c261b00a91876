//! Limits: a 100,000-row result streamed with bounded memory, and large
//! statements (long SQL text, many parameters).

use sqlport::Value;

use crate::suite::case::Case;
use crate::suite::check::{CaseResult, Checked, Failure, ensure, ensure_eq, ensure_values};
use crate::suite::context::Ctx;

pub(super) const CASES: &[Case] = &[
    Case::new("limits::hundred_thousand_rows", &[], hundred_thousand_rows),
    Case::new("limits::large_statement", &[], large_statement),
    Case::new("limits::many_parameters", &[], many_parameters),
];

fn hundred_thousand_rows(ctx: &mut Ctx) -> CaseResult {
    const N: i64 = 100_000;
    let mut conn = ctx.connect()?;
    let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT x, 'row ' || x FROM c";
    let mut count = 0i64;
    let mut sum = 0i64;
    let mut in_order = true;
    let mut text_ok = true;
    let summary = conn
        .query_each(sql, (), |row| {
            count += 1;
            let x: i64 = row.get(0)?;
            in_order &= x == count;
            sum += x;
            if x % 9973 == 0 {
                let t: String = row.get(1)?;
                text_ok &= t == format!("row {x}");
            }
            Ok(())
        })
        .map_err(|e| Failure::error(Some(sql), &e))?;
    ensure_eq(Some(sql), "rows", N, count)?;
    ensure_eq(Some(sql), "sum of x", N * (N + 1) / 2, sum)?;
    ensure(in_order, Some(sql), "rows in order", || {
        "out of order".into()
    })?;
    ensure(text_ok, Some(sql), "text column 'row N'", || {
        "other text".into()
    })?;
    ensure_eq(Some(sql), "columns", 2, summary.columns.len())
}

fn large_statement(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    let big = "x".repeat(1_000_000);
    let sql = format!("SELECT length('{big}'), substr('{big}', 999999)");
    let row = conn.ok_row(&sql, ())?;
    ensure_values(
        Some(&sql),
        &[Value::Integer(1_000_000), Value::Text("xx".into())],
        &row,
    )?;
    conn.drop_tables(&["l_rows"])?;
    conn.ok_execute("CREATE TABLE l_rows (a INTEGER, b TEXT)", ())?;
    let values: Vec<String> = (0..5000).map(|i| format!("({i}, 'v{i}')")).collect();
    let insert = format!("INSERT INTO l_rows (a, b) VALUES {}", values.join(", "));
    let n = conn.ok_execute(&insert, ())?;
    ensure_eq(Some(&insert), "rows affected", 5000, n)?;
    let sum: i64 = conn.ok_one("SELECT sum(a) FROM l_rows", ())?;
    ensure_eq(
        Some("SELECT sum(a) FROM l_rows"),
        "sum",
        4999 * 5000 / 2,
        sum,
    )?;
    conn.drop_tables(&["l_rows"])
}

fn many_parameters(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    const N: usize = 2000;
    let placeholders = vec!["(?)"; N].join(", ");
    let sql = format!("SELECT sum(column1), count(*) FROM (VALUES {placeholders})");
    let params: Vec<i64> = (1..=N as i64).collect();
    let row = conn.ok_row(&sql, params)?;
    ensure_values(
        Some(&sql),
        &[
            Value::Integer((N * (N + 1) / 2) as i64),
            Value::Integer(N as i64),
        ],
        &row,
    )
}
