//! Savepoints: nested, rollback-to, release, dropped guards, and the SQL forms.

use sqlport::Capability;
use sqlport::blocking::Executor;

use crate::suite::case::Case;
use crate::suite::check::{
    CaseResult, Checked, Failure, ensure_autocommit, ensure_eq, ok, strings,
};
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

fn values(conn: &mut impl Executor, table: &str) -> Result<Vec<String>, Failure> {
    conn.ok_column(&format!("SELECT v FROM {table} ORDER BY id"))
}

fn setup(conn: &mut impl Executor, table: &str) -> CaseResult {
    conn.fresh_table(table, "id INTEGER PRIMARY KEY, v TEXT")
}

fn nested_release(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "s_nested")?;
    let mut tx = ok("BEGIN", conn.transaction())?;
    tx.ok_execute("INSERT INTO s_nested (v) VALUES ('tx')", ())?;
    {
        let mut sp1 = ok("SAVEPOINT", tx.savepoint())?;
        sp1.ok_execute("INSERT INTO s_nested (v) VALUES ('sp1')", ())?;
        {
            let mut sp2 = ok("SAVEPOINT", sp1.savepoint())?;
            sp2.ok_execute("INSERT INTO s_nested (v) VALUES ('sp2')", ())?;
            let seen = values(&mut sp2, "s_nested")?;
            ensure_eq(
                None,
                "rows inside the inner savepoint",
                strings(&["tx", "sp1", "sp2"]),
                seen,
            )?;
            ok("RELEASE", sp2.release())?;
        }
        ok("RELEASE", sp1.release())?;
    }
    ensure_autocommit(&tx, false, "after releasing savepoints")?;
    ok("COMMIT", tx.commit())?;
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
    let mut tx = ok("BEGIN", conn.transaction())?;
    tx.ok_execute("INSERT INTO s_rollback (v) VALUES ('outer')", ())?;
    {
        let mut sp1 = ok("SAVEPOINT", tx.savepoint())?;
        sp1.ok_execute("INSERT INTO s_rollback (v) VALUES ('kept')", ())?;
        {
            let mut sp2 = ok("SAVEPOINT", sp1.savepoint())?;
            sp2.ok_execute("INSERT INTO s_rollback (v) VALUES ('undone')", ())?;
            ok("ROLLBACK TO", sp2.rollback())?;
        }
        let seen = values(&mut sp1, "s_rollback")?;
        ensure_eq(
            None,
            "rows after rolling back the inner savepoint",
            strings(&["outer", "kept"]),
            seen,
        )?;
        ok("RELEASE", sp1.release())?;
    }
    {
        let mut sp = ok("SAVEPOINT", tx.savepoint())?;
        sp.ok_execute("UPDATE s_rollback SET v = 'changed'", ())?;
        ok("ROLLBACK TO", sp.rollback())?;
    }
    ensure_autocommit(&tx, false, "after ROLLBACK TO (transaction still open)")?;
    ok("COMMIT", tx.commit())?;
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
    let mut tx = ok("BEGIN", conn.transaction())?;
    {
        let mut sp = ok("SAVEPOINT", tx.savepoint())?;
        sp.ok_execute("INSERT INTO s_release (v) VALUES ('released')", ())?;
        ok("RELEASE", sp.release())?;
    }
    // Released work belongs to the outer transaction and goes with it.
    ok("ROLLBACK", tx.rollback())?;
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
    let mut tx = ok("BEGIN", conn.transaction())?;
    tx.ok_execute("INSERT INTO s_dropped (v) VALUES ('outer')", ())?;
    {
        let mut sp = ok("SAVEPOINT", tx.savepoint())?;
        sp.ok_execute("INSERT INTO s_dropped (v) VALUES ('dropped')", ())?;
        // Dropped without release or rollback.
    }
    ensure_eq(
        None,
        "rows after a dropped savepoint",
        strings(&["outer"]),
        values(&mut tx, "s_dropped")?,
    )?;
    ensure_autocommit(
        &tx,
        false,
        "after a dropped savepoint (transaction still open)",
    )?;
    ok("COMMIT", tx.commit())?;
    ensure_eq(
        None,
        "rows after commit",
        strings(&["outer"]),
        values(&mut conn, "s_dropped")?,
    )?;
    // A savepoint outside a transaction is a transaction of its own.
    {
        let mut sp = ok("SAVEPOINT", conn.savepoint())?;
        ensure_autocommit(&sp, false, "inside a top-level savepoint")?;
        sp.ok_execute("INSERT INTO s_dropped (v) VALUES ('top-level')", ())?;
    }
    ensure_autocommit(&conn, true, "after a dropped top-level savepoint")?;
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
    ensure_autocommit(&conn, false, "after SAVEPOINT outside a transaction")?;
    conn.ok_execute("INSERT INTO s_sql (v) VALUES ('a')", ())?;
    conn.ok_execute("SAVEPOINT b", ())?;
    conn.ok_execute("INSERT INTO s_sql (v) VALUES ('b')", ())?;
    conn.ok_execute("ROLLBACK TO b", ())?;
    conn.ok_execute("INSERT INTO s_sql (v) VALUES ('b2')", ())?;
    conn.ok_execute("RELEASE SAVEPOINT b", ())?;
    ensure_autocommit(&conn, false, "after releasing an inner savepoint")?;
    conn.ok_execute("RELEASE a", ())?;
    ensure_autocommit(&conn, true, "after releasing the outermost savepoint")?;
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
