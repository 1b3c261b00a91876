//! Row streams: `blocking::Connection::query_rows` (an `Iterator`) and
//! `Connection::query_stream` (a `Stream`) on every transport. A stream of
//! 20,000 rows stopped after 10 by dropping it leaves the connection usable
//! and, inside a transaction, the transaction open (it then commits); a full
//! stream yields every row and its summary; a query failing mid-way yields
//! the rows before the failure, then the error. Locally, a producer counted
//! through a UDF is seen to pause: a 1M-row series consumed 10 rows produces
//! at most the stream's bound, never the whole series.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use sqlport::ErrorKind;

use super::*;

const ROWS: i64 = 20_000;

fn series(n: i64) -> String {
    format!(
        "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < {n}) \
         SELECT x, 'row ' || x AS label FROM s"
    )
}

/// Fails with SQLITE_ERROR (integer overflow in `abs`) at row 5,000.
const FAILS_AT_5000: &str = "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 10000) \
     SELECT x, CASE WHEN x = 5000 THEN abs(-9223372036854775808) END FROM s";

#[test]
fn blocking_rows_stop_early_and_keep_the_transaction() {
    for t in Target::all() {
        let what = format!("{:?}", t.kind);
        let db = t.blocking();
        let mut c = db.connect().unwrap();
        c.execute("CREATE TABLE kept (x INTEGER)", ()).unwrap();

        // Autocommit: ten rows, drop, the connection goes on.
        let mut rows = c.query_rows(&series(ROWS), ()).unwrap();
        for i in 1..=10 {
            let row = rows.next().unwrap().unwrap();
            assert_eq!(row.get::<i64>(0).unwrap(), i, "{what}");
            assert_eq!(row.get::<String>("label").unwrap(), format!("row {i}"));
        }
        assert_eq!(rows.columns().unwrap()[1].name, "label", "{what}");
        drop(rows);
        assert!(c.is_autocommit(), "{what}");
        assert_eq!(c.query_scalar::<i64>("SELECT 7", ()).unwrap(), 7, "{what}");

        // Inside a transaction: stopped early, the transaction stays and commits.
        let mut tx = c.transaction().unwrap();
        tx.execute("INSERT INTO kept VALUES (1)", ()).unwrap();
        let first: Vec<i64> = tx
            .query_rows(&series(ROWS), ())
            .unwrap()
            .take(10)
            .map(|r| r.unwrap().get(0).unwrap())
            .collect();
        assert_eq!(first, (1..=10).collect::<Vec<_>>(), "{what}");
        assert!(
            !tx.transport().is_autocommit(),
            "{what}: still in the transaction"
        );
        tx.execute("INSERT INTO kept VALUES (2)", ()).unwrap();
        tx.commit().unwrap();
        assert!(c.is_autocommit(), "{what}");
        assert_eq!(
            c.query_scalar::<i64>("SELECT count(*) FROM kept", ())
                .unwrap(),
            2,
            "{what}: both inserts committed"
        );

        // The whole stream, then its summary.
        let mut rows = c.query_rows(&series(ROWS), ()).unwrap();
        let mut n = 0;
        for row in rows.by_ref() {
            n += 1;
            assert_eq!(row.unwrap().get::<i64>(0).unwrap(), n);
        }
        assert_eq!(n, ROWS, "{what}");
        assert_eq!(rows.summary().unwrap().rows_affected, 0, "{what}");
        drop(rows);

        // A failure mid-way: the rows before it, then the error, then the end.
        let mut rows = c.query_rows(FAILS_AT_5000, ()).unwrap();
        let mut ok = 0;
        let err = loop {
            match rows.next().unwrap() {
                Ok(_) => ok += 1,
                Err(e) => break e,
            }
        };
        assert!(rows.next().is_none(), "{what}");
        drop(rows);
        assert_eq!(err.kind(), ErrorKind::Sqlite, "{what}: {err}");
        assert!(ok <= 4999, "{what}: {ok} rows before the failure");
        if t.kind == Kind::Local {
            assert_eq!(ok, 4999, "{what}: every row before the failure");
        }
        assert_eq!(c.query_scalar::<i64>("SELECT 8", ()).unwrap(), 8, "{what}");

        // A missing parameter: the first item is the error, then the end.
        let mut rows = c.query_rows("SELECT ?", ()).unwrap();
        let err = rows.next().unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArguments, "{what}: {err}");
        assert!(rows.next().is_none(), "{what}");
        drop(rows);
        assert_eq!(c.query_scalar::<i64>("SELECT 9", ()).unwrap(), 9, "{what}");
    }
}

