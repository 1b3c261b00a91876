//! Transactions: BEGIN DEFERRED/IMMEDIATE/EXCLUSIVE, commit, rollback, a
//! dropped guard, and isolation between two connections.

use sqlport::blocking::Executor;
use sqlport::{Capability, ErrorKind, TransactionBehavior};

use crate::suite::case::Case;
use crate::suite::check::{
    CaseResult, Checked, Failure, describe_error, ensure, ensure_autocommit, ensure_eq, ok,
};
use crate::suite::context::Ctx;

const TX: &[Capability] = &[Capability::InteractiveTransactions];
const TX_SHARED: &[Capability] = &[
    Capability::InteractiveTransactions,
    Capability::SharedDatabase,
];

pub(super) const CASES: &[Case] = &[
    Case::new("transactions::behaviors", TX, behaviors),
    Case::new("transactions::commit", TX, commit),
    Case::new("transactions::rollback", TX, rollback),
    Case::new(
        "transactions::dropped_guard_rolls_back",
        TX,
        dropped_guard_rolls_back,
    ),
    Case::new("transactions::sql_begin_commit", TX, sql_begin_commit),
    Case::new(
        "transactions::error_inside_keeps_transaction",
        TX,
        error_inside_keeps_transaction,
    ),
    Case::new(
        "transactions::isolation_between_connections",
        TX_SHARED,
        isolation_between_connections,
    ),
    Case::new(
        "transactions::close_rolls_back",
        TX_SHARED,
        close_rolls_back,
    ),
];

fn count(conn: &mut impl Executor, table: &str) -> Result<i64, Failure> {
    conn.ok_one(&format!("SELECT count(*) FROM {table}"), ())
}

fn setup(conn: &mut impl Executor, table: &str) -> CaseResult {
    conn.fresh_table(table, "id INTEGER PRIMARY KEY, v TEXT")
}

fn behaviors(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "t_behaviors")?;
    for (i, b) in [
        TransactionBehavior::Deferred,
        TransactionBehavior::Immediate,
        TransactionBehavior::Exclusive,
    ]
    .into_iter()
    .enumerate()
    {
        let mut tx = ok(b.begin_sql(), conn.transaction_with(b))?;
        ensure_autocommit(&tx, false, &format!("inside {}", b.begin_sql()))?;
        tx.ok_execute("INSERT INTO t_behaviors (v) VALUES (?)", [format!("{b:?}")])?;
        ok("COMMIT", tx.commit())?;
        ensure_autocommit(&conn, true, "after COMMIT")?;
        let n = count(&mut conn, "t_behaviors")?;
        ensure_eq(
            None,
            &format!("rows after {} + COMMIT", b.begin_sql()),
            i as i64 + 1,
            n,
        )?;
    }
    conn.drop_tables(&["t_behaviors"])
}

fn commit(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "t_commit")?;
    let mut tx = ok("BEGIN", conn.transaction())?;
    for i in 0..3 {
        tx.ok_execute("INSERT INTO t_commit (v) VALUES (?)", [i])?;
    }
    // Reads inside the transaction see its own writes.
    let inside = count(&mut tx, "t_commit")?;
    ensure_eq(None, "rows inside the transaction", 3, inside)?;
    ok("COMMIT", tx.commit())?;
    ensure_autocommit(&conn, true, "after commit")?;
    ensure_eq(None, "rows after commit", 3, count(&mut conn, "t_commit")?)?;
    conn.drop_tables(&["t_commit"])
}

fn rollback(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "t_rollback")?;
    conn.ok_execute("INSERT INTO t_rollback (v) VALUES ('kept')", ())?;
    let mut tx = ok("BEGIN", conn.transaction())?;
    tx.ok_execute("INSERT INTO t_rollback (v) VALUES ('gone')", ())?;
    tx.ok_execute("UPDATE t_rollback SET v = 'changed' WHERE v = 'kept'", ())?;
    ok("ROLLBACK", tx.rollback())?;
    ensure_autocommit(&conn, true, "after rollback")?;
    ensure_eq(
        None,
        "rows after rollback",
        1,
        count(&mut conn, "t_rollback")?,
    )?;
    let v: String = conn.ok_one("SELECT v FROM t_rollback", ())?;
    ensure_eq(
        Some("SELECT v FROM t_rollback"),
        "value after rollback",
        "kept".to_owned(),
        v,
    )?;
    conn.drop_tables(&["t_rollback"])
}

