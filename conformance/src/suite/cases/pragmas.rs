//! PRAGMAs are connection state (`foreign_keys`, `busy_timeout`): set on a
//! connection, they persist for it; a new connection starts from the default.

use sqlport::Capability;

use crate::suite::case::Case;
use crate::suite::check::{CaseResult, Checked, describe_error, ensure, ensure_eq};
use crate::suite::context::Ctx;

pub(super) const CASES: &[Case] = &[
    Case::new(
        "pragmas::foreign_keys_persist_per_connection",
        &[Capability::ConnectionState],
        foreign_keys_persist,
    ),
    Case::new(
        "pragmas::busy_timeout_persists_per_connection",
        &[Capability::ConnectionState],
        busy_timeout_persists,
    ),
    Case::new("pragmas::read_pragmas", &[], read_pragmas),
];

fn foreign_keys_persist(ctx: &mut Ctx) -> CaseResult {
    let mut a = ctx.connect()?;
    let default: i64 = a.ok_one("PRAGMA foreign_keys", ())?;
    ensure(
        default == 0 || default == 1,
        Some("PRAGMA foreign_keys"),
        "0 or 1",
        || default.to_string(),
    )?;
    let flipped = 1 - default;
    a.ok_execute(
        &format!(
            "PRAGMA foreign_keys = {}",
            if flipped == 1 { "ON" } else { "OFF" }
        ),
        (),
    )?;
    // Later calls on the same connection see the setting.
    for _ in 0..3 {
        let now: i64 = a.ok_one("PRAGMA foreign_keys", ())?;
        ensure_eq(
            Some("PRAGMA foreign_keys"),
            "value on the connection that set it",
            flipped,
            now,
        )?;
    }
    // ... and it has its effect.
    a.drop_tables(&["g_child", "g_parent"])?;
    a.ok_execute("CREATE TABLE g_parent (id INTEGER PRIMARY KEY)", ())?;
    a.ok_execute(
        "CREATE TABLE g_child (parent INTEGER REFERENCES g_parent(id))",
        (),
    )?;
    let insert = "INSERT INTO g_child VALUES (42)";
    let result = a.execute(insert, ());
    let enforced = flipped == 1;
    ensure(
        match &result {
            Ok(_) => !enforced,
            Err(e) => enforced && e.is_constraint(),
        },
        Some(insert),
        if enforced {
            "a FOREIGN KEY constraint error (foreign_keys = ON)"
        } else {
            "success (foreign_keys = OFF)"
        },
        || match &result {
            Ok(n) => format!("success ({n})"),
            Err(e) => describe_error(e),
        },
    )?;
    // A new connection starts from the default.
    let mut b = ctx.connect()?;
    let fresh: i64 = b.ok_one("PRAGMA foreign_keys", ())?;
    ensure_eq(
        Some("PRAGMA foreign_keys"),
        "value on a new connection",
        default,
        fresh,
    )?;
    let still: i64 = a.ok_one("PRAGMA foreign_keys", ())?;
    ensure_eq(
        Some("PRAGMA foreign_keys"),
        "value on the first connection",
        flipped,
        still,
    )?;
    a.drop_tables(&["g_child", "g_parent"])
}

fn busy_timeout_persists(ctx: &mut Ctx) -> CaseResult {
    const SQL: &str = "PRAGMA busy_timeout";
    let mut a = ctx.connect()?;
    let default: i64 = a.ok_one(SQL, ())?;
    let set = if default == 1234 { 4321 } else { 1234 };
    a.ok_query(&format!("PRAGMA busy_timeout = {set}"), ())?;
    for _ in 0..3 {
        let now: i64 = a.ok_one(SQL, ())?;
        ensure_eq(Some(SQL), "value on the connection that set it", set, now)?;
    }
    let mut b = ctx.connect()?;
    let fresh: i64 = b.ok_one(SQL, ())?;
    ensure_eq(Some(SQL), "value on a new connection", default, fresh)?;
    let still: i64 = a.ok_one(SQL, ())?;
    ensure_eq(Some(SQL), "value on the first connection", set, still)
}

fn read_pragmas(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    for sql in [
        "PRAGMA user_version",
        "PRAGMA schema_version",
        "PRAGMA foreign_keys",
    ] {
        let rs = conn.ok_query(sql, ())?;
        ensure_eq(Some(sql), "rows", 1, rs.rows.len())?;
        ensure_eq(Some(sql), "columns", 1, rs.columns.len())?;
    }
    let sql = "SELECT * FROM pragma_table_info('sqlite_master')";
    let rs = conn.ok_query(sql, ())?;
    ensure_eq(Some(sql), "columns of sqlite_master", 5, rs.rows.len())
}