#[test]
fn async_streams_stop_early_and_keep_the_transaction() {
    let rt = runtime();
    for t in Target::all() {
        let what = format!("{:?}", t.kind);
        let db = t.nonblocking();
        rt.block_on(async {
            let mut c = db.connect().await.unwrap();
            c.execute("CREATE TABLE kept (x INTEGER)", ())
                .await
                .unwrap();

            let mut rows = c.query_stream(&series(ROWS), ()).await.unwrap();
            for i in 1..=10 {
                let row = rows.next().await.unwrap().unwrap();
                assert_eq!(row.get::<i64>(0).unwrap(), i, "{what}");
            }
            assert_eq!(rows.columns().unwrap()[1].name, "label", "{what}");
            drop(rows);
            assert_eq!(
                c.query_scalar::<i64>("SELECT 7", ()).await.unwrap(),
                7,
                "{what}"
            );
            assert!(c.is_autocommit(), "{what}");

            let mut tx = c.transaction().await.unwrap();
            tx.execute("INSERT INTO kept VALUES (1)", ()).await.unwrap();
            let mut rows = tx.query_stream(&series(ROWS), ()).await.unwrap();
            for i in 1..=10 {
                let row = rows.next().await.unwrap().unwrap();
                assert_eq!(row.get::<i64>(0).unwrap(), i, "{what}");
            }
            drop(rows);
            tx.execute("INSERT INTO kept VALUES (2)", ()).await.unwrap();
            tx.commit().await.unwrap();
            assert!(c.is_autocommit(), "{what}");
            assert_eq!(
                c.query_scalar::<i64>("SELECT count(*) FROM kept", ())
                    .await
                    .unwrap(),
                2,
                "{what}: both inserts committed"
            );

            // Two streams dropped in a row, then a plain statement.
            for _ in 0..2 {
                let mut rows = c.query_stream(&series(ROWS), ()).await.unwrap();
                assert!(rows.next().await.unwrap().is_ok(), "{what}");
            }
            assert_eq!(
                c.query_scalar::<i64>("SELECT 8", ()).await.unwrap(),
                8,
                "{what}"
            );

            let mut rows = c.query_stream(&series(ROWS), ()).await.unwrap();
            let mut n = 0;
            while let Some(row) = rows.next().await {
                n += 1;
                assert_eq!(row.unwrap().get::<i64>(0).unwrap(), n);
            }
            assert_eq!(n, ROWS, "{what}");
            assert!(rows.summary().is_some(), "{what}");
            drop(rows);

            let mut rows = c.query_stream(FAILS_AT_5000, ()).await.unwrap();
            let mut ok = 0;
            let err = loop {
                match rows.next().await.unwrap() {
                    Ok(_) => ok += 1,
                    Err(e) => break e,
                }
            };
            assert!(rows.next().await.is_none(), "{what}");
            drop(rows);
            assert_eq!(err.kind(), ErrorKind::Sqlite, "{what}: {err}");
            assert!(ok <= 4999, "{what}: {ok}");
            if t.kind == Kind::Local {
                assert_eq!(ok, 4999, "{what}");
            }
            assert_eq!(
                c.query_scalar::<i64>("SELECT 9", ()).await.unwrap(),
                9,
                "{what}"
            );
            c.close().await.unwrap();
        });
    }
}

