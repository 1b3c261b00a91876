//! PRAGMAs are connection state (`foreign_keys`, `busy_timeout`): set on a
//! connection, they persist for it; a new connection starts from the default.
//!
//! sqld refuses most PRAGMA assignments ("unsupported statement"): of the
//! common ones it accepts only `foreign_keys`, `defer_foreign_keys`,
//! `user_version`, `encoding` and `legacy_file_format` (measured with sqld
//! 0.24.33, see the README). Cases that assign anything else, like
//! `busy_timeout`, need [`Capability::UnrestrictedSql`].

use sqlport::Capability;

use crate::suite::case::Case;
use crate::suite::check::{
    CaseResult, Checked, describe_error, ensure, ensure_autocommit, ensure_eq,
};
use crate::suite::context::Ctx;

pub(super) const CASES: &[Case] = &[
    Case::new(
        "pragmas::foreign_keys_persist_per_connection",
        &[Capability::ConnectionState],
        foreign_keys_persist,
    ),
    Case::new(
        "pragmas::busy_timeout_persists_per_connection",
        &[Capability::ConnectionState, Capability::UnrestrictedSql],
        busy_timeout_persists,
    ),
    Case::new(
        "pragmas::defer_foreign_keys_in_a_transaction",
        &[Capability::InteractiveTransactions],
        defer_foreign_keys,
    ),
    Case::new("pragmas::user_version_is_stored", &[], user_version),
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

fn defer_foreign_keys(ctx: &mut Ctx) -> CaseResult {
    const DEFER: &str = "PRAGMA defer_foreign_keys";
    let mut conn = ctx.connect()?;
    conn.ok_execute("PRAGMA foreign_keys = ON", ())?;
    conn.drop_tables(&["p_child", "p_parent"])?;
    conn.ok_execute("CREATE TABLE p_parent (id INTEGER PRIMARY KEY)", ())?;
    conn.ok_execute(
        "CREATE TABLE p_child (parent INTEGER REFERENCES p_parent(id))",
        (),
    )?;
    // Deferred: the orphan is fine until COMMIT, and fixed before it.
    conn.ok_execute("BEGIN", ())?;
    conn.ok_execute("PRAGMA defer_foreign_keys = ON", ())?;
    let on: i64 = conn.ok_one(DEFER, ())?;
    ensure_eq(Some(DEFER), "value inside the transaction", 1, on)?;
    conn.ok_execute("INSERT INTO p_child VALUES (42)", ())?;
    conn.ok_execute("INSERT INTO p_parent VALUES (42)", ())?;
    conn.ok_execute("COMMIT", ())?;
    // SQLite turns it off at the end of every transaction.
    let off: i64 = conn.ok_one(DEFER, ())?;
    ensure_eq(Some(DEFER), "value after COMMIT", 0, off)?;
    // Not deferred: the orphan fails at once.
    let orphan = "INSERT INTO p_child VALUES (43)";
    let err = conn.err_execute(orphan, (), sqlport::ErrorKind::Sqlite)?;
    ensure(
        err.is_constraint(),
        Some(orphan),
        "a FOREIGN KEY constraint error",
        || describe_error(&err),
    )?;
    // Deferred but never fixed: COMMIT fails, the transaction stays open.
    conn.ok_execute("BEGIN", ())?;
    conn.ok_execute("PRAGMA defer_foreign_keys = ON", ())?;
    conn.ok_execute(orphan, ())?;
    let err = conn.err_execute("COMMIT", (), sqlport::ErrorKind::Sqlite)?;
    ensure(
        err.is_constraint(),
        Some("COMMIT"),
        "a FOREIGN KEY constraint error",
        || describe_error(&err),
    )?;
    ensure_autocommit(&conn, false, "after the failed COMMIT")?;
    conn.ok_execute("ROLLBACK", ())?;
    let sql = "SELECT count(*) FROM p_child";
    let n: i64 = conn.ok_one(sql, ())?;
    ensure_eq(Some(sql), "rows", 1, n)?;
    conn.drop_tables(&["p_child", "p_parent"])
}

fn user_version(ctx: &mut Ctx) -> CaseResult {
    const SQL: &str = "PRAGMA user_version";
    let mut a = ctx.connect()?;
    let before: i64 = a.ok_one(SQL, ())?;
    let set = if before == 4242 { 2424 } else { 4242 };
    a.ok_execute(&format!("PRAGMA user_version = {set}"), ())?;
    let now: i64 = a.ok_one(SQL, ())?;
    ensure_eq(Some(SQL), "value on the connection that set it", set, now)?;
    // It is stored in the database, so a new connection sees it too.
    if ctx.has(Capability::SharedDatabase) {
        let mut b = ctx.connect()?;
        let seen: i64 = b.ok_one(SQL, ())?;
        ensure_eq(Some(SQL), "value on a new connection", set, seen)?;
        b.ok_execute(&format!("PRAGMA user_version = {before}"), ())?;
    } else {
        a.ok_execute(&format!("PRAGMA user_version = {before}"), ())?;
    }
    let back: i64 = a.ok_one(SQL, ())?;
    ensure_eq(Some(SQL), "value after restoring it", before, back)
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