fn dropped_guard_rolls_back(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "t_dropped")?;
    {
        let mut tx = ok("BEGIN", conn.transaction())?;
        tx.ok_execute("INSERT INTO t_dropped (v) VALUES ('never committed')", ())?;
        // Dropped here without commit or rollback.
    }
    ensure_eq(
        None,
        "rows after a dropped transaction",
        0,
        count(&mut conn, "t_dropped")?,
    )?;
    ensure_autocommit(&conn, true, "after a dropped transaction")?;
    // A new transaction starts cleanly.
    let mut tx = ok("BEGIN", conn.transaction())?;
    tx.ok_execute("INSERT INTO t_dropped (v) VALUES ('committed')", ())?;
    ok("COMMIT", tx.commit())?;
    ensure_eq(None, "rows after commit", 1, count(&mut conn, "t_dropped")?)?;
    conn.drop_tables(&["t_dropped"])
}

fn sql_begin_commit(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "t_sql")?;
    for begin in [
        "BEGIN",
        "BEGIN DEFERRED",
        "BEGIN IMMEDIATE TRANSACTION",
        "BEGIN EXCLUSIVE",
    ] {
        conn.ok_execute(begin, ())?;
        ensure_autocommit(&conn, false, &format!("after {begin}"))?;
        conn.ok_execute("INSERT INTO t_sql (v) VALUES (?)", [begin])?;
        conn.ok_execute("ROLLBACK", ())?;
        ensure_autocommit(&conn, true, "after ROLLBACK")?;
    }
    ensure_eq(
        None,
        "rows after rolled-back transactions",
        0,
        count(&mut conn, "t_sql")?,
    )?;
    conn.ok_execute("BEGIN", ())?;
    conn.ok_execute("INSERT INTO t_sql (v) VALUES ('x')", ())?;
    conn.ok_execute("COMMIT", ())?;
    ensure_autocommit(&conn, true, "after COMMIT")?;
    ensure_eq(None, "rows after COMMIT", 1, count(&mut conn, "t_sql")?)?;
    conn.ok_execute("BEGIN", ())?;
    conn.ok_execute("END", ())?;
    ensure_autocommit(&conn, true, "after END")?;
    conn.drop_tables(&["t_sql"])
}

fn error_inside_keeps_transaction(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "t_err_inside")?;
    conn.ok_execute("BEGIN", ())?;
    conn.ok_execute("INSERT INTO t_err_inside (id, v) VALUES (1, 'a')", ())?;
    let dup = "INSERT INTO t_err_inside (id, v) VALUES (1, 'dup')";
    let err = conn.err_execute(dup, (), ErrorKind::Sqlite)?;
    ensure(err.is_constraint(), Some(dup), "a constraint error", || {
        describe_error(&err)
    })?;
    // A statement error does not end the transaction.
    ensure_autocommit(
        &conn,
        false,
        "after a failed statement inside a transaction",
    )?;
    conn.ok_execute("INSERT INTO t_err_inside (id, v) VALUES (2, 'b')", ())?;
    conn.ok_execute("COMMIT", ())?;
    ensure_eq(None, "rows", 2, count(&mut conn, "t_err_inside")?)?;
    conn.drop_tables(&["t_err_inside"])
}

fn isolation_between_connections(ctx: &mut Ctx) -> CaseResult {
    let mut a = ctx.connect()?;
    let mut b = ctx.connect()?;
    setup(&mut a, "t_iso")?;
    let mut tx = ok("BEGIN", a.transaction())?;
    tx.ok_execute("INSERT INTO t_iso (v) VALUES ('uncommitted')", ())?;
    // The other connection must not see the uncommitted row: it sees the old
    // state, or (depending on the journal mode) is told the database is busy.
    let sql = "SELECT count(*) FROM t_iso";
    match b.query_scalar::<i64>(sql, ()) {
        Ok(n) => ensure_eq(
            Some(sql),
            "rows seen by another connection before commit",
            0,
            n,
        )?,
        Err(e) if e.is_busy() => {}
        Err(e) => return Err(Failure::error(Some(sql), &e)),
    }
    ok("COMMIT", tx.commit())?;
    let n: i64 = b.ok_one(sql, ())?;
    ensure_eq(
        Some(sql),
        "rows seen by another connection after commit",
        1,
        n,
    )?;
    a.drop_tables(&["t_iso"])
}

fn close_rolls_back(ctx: &mut Ctx) -> CaseResult {
    let mut a = ctx.connect()?;
    setup(&mut a, "t_close")?;
    a.ok_execute("BEGIN", ())?;
    a.ok_execute("INSERT INTO t_close (v) VALUES ('left open')", ())?;
    ok("close()", a.close())?;
    let mut b = ctx.connect()?;
    ensure_eq(
        None,
        "rows after closing a connection with an open transaction",
        0,
        count(&mut b, "t_close")?,
    )?;
    b.drop_tables(&["t_close"])
}
