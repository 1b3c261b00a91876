//! Concurrency: two connections see each other's commits, a writer waiting
//! for another is handled (it waits or reports busy, never corrupts), and N
//! writers incrementing one counter lose nothing.

use std::thread;

use sqlport::blocking::{Connection, Database};
use sqlport::{Capability, Error, TransactionBehavior};

use crate::suite::case::Case;
use crate::suite::check::{CaseResult, Checked, Failure, describe_error, ensure_eq, ok};
use crate::suite::context::Ctx;

const SHARED: &[Capability] = &[Capability::SharedDatabase];
const SHARED_TX: &[Capability] = &[
    Capability::SharedDatabase,
    Capability::InteractiveTransactions,
];

pub(super) const CASES: &[Case] = &[
    Case::new(
        "concurrency::two_connections_see_commits",
        SHARED,
        two_connections_see_commits,
    ),
    Case::new(
        "concurrency::busy_writer_waits_or_reports_busy",
        SHARED_TX,
        busy_writer,
    ),
    Case::new(
        "concurrency::counter_loses_no_updates",
        SHARED_TX,
        counter_loses_no_updates,
    ),
];

/// Attempts per operation when the database is busy (each attempt already
/// waits for the transport's busy timeout).
const MAX_ATTEMPTS: usize = 200;

fn two_connections_see_commits(ctx: &mut Ctx) -> CaseResult {
    let mut a = ctx.connect()?;
    let mut b = ctx.connect()?;
    a.drop_tables(&["c_seen"])?;
    a.ok_execute("CREATE TABLE c_seen (id INTEGER PRIMARY KEY, v TEXT)", ())?;
    a.ok_execute("INSERT INTO c_seen (v) VALUES ('from a')", ())?;
    let v: String = b.ok_one("SELECT v FROM c_seen", ())?;
    ensure_eq(
        Some("SELECT v FROM c_seen"),
        "value seen by b",
        "from a".to_owned(),
        v,
    )?;
    b.ok_execute("UPDATE c_seen SET v = 'from b'", ())?;
    let v: String = a.ok_one("SELECT v FROM c_seen", ())?;
    ensure_eq(
        Some("SELECT v FROM c_seen"),
        "value seen by a",
        "from b".to_owned(),
        v,
    )?;
    a.drop_tables(&["c_seen"])
}

/// Run `op`, retrying (bounded) while the database reports busy.
fn retry_busy<T>(what: &str, mut op: impl FnMut() -> Result<T, Error>) -> Result<T, Failure> {
    let mut last = None;
    for _ in 0..MAX_ATTEMPTS {
        match op() {
            Ok(v) => return Ok(v),
            Err(e) if e.is_busy() => last = Some(e),
            Err(e) => {
                return Err(Failure::new(
                    Some(what),
                    "success or a busy error",
                    describe_error(&e),
                ));
            }
        }
    }
    Err(Failure::new(
        Some(what),
        format!("success within {MAX_ATTEMPTS} attempts"),
        last.map(|e| describe_error(&e)).unwrap_or_default(),
    ))
}

fn busy_writer(ctx: &mut Ctx) -> CaseResult {
    let mut a = ctx.connect()?;
    a.drop_tables(&["c_busy"])?;
    a.ok_execute("CREATE TABLE c_busy (id INTEGER PRIMARY KEY, who TEXT)", ())?;
    let db = ctx.database().clone();
    let mut b = ctx.connect()?;
    let mut tx = ok(
        "BEGIN IMMEDIATE",
        a.transaction_with(TransactionBehavior::Immediate),
    )?;
    tx.ok_execute("INSERT INTO c_busy (who) VALUES ('a')", ())?;
    let outcome = thread::scope(|s| {
        // b writes while a holds the write lock: it waits for the lock or
        // reports busy, and then succeeds once a has committed.
        let writer = s.spawn(|| {
            let first = b.execute("INSERT INTO c_busy (who) VALUES ('b')", ());
            (first, b)
        });
        let committed = tx.commit();
        let (first, b) = match writer.join() {
            Ok(r) => r,
            Err(_) => return Err(Failure::msg("the writer thread finishes", "it panicked")),
        };
        committed.map_err(|e| Failure::error(Some("COMMIT"), &e))?;
        Ok((first, b))
    });
    let (first, mut b) = outcome?;
    match first {
        Ok(_) => {}
        Err(e) if e.is_busy() => {
            retry_busy("INSERT INTO c_busy (who) VALUES ('b')", || {
                b.execute("INSERT INTO c_busy (who) VALUES ('b')", ())
            })?;
        }
        Err(e) => {
            return Err(Failure::new(
                Some("INSERT INTO c_busy (who) VALUES ('b')"),
                "success or a busy error",
                describe_error(&e),
            ));
        }
    }
    let mut check = db.connect().map_err(Failure::from)?;
    let sql = "SELECT group_concat(who, ',') FROM (SELECT who FROM c_busy ORDER BY who)";
    let who: String = check.ok_one(sql, ())?;
    ensure_eq(Some(sql), "writers recorded", "a,b".to_owned(), who)?;
    check.drop_tables(&["c_busy"])
}

/// One read-modify-write increment in an IMMEDIATE transaction, retried while busy.
fn increment(conn: &mut Connection) -> Result<(), Failure> {
    let what = "BEGIN IMMEDIATE; SELECT n; UPDATE c_counter SET n = ?; COMMIT";
    retry_busy(what, || {
        let mut tx = conn.transaction_with(TransactionBehavior::Immediate)?;
        let n: i64 = tx.query_scalar("SELECT n FROM c_counter WHERE id = 1", ())?;
        tx.execute("UPDATE c_counter SET n = ? WHERE id = 1", [n + 1])?;
        tx.commit()
    })
}

fn counter_loses_no_updates(ctx: &mut Ctx) -> CaseResult {
    const WRITERS: usize = 4;
    const INCREMENTS: usize = 10;
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["c_counter"])?;
    conn.ok_execute(
        "CREATE TABLE c_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
        (),
    )?;
    conn.ok_execute("INSERT INTO c_counter VALUES (1, 0)", ())?;
    let db: &Database = ctx.database();
    let results: Vec<Result<(), Failure>> = thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|_| {
                s.spawn(move || -> Result<(), Failure> {
                    let mut c = db.connect().map_err(Failure::from)?;
                    for _ in 0..INCREMENTS {
                        increment(&mut c)?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Failure::msg("writer thread finishes", "it panicked")))
            })
            .collect()
    });
    for r in results {
        r?;
    }
    let n: i64 = conn.ok_one("SELECT n FROM c_counter WHERE id = 1", ())?;
    ensure_eq(
        Some("SELECT n FROM c_counter"),
        "counter after all increments",
        (WRITERS * INCREMENTS) as i64,
        n,
    )?;
    conn.drop_tables(&["c_counter"])
}
