//! Errors, compared by kind and code (never message): syntax, constraint
//! violations with primary and extended codes, one statement per string.

use sqlport::{Capability, ErrorKind, codes};

use crate::suite::case::Case;
use crate::suite::check::{CaseResult, Checked, ensure_codes, ensure_eq};
use crate::suite::context::Ctx;

pub(super) const CASES: &[Case] = &[
    Case::new("errors::syntax_error", &[], syntax_error),
    Case::new("errors::no_such_table", &[], no_such_table),
    Case::new("errors::unique_violation", &[], unique_violation),
    Case::new("errors::primary_key_violation", &[], primary_key_violation),
    Case::new("errors::not_null_violation", &[], not_null_violation),
    Case::new("errors::check_violation", &[], check_violation),
    Case::new(
        "errors::foreign_key_violation",
        &[Capability::ConnectionState],
        foreign_key_violation,
    ),
    Case::new("errors::multiple_statements", &[], multiple_statements),
    Case::new("errors::no_statement", &[], no_statement),
];

/// Run `sql`, expecting a SQLite error with these codes.
fn expect_sqlite(
    ctx: &Ctx,
    conn: &mut sqlport::blocking::Connection,
    sql: &str,
    primary: i32,
    extended: Option<i32>,
) -> CaseResult {
    let err = conn.err_execute(sql, (), ErrorKind::Sqlite)?;
    ensure_codes(
        sql,
        &err,
        primary,
        extended,
        ctx.has(Capability::ExtendedErrorCodes),
    )?;
    // After an error the connection keeps working.
    let one: i64 = conn.ok_one("SELECT 1", ())?;
    ensure_eq(Some("SELECT 1"), "value after an error", 1, one)
}

fn syntax_error(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    expect_sqlite(ctx, &mut conn, "SELEC 1", codes::SQLITE_ERROR, None)?;
    expect_sqlite(
        ctx,
        &mut conn,
        "SELECT FROM WHERE",
        codes::SQLITE_ERROR,
        None,
    )?;
    expect_sqlite(
        ctx,
        &mut conn,
        "SELECT 'unterminated",
        codes::SQLITE_ERROR,
        None,
    )
}

fn no_such_table(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    expect_sqlite(
        ctx,
        &mut conn,
        "SELECT * FROM e_no_such_table",
        codes::SQLITE_ERROR,
        None,
    )?;
    expect_sqlite(
        ctx,
        &mut conn,
        "INSERT INTO e_no_such_table VALUES (1)",
        codes::SQLITE_ERROR,
        None,
    )
}

fn unique_violation(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["e_unique"])?;
    conn.ok_execute(
        "CREATE TABLE e_unique (id INTEGER PRIMARY KEY, email TEXT UNIQUE)",
        (),
    )?;
    conn.ok_execute("INSERT INTO e_unique (email) VALUES ('a@example.com')", ())?;
    expect_sqlite(
        ctx,
        &mut conn,
        "INSERT INTO e_unique (email) VALUES ('a@example.com')",
        codes::SQLITE_CONSTRAINT,
        Some(codes::SQLITE_CONSTRAINT_UNIQUE),
    )?;
    let n: i64 = conn.ok_one("SELECT count(*) FROM e_unique", ())?;
    ensure_eq(Some("SELECT count(*) FROM e_unique"), "rows", 1, n)?;
    conn.drop_tables(&["e_unique"])
}

fn primary_key_violation(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["e_pk", "e_pk_text"])?;
    conn.ok_execute("CREATE TABLE e_pk (id INTEGER PRIMARY KEY)", ())?;
    conn.ok_execute("INSERT INTO e_pk VALUES (1)", ())?;
    expect_sqlite(
        ctx,
        &mut conn,
        "INSERT INTO e_pk VALUES (1)",
        codes::SQLITE_CONSTRAINT,
        Some(codes::SQLITE_CONSTRAINT_PRIMARYKEY),
    )?;
    conn.ok_execute("CREATE TABLE e_pk_text (code TEXT PRIMARY KEY)", ())?;
    conn.ok_execute("INSERT INTO e_pk_text VALUES ('x')", ())?;
    expect_sqlite(
        ctx,
        &mut conn,
        "INSERT INTO e_pk_text VALUES ('x')",
        codes::SQLITE_CONSTRAINT,
        Some(codes::SQLITE_CONSTRAINT_PRIMARYKEY),
    )?;
    conn.drop_tables(&["e_pk", "e_pk_text"])
}

