//! The fault matrix: every [`Fault`] of the proxy, on both HTTP backends
//! (blocking over ureq, async over reqwest), in autocommit and inside a
//! transaction. For each: a typed error or success, never a hang past the
//! configured timeout, never a panic; read back and count (no write applied
//! twice or half, nothing of a lost transaction committed); the same
//! connection usable again.

use super::proxy::{Fault, FaultProxy};
use super::*;

/// The client's request and per-read idle timeout in this suite: short, so
/// the delay fault is quick, yet well above an unfaulted request's time on a
/// loaded 2-core CI machine (the load tests run beside these).
const TIMEOUT: Duration = Duration::from_secs(4);

/// Most time a faulted call may take: its timeout plus a generous margin (a
/// hang detector, not a speed check).
const HANG: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    Blocking,
    Async,
}

/// One facade connection through the proxy, blocking or async, driven from
/// this (blocking) test thread.
enum Client {
    Blocking(sqlport::blocking::Connection),
    Async(tokio::runtime::Runtime, Option<sqlport::Connection>),
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Client::Async(rt, conn) = self {
            let _g = rt.enter();
            conn.take();
        }
    }
}

/// What happened to the statements of one transaction.
#[derive(Debug)]
struct TxOutcome {
    a: sqlport::Result<()>,
    b: sqlport::Result<()>,
    b_took: Duration,
    c: sqlport::Result<()>,
    commit: sqlport::Result<()>,
}

fn insert_sql(table: &str, cursor: bool) -> String {
    let returning = if cursor { " RETURNING id" } else { "" };
    format!("INSERT INTO {table} (v) VALUES (?){returning}")
}

impl Client {
    fn open(flavour: Flavour, url: &str) -> Client {
        let options = remote_options(TIMEOUT);
        match flavour {
            Flavour::Blocking => {
                let db = sqlport::blocking::Database::open_with(url, options).unwrap();
                Client::Blocking(db.connect().unwrap())
            }
            Flavour::Async => {
                let rt = runtime();
                let db = sqlport::Database::open_with(url, options).unwrap();
                let conn = rt.block_on(db.connect()).unwrap();
                Client::Async(rt, Some(conn))
            }
        }
    }

    /// Insert `v` in autocommit mode (through a cursor when `cursor`).
    fn insert(&mut self, table: &str, v: &str, cursor: bool) -> sqlport::Result<()> {
        let sql = insert_sql(table, cursor);
        match self {
            Client::Blocking(c) if cursor => c.query_each(&sql, [v], |_| Ok(())).map(drop),
            Client::Blocking(c) => c.execute(&sql, [v]).map(drop),
            Client::Async(rt, c) => {
                let c = c.as_mut().unwrap();
                rt.block_on(async {
                    if cursor {
                        c.query_each(&sql, [v], |_| Ok(())).await.map(drop)
                    } else {
                        c.execute(&sql, [v]).await.map(drop)
                    }
                })
            }
        }
    }

    /// Through one `Transaction` guard: insert `a`, call `arm`, insert `b`
    /// (the faulted request), call `disarm`, insert `c`, commit. Errors are
    /// recorded and the guard goes on, as a careless caller would.
    fn transaction(
        &mut self,
        table: &str,
        cursor: bool,
        arm: &mut dyn FnMut(),
        disarm: &mut dyn FnMut(),
    ) -> TxOutcome {
        let sql = insert_sql(table, cursor);
        match self {
            Client::Blocking(conn) => {
                let mut tx = conn.transaction().unwrap();
                let run = |tx: &mut sqlport::blocking::Transaction<'_>, v: &str| {
                    if cursor {
                        tx.query_each(&sql, [v], |_| Ok(())).map(drop)
                    } else {
                        tx.execute(&sql, [v]).map(drop)
                    }
                };
                let a = run(&mut tx, "a");
                arm();
                let started = Instant::now();
                let b = run(&mut tx, "b");
                let b_took = started.elapsed();
                disarm();
                let c = run(&mut tx, "c");
                let commit = tx.commit();
                TxOutcome {
                    a,
                    b,
                    b_took,
                    c,
                    commit,
                }
            }
            Client::Async(rt, conn) => {
                let conn = conn.as_mut().unwrap();
                rt.block_on(async {
                    let mut tx = conn.transaction().await.unwrap();
                    async fn run(
                        tx: &mut sqlport::Transaction<'_>,
                        sql: &str,
                        cursor: bool,
                        v: &str,
                    ) -> sqlport::Result<()> {
                        if cursor {
                            tx.query_each(sql, [v], |_| Ok(())).await.map(drop)
                        } else {
                            tx.execute(sql, [v]).await.map(drop)
                        }
                    }
                    let a = run(&mut tx, &sql, cursor, "a").await;
                    arm();
                    let started = Instant::now();
                    let b = run(&mut tx, &sql, cursor, "b").await;
                    let b_took = started.elapsed();
                    disarm();
                    let c = run(&mut tx, &sql, cursor, "c").await;
                    let commit = tx.commit().await;
                    TxOutcome {
                        a,
                        b,
                        b_took,
                        c,
                        commit,
                    }
                })
            }
        }
    }
}

/// Rows of `table` per value, read on a direct connection to the server.
fn counts(direct: &mut sqlport::blocking::Connection, table: &str) -> [i64; 4] {
    ["a", "b", "c", "after"].map(|v| {
        direct
            .query_scalar(&format!("SELECT count(*) FROM {table} WHERE v = ?"), [v])
            .unwrap()
    })
}