/// `SELECT tick(x)` over a 1M-row series, `tick` counting every row SQLite
/// produces.
const TICKED: &str = "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 1000000) \
     SELECT tick(x) FROM s";

fn register_tick(raw: &sqlport::local::rusqlite::Connection, produced: Arc<AtomicU64>) {
    use sqlport::local::rusqlite::functions::FunctionFlags;
    raw.create_scalar_function("tick", 1, FunctionFlags::SQLITE_UTF8, move |ctx| {
        produced.fetch_add(1, Ordering::SeqCst);
        ctx.get::<i64>(0)
    })
    .unwrap();
}

/// Wait until `produced` has not moved for 50 looks in a row (the producer
/// is paused), failing if it ever passes `bound` or never settles within
/// the guard. Returns the settled count.
fn settles_within(produced: &AtomicU64, bound: u64) -> u64 {
    let deadline = Instant::now() + GUARD;
    let mut last = u64::MAX;
    let mut still = 0;
    while still < 50 {
        assert!(Instant::now() < deadline, "the producer never paused");
        let now = produced.load(Ordering::SeqCst);
        assert!(now <= bound, "{now} rows produced, bound {bound}");
        if now == last {
            still += 1;
        } else {
            still = 0;
            last = now;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    last
}

#[test]
fn blocking_local_stream_pauses_its_producer() {
    let t = Target::local();
    let mut c = t.blocking().connect().unwrap();
    let produced = Arc::new(AtomicU64::new(0));
    let counter = produced.clone();
    c.with_rusqlite(move |raw| register_tick(raw, counter))
        .unwrap();

    let bound = (sqlport::blocking::CHUNK_ROWS * (sqlport::blocking::CHUNKS_IN_FLIGHT + 2)) as u64;
    let mut rows = c.query_rows(TICKED, ()).unwrap();
    for i in 1..=10 {
        assert_eq!(rows.next().unwrap().unwrap().get::<i64>(0).unwrap(), i);
    }
    let settled = settles_within(&produced, bound);
    println!("blocking: 10 rows consumed, {settled} produced of 1,000,000 (bound {bound})");
    drop(rows);
    // The producer stops at its next chunk once the iterator is gone.
    let after = produced.load(Ordering::SeqCst);
    assert!(
        after <= bound + sqlport::blocking::CHUNK_ROWS as u64,
        "{after}"
    );
    assert_eq!(c.query_scalar::<i64>("SELECT 1", ()).unwrap(), 1);
    assert_eq!(
        produced.load(Ordering::SeqCst),
        after,
        "nothing ran after the drop"
    );
}

#[test]
fn async_local_stream_pauses_its_producer() {
    let rt = runtime();
    let t = Target::local();
    let db = t.nonblocking();
    rt.block_on(async {
        let mut c = db.connect().await.unwrap();
        let produced = Arc::new(AtomicU64::new(0));
        let counter = produced.clone();
        c.with_rusqlite(move |raw| register_tick(raw, counter))
            .await
            .unwrap();
        let chunk = sqlport::core::async_over_blocking::STREAM_CHUNK_ROWS;
        // The stream's buffer (one worker chunk, delivered whole), two
        // chunks in the worker's channel and the one it is filling.
        let bound = (chunk * 4 + sqlport::PAUSE_AT) as u64;
        let mut rows = c.query_stream(TICKED, ()).await.unwrap();
        for i in 1..=10 {
            let row = rows.next().await.unwrap().unwrap();
            assert_eq!(row.get::<i64>(0).unwrap(), i);
        }
        let settled = tokio::task::block_in_place(|| settles_within(&produced, bound));
        println!("async: 10 rows consumed, {settled} produced of 1,000,000 (bound {bound})");
        drop(rows);
        assert_eq!(c.query_scalar::<i64>("SELECT 1", ()).await.unwrap(), 1);
        let after = produced.load(Ordering::SeqCst);
        assert!(after <= bound + chunk as u64, "{after}");
    });
}