fn not_null_violation(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["e_notnull"])?;
    conn.ok_execute(
        "CREATE TABLE e_notnull (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
        (),
    )?;
    expect_sqlite(
        ctx,
        &mut conn,
        "INSERT INTO e_notnull (name) VALUES (NULL)",
        codes::SQLITE_CONSTRAINT,
        Some(codes::SQLITE_CONSTRAINT_NOTNULL),
    )?;
    conn.drop_tables(&["e_notnull"])
}

fn check_violation(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["e_check"])?;
    conn.ok_execute("CREATE TABLE e_check (age INTEGER CHECK (age >= 0))", ())?;
    conn.ok_execute("INSERT INTO e_check VALUES (1)", ())?;
    expect_sqlite(
        ctx,
        &mut conn,
        "INSERT INTO e_check VALUES (-1)",
        codes::SQLITE_CONSTRAINT,
        Some(codes::SQLITE_CONSTRAINT_CHECK),
    )?;
    expect_sqlite(
        ctx,
        &mut conn,
        "UPDATE e_check SET age = -5",
        codes::SQLITE_CONSTRAINT,
        Some(codes::SQLITE_CONSTRAINT_CHECK),
    )?;
    conn.drop_tables(&["e_check"])
}

fn foreign_key_violation(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.ok_execute("PRAGMA foreign_keys = ON", ())?;
    conn.drop_tables(&["e_fk_child", "e_fk_parent"])?;
    conn.ok_execute("CREATE TABLE e_fk_parent (id INTEGER PRIMARY KEY)", ())?;
    conn.ok_execute("CREATE TABLE e_fk_child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES e_fk_parent(id))", ())?;
    conn.ok_execute("INSERT INTO e_fk_parent VALUES (1)", ())?;
    conn.ok_execute("INSERT INTO e_fk_child VALUES (1, 1)", ())?;
    expect_sqlite(
        ctx,
        &mut conn,
        "INSERT INTO e_fk_child VALUES (2, 99)",
        codes::SQLITE_CONSTRAINT,
        Some(codes::SQLITE_CONSTRAINT_FOREIGNKEY),
    )?;
    expect_sqlite(
        ctx,
        &mut conn,
        "DELETE FROM e_fk_parent WHERE id = 1",
        codes::SQLITE_CONSTRAINT,
        Some(codes::SQLITE_CONSTRAINT_FOREIGNKEY),
    )?;
    conn.drop_tables(&["e_fk_child", "e_fk_parent"])
}

fn multiple_statements(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["e_multi"])?;
    conn.ok_execute("CREATE TABLE e_multi (x INTEGER)", ())?;
    conn.err_execute("SELECT 1; SELECT 2", (), ErrorKind::MultipleStatements)?;
    conn.err_execute(
        "INSERT INTO e_multi VALUES (1); INSERT INTO e_multi VALUES (2)",
        (),
        ErrorKind::MultipleStatements,
    )?;
    // Nothing of a refused string ran.
    let n: i64 = conn.ok_one("SELECT count(*) FROM e_multi", ())?;
    ensure_eq(Some("SELECT count(*) FROM e_multi"), "rows", 0, n)?;
    // A trailing semicolon, comment or whitespace is one statement.
    for sql in [
        "SELECT 1;",
        "SELECT 1; -- trailing comment",
        "SELECT 1 /* c */ ;  \n",
        "  SELECT ';' AS semi  ",
    ] {
        conn.ok_query(sql, ())?;
    }
    conn.drop_tables(&["e_multi"])
}

fn no_statement(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    for sql in ["", "   ", "-- only a comment", "/* block */"] {
        conn.err_execute(sql, (), ErrorKind::NoStatement)?;
    }
    let one: i64 = conn.ok_one("SELECT 1", ())?;
    ensure_eq(Some("SELECT 1"), "value", 1, one)
}