fn kind(r: &sqlport::Result<()>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(e) => format!("{:?}", e.kind()),
    }
}

/// Run the matrix for one backend and mode; returns one report line per fault.
fn matrix(flavour: Flavour, in_transaction: bool) -> Vec<String> {
    let server = server();
    let proxy = FaultProxy::start(server.addr());
    let mut direct = sqlport::blocking::Database::open(&server.url())
        .unwrap()
        .connect()
        .unwrap();
    let mut client = Client::open(flavour, &proxy.url());
    let mut report = Vec::new();
    let mut late = 0;
    for (i, &fault) in Fault::ALL.iter().enumerate() {
        let table = format!("f{i}");
        direct
            .execute(
                &format!("CREATE TABLE {table} (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"),
                (),
            )
            .unwrap();
        // A cursor is what a reset in the middle of a body cuts.
        let cursor = fault == Fault::ResetMidBody;
        let what = format!("{flavour:?}, tx={in_transaction}, {fault:?}");
        let line = if in_transaction {
            let outcome = client.transaction(&table, cursor, &mut || proxy.arm(fault), &mut || {
                proxy.disarm()
            });
            if fault == Fault::DelayPastTimeout {
                late += 1;
                proxy.wait_late_forwards(late);
            }
            // What the server's idle expiry does to the streams the client lost.
            quiesce(&server);
            let [a, b, c, _] = counts(&mut direct, &table);
            check_transaction(&what, fault, &outcome, [a, b, c]);
            format!(
                "{what}: b={} c={} commit={} committed a/b/c={a}/{b}/{c}",
                kind(&outcome.b),
                kind(&outcome.c),
                kind(&outcome.commit)
            )
        } else {
            proxy.arm(fault);
            let started = Instant::now();
            let r = client.insert(&table, "b", cursor);
            let took = started.elapsed();
            proxy.disarm();
            if fault == Fault::DelayPastTimeout {
                late += 1;
                proxy.wait_late_forwards(late);
            }
            quiesce(&server);
            let [_, b, _, _] = counts(&mut direct, &table);
            assert!(took < TIMEOUT + HANG, "{what}: hung for {took:?}");
            match &r {
                Ok(()) => assert_eq!(b, 1, "{what}: reported done, applied {b} times"),
                Err(e) => assert!(is_fault_kind(e.kind()), "{what}: {e:?}"),
            }
            assert!(r.is_err(), "{what}: the fault went unnoticed");
            let want = i64::from(fault.reaches_server());
            assert_eq!(b, want, "{what}: applied {b} times, want {want}");
            format!("{what}: insert={} applied={b}", kind(&r))
        };
        // The same connection is usable again.
        client
            .insert(&table, "after", false)
            .unwrap_or_else(|e| panic!("{what}: not usable again: {e:?}"));
        assert_eq!(counts(&mut direct, &table)[3], 1, "{what}");
        report.push(line);
    }
    report
}

/// The integrity rules for one faulted transaction.
fn check_transaction(what: &str, fault: Fault, o: &TxOutcome, [a, b, c]: [i64; 3]) {
    assert!(o.a.is_ok(), "{what}: a: {:?}", o.a);
    assert!(o.b_took < TIMEOUT + HANG, "{what}: hung for {:?}", o.b_took);
    let b_err = o.b.as_ref().expect_err("the fault went unnoticed");
    assert!(is_fault_kind(b_err.kind()), "{what}: b: {b_err:?}");
    for n in [a, b, c] {
        assert!(n <= 1, "{what}: a write applied twice ({a}/{b}/{c})");
    }
    match &o.commit {
        // Committed: exactly the statements reported done, nothing else.
        Ok(()) => {
            let want = |r: &sqlport::Result<()>| i64::from(r.is_ok());
            assert_eq!(
                [a, b, c],
                [want(&o.a), want(&o.b), want(&o.c)],
                "{what}: committed rows differ from the statements reported done"
            );
        }
        // Lost: nothing committed, and nothing ran in between.
        Err(e) => {
            assert_eq!(
                e.kind(),
                ErrorKind::TransactionLost,
                "{what}: commit: {e:?}"
            );
            let c_err = o.c.as_ref().expect_err("a statement ran after the loss");
            assert_eq!(
                c_err.kind(),
                ErrorKind::TransactionLost,
                "{what}: c: {c_err:?}"
            );
            assert_eq!(
                [a, b, c],
                [0, 0, 0],
                "{what}: half of a lost transaction committed"
            );
        }
    }
    // A request that never reached the server leaves the transaction intact;
    // any other fault loses it.
    assert_eq!(
        o.commit.is_ok(),
        fault == Fault::Refuse,
        "{what}: commit {:?}",
        o.commit
    );
}

fn run(flavour: Flavour, in_transaction: bool) {
    for line in matrix(flavour, in_transaction) {
        println!("{line}");
    }
}

#[test]
fn blocking_autocommit() {
    run(Flavour::Blocking, false);
}

#[test]
fn blocking_in_transaction() {
    run(Flavour::Blocking, true);
}

#[test]
fn async_autocommit() {
    run(Flavour::Async, false);
}

#[test]
fn async_in_transaction() {
    run(Flavour::Async, true);
}
