//! Parameters: positional, numbered, named with every prefix; mismatches are
//! `InvalidArguments`.

use sqlport::{ErrorKind, Value, named_params};

use crate::suite::case::Case;
use crate::suite::check::{CaseResult, Checked, ensure_values};
use crate::suite::context::Ctx;

pub(super) const CASES: &[Case] = &[
    Case::new("parameters::positional", &[], positional),
    Case::new("parameters::numbered", &[], numbered),
    Case::new("parameters::named_prefixes", &[], named_prefixes),
    Case::new("parameters::wrong_count", &[], wrong_count),
    Case::new(
        "parameters::unknown_or_missing_name",
        &[],
        unknown_or_missing_name,
    ),
];

fn positional(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    let sql = "SELECT ?, ?, ?, ?";
    let row = conn.ok_row(sql, (1, "two", 3.5, vec![4u8]))?;
    ensure_values(
        Some(sql),
        &[
            Value::Integer(1),
            Value::Text("two".into()),
            Value::Real(3.5),
            Value::Blob(vec![4]),
        ],
        &row,
    )?;
    conn.drop_tables(&["p_pos"])?;
    conn.ok_execute("CREATE TABLE p_pos (a INTEGER, b TEXT)", ())?;
    conn.ok_execute("INSERT INTO p_pos (a, b) VALUES (?, ?)", (7, "seven"))?;
    let sql = "SELECT b FROM p_pos WHERE a = ?";
    let row = conn.ok_row(sql, [7])?;
    ensure_values(Some(sql), &[Value::Text("seven".into())], &row)?;
    conn.drop_tables(&["p_pos"])
}

fn numbered(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    let sql = "SELECT ?2, ?1, ?2";
    let row = conn.ok_row(sql, ("first", "second"))?;
    ensure_values(
        Some(sql),
        &[
            Value::Text("second".into()),
            Value::Text("first".into()),
            Value::Text("second".into()),
        ],
        &row,
    )?;
    let sql = "SELECT ?3, ?1";
    let row = conn.ok_row(sql, (1, 2, 3))?;
    ensure_values(Some(sql), &[Value::Integer(3), Value::Integer(1)], &row)
}

fn named_prefixes(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    let sql = "SELECT :a, @b, $c";
    let expected = [Value::Integer(1), Value::Text("b".into()), Value::Real(0.5)];
    // Exact names, with their prefixes.
    let row = conn.ok_row(sql, named_params! { ":a": 1, "@b": "b", "$c": 0.5 })?;
    ensure_values(Some(sql), &expected, &row)?;
    // Bare names match any prefix.
    let row = conn.ok_row(sql, named_params! { "a": 1, "b": "b", "c": 0.5 })?;
    ensure_values(Some(sql), &expected, &row)?;
    // Order of the pairs does not matter; a name used twice takes one value.
    let sql = "SELECT :x + :y, :x";
    let row = conn.ok_row(sql, named_params! { ":y": 10, ":x": 1 })?;
    ensure_values(Some(sql), &[Value::Integer(11), Value::Integer(1)], &row)
}

fn wrong_count(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.err_execute("SELECT ?, ?", [1], ErrorKind::InvalidArguments)?;
    conn.err_execute("SELECT ?", (1, 2), ErrorKind::InvalidArguments)?;
    conn.err_execute("SELECT ?", (), ErrorKind::InvalidArguments)?;
    conn.err_execute("SELECT 1", [1], ErrorKind::InvalidArguments)?;
    conn.err_execute("SELECT ?3", (1, 2), ErrorKind::InvalidArguments)?;
    // The connection is still fine.
    let row = conn.ok_row("SELECT ?", [5])?;
    ensure_values(Some("SELECT ?"), &[Value::Integer(5)], &row)
}

fn unknown_or_missing_name(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.err_execute(
        "SELECT :a",
        named_params! { ":a": 1, ":zzz": 2 },
        ErrorKind::InvalidArguments,
    )?;
    conn.err_execute(
        "SELECT :a, :b",
        named_params! { ":a": 1 },
        ErrorKind::InvalidArguments,
    )?;
    conn.err_execute(
        "SELECT :a",
        named_params! { ":nope": 1 },
        ErrorKind::InvalidArguments,
    )?;
    // A named SQL parameter bound by position.
    conn.err_execute("SELECT :a", [1], ErrorKind::InvalidArguments)?;
    let row = conn.ok_row("SELECT :a", named_params! { ":a": 9 })?;
    ensure_values(Some("SELECT :a"), &[Value::Integer(9)], &row)
}
