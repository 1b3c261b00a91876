//! Savepoints: nested, rollback-to, release, dropped guards, and the SQL forms.

use sqlport::Capability;
use sqlport::blocking::Connection;

use crate::suite::case::Case;
use crate::suite::check::{CaseResult, Checked, Failure, ensure_eq};
use crate::suite::context::Ctx;

const SP: &[Capability] = &[Capability::InteractiveTransactions, Capability::Savepoints];

pub(super) const CASES: &[Case] = &[
    Case::new("savepoints::nested_release", SP, nested_release),
    Case::new("savepoints::rollback_to", SP, rollback_to),
    Case::new(
        "savepoints::release_then_outer_rollback",
        SP,
        release_then_outer_rollback,
    ),
    Case::new(
        "savepoints::dropped_guard_rolls_back",
        SP,
        dropped_guard_rolls_back,
    ),
    Case::new("savepoints::sql_forms", SP, sql_forms),
];

fn values(conn: &mut Connection, table: &str) -> Result<Vec<String>, Failure> {
    let sql = format!("SELECT v FROM {table} ORDER BY id");
    let rs = conn.ok_query(&sql, ())?;
    rs.rows
        .iter()
        .map(|r| r.get::<String>(0).map_err(Failure::from))
        .collect()
}

fn setup(conn: &mut Connection, table: &str) -> CaseResult {
    conn.drop_tables(&[table])?;
    conn.ok_execute(
        &format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY, v TEXT)"),
        (),
    )?;
    Ok(())
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn nested_release(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "s_nested")?;
    let mut tx = conn
        .transaction()
        .map_err(|e| Failure::error(Some("BEGIN"), &e))?;
    tx.ok_execute("INSERT INTO s_nested (v) VALUES ('tx')", ())?;
    {
        let mut sp1 = tx
            .savepoint()
            .map_err(|e| Failure::error(Some("SAVEPOINT"), &e))?;
        sp1.ok_execute("INSERT INTO s_nested (v) VALUES ('sp1')", ())?;
        {
            let mut sp2 = sp1
                .savepoint()
                .map_err(|e| Failure::error(Some("SAVEPOINT"), &e))?;
            sp2.ok_execute("INSERT INTO s_nested (v) VALUES ('sp2')", ())?;
            let seen = values(&mut sp2, "s_nested")?;
            ensure_eq(
                None,
                "rows inside the inner savepoint",
                strings(&["tx", "sp1", "sp2"]),
                seen,
            )?;
            sp2.release()
                .map_err(|e| Failure::error(Some("RELEASE"), &e))?;
        }
        sp1.release()
            .map_err(|e| Failure::error(Some("RELEASE"), &e))?;
    }
    ensure_eq(
        None,
        "is_autocommit() after releasing savepoints",
        false,
        tx.is_autocommit(),
    )?;
    tx.commit()
        .map_err(|e| Failure::error(Some("COMMIT"), &e))?;
    ensure_eq(
        None,
        "rows after commit",
        strings(&["tx", "sp1", "sp2"]),
        values(&mut conn, "s_nested")?,
    )?;
    conn.drop_tables(&["s_nested"])
}

fn rollback_to(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "s_rollback")?;
    let mut tx = conn
        .transaction()
        .map_err(|e| Failure::error(Some("BEGIN"), &e))?;
    tx.ok_execute("INSERT INTO s_rollback (v) VALUES ('outer')", ())?;
    {
        let mut sp1 = tx
            .savepoint()
            .map_err(|e| Failure::error(Some("SAVEPOINT"), &e))?;
        sp1.ok_execute("INSERT INTO s_rollback (v) VALUES ('kept')", ())?;
        {
            let mut sp2 = sp1
                .savepoint()
                .map_err(|e| Failure::error(Some("SAVEPOINT"), &e))?;
            sp2.ok_execute("INSERT INTO s_rollback (v) VALUES ('undone')", ())?;
            sp2.rollback()
                .map_err(|e| Failure::error(Some("ROLLBACK TO"), &e))?;
        }
        let seen = values(&mut sp1, "s_rollback")?;
        ensure_eq(
            None,
            "rows after rolling back the inner savepoint",
            strings(&["outer", "kept"]),
            seen,
        )?;
        sp1.release()
            .map_err(|e| Failure::error(Some("RELEASE"), &e))?;
    }
    {
        let mut sp = tx
            .savepoint()
            .map_err(|e| Failure::error(Some("SAVEPOINT"), &e))?;
        sp.ok_execute("UPDATE s_rollback SET v = 'changed'", ())?;
        sp.rollback()
            .map_err(|e| Failure::error(Some("ROLLBACK TO"), &e))?;
    }
    ensure_eq(
        None,
        "transaction still open after ROLLBACK TO",
        false,
        tx.is_autocommit(),
    )?;
    tx.commit()
        .map_err(|e| Failure::error(Some("COMMIT"), &e))?;
    ensure_eq(
        None,
        "rows after commit",
        strings(&["outer", "kept"]),
        values(&mut conn, "s_rollback")?,
    )?;
    conn.drop_tables(&["s_rollback"])
}

fn release_then_outer_rollback(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "s_release")?;
    conn.ok_execute("INSERT INTO s_release (v) VALUES ('before')", ())?;
    let mut tx = conn
        .transaction()
        .map_err(|e| Failure::error(Some("BEGIN"), &e))?;
    {
        let mut sp = tx
            .savepoint()
            .map_err(|e| Failure::error(Some("SAVEPOINT"), &e))?;
        sp.ok_execute("INSERT INTO s_release (v) VALUES ('released')", ())?;
        sp.release()
            .map_err(|e| Failure::error(Some("RELEASE"), &e))?;
    }
    // Released work belongs to the outer transaction and goes with it.
    tx.rollback()
        .map_err(|e| Failure::error(Some("ROLLBACK"), &e))?;
    ensure_eq(
        None,
        "rows after rolling back the outer transaction",
        strings(&["before"]),
        values(&mut conn, "s_release")?,
    )?;
    conn.drop_tables(&["s_release"])
}

fn dropped_guard_rolls_back(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "s_dropped")?;
    let mut tx = conn
        .transaction()
        .map_err(|e| Failure::error(Some("BEGIN"), &e))?;
    tx.ok_execute("INSERT INTO s_dropped (v) VALUES ('outer')", ())?;
    {
        let mut sp = tx
            .savepoint()
            .map_err(|e| Failure::error(Some("SAVEPOINT"), &e))?;
        sp.ok_execute("INSERT INTO s_dropped (v) VALUES ('dropped')", ())?;
        // Dropped without release or rollback.
    }
    ensure_eq(
        None,
        "rows after a dropped savepoint",
        strings(&["outer"]),
        values(&mut tx, "s_dropped")?,
    )?;
    ensure_eq(
        None,
        "transaction still open after a dropped savepoint",
        false,
        tx.is_autocommit(),
    )?;
    tx.commit()
        .map_err(|e| Failure::error(Some("COMMIT"), &e))?;
    ensure_eq(
        None,
        "rows after commit",
        strings(&["outer"]),
        values(&mut conn, "s_dropped")?,
    )?;
    // A savepoint outside a transaction is a transaction of its own.
    {
        let mut sp = conn
            .savepoint()
            .map_err(|e| Failure::error(Some("SAVEPOINT"), &e))?;
        ensure_eq(
            None,
            "is_autocommit() inside a top-level savepoint",
            false,
            sp.is_autocommit(),
        )?;
        sp.ok_execute("INSERT INTO s_dropped (v) VALUES ('top-level')", ())?;
    }
    ensure_eq(
        None,
        "is_autocommit() after a dropped top-level savepoint",
        true,
        conn.is_autocommit(),
    )?;
    ensure_eq(
        None,
        "rows after a dropped top-level savepoint",
        strings(&["outer"]),
        values(&mut conn, "s_dropped")?,
    )?;
    conn.drop_tables(&["s_dropped"])
}

fn sql_forms(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "s_sql")?;
    conn.ok_execute("SAVEPOINT a", ())?;
    ensure_eq(
        None,
        "is_autocommit() after SAVEPOINT outside a transaction",
        false,
        conn.is_autocommit(),
    )?;
    conn.ok_execute("INSERT INTO s_sql (v) VALUES ('a')", ())?;
    conn.ok_execute("SAVEPOINT b", ())?;
    conn.ok_execute("INSERT INTO s_sql (v) VALUES ('b')", ())?;
    conn.ok_execute("ROLLBACK TO b", ())?;
    conn.ok_execute("INSERT INTO s_sql (v) VALUES ('b2')", ())?;
    conn.ok_execute("RELEASE SAVEPOINT b", ())?;
    ensure_eq(
        None,
        "is_autocommit() after releasing an inner savepoint",
        false,
        conn.is_autocommit(),
    )?;
    conn.ok_execute("RELEASE a", ())?;
    ensure_eq(
        None,
        "is_autocommit() after releasing the outermost savepoint",
        true,
        conn.is_autocommit(),
    )?;
    ensure_eq(
        None,
        "rows",
        strings(&["a", "b2"]),
        values(&mut conn, "s_sql")?,
    )?;
    let err = conn.execute("RELEASE no_such_savepoint", ());
    ensure_eq(
        Some("RELEASE no_such_savepoint"),
        "SQLite primary code",
        Some(sqlport::codes::SQLITE_ERROR),
        err.err().and_then(|e| e.sqlite_code()),
    )?;
    conn.drop_tables(&["s_sql"])
}
