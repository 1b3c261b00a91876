//! The local escape hatches: the rusqlite connection behind a connection,
//! user-defined scalar and aggregate functions registered through it, in both
//! flavours (async: on the connection's worker thread).

use sqlport::local::rusqlite::functions::{Aggregate, Context, FunctionFlags};

/// `sum_sq(x)`: the sum of squares of its integer arguments.
struct SumSquares;

impl Aggregate<i64, i64> for SumSquares {
    fn init(&self, _: &mut Context<'_>) -> sqlport::local::rusqlite::Result<i64> {
        Ok(0)
    }
    fn step(&self, ctx: &mut Context<'_>, acc: &mut i64) -> sqlport::local::rusqlite::Result<()> {
        let x: i64 = ctx.get(0)?;
        *acc += x * x;
        Ok(())
    }
    fn finalize(
        &self,
        _: &mut Context<'_>,
        acc: Option<i64>,
    ) -> sqlport::local::rusqlite::Result<i64> {
        Ok(acc.unwrap_or(0))
    }
}

fn register(
    raw: &mut sqlport::local::rusqlite::Connection,
) -> sqlport::local::rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    raw.create_scalar_function("twice", 1, flags, |ctx| Ok(ctx.get::<i64>(0)? * 2))?;
    raw.create_aggregate_function("sum_sq", 1, flags, SumSquares)
}

#[test]
fn blocking_functions_through_the_rusqlite_connection() {
    let db = sqlport::blocking::Database::open(":memory:").unwrap();
    let mut conn = db.connect().unwrap();
    conn.with_rusqlite(register).unwrap().unwrap();
    conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3);")
        .unwrap();
    assert_eq!(
        conn.query_scalar::<i64>("SELECT twice(21)", ()).unwrap(),
        42
    );
    assert_eq!(
        conn.query_scalar::<i64>("SELECT sum_sq(x) FROM t", ())
            .unwrap(),
        14
    );
    // In a transaction too (same connection), and not on another connection.
    let mut tx = conn.transaction().unwrap();
    assert_eq!(
        tx.query_scalar::<i64>("SELECT twice(x) FROM t WHERE x = 3", ())
            .unwrap(),
        6
    );
    tx.commit().unwrap();
    let mut other = db.connect().unwrap();
    let err = other
        .query_scalar::<i64>("SELECT twice(1)", ())
        .unwrap_err();
    assert_eq!(err.sqlite_code(), Some(sqlport::codes::SQLITE_ERROR));
    // A closed connection has no rusqlite connection to lend.
    conn.transport().close().unwrap();
    assert_eq!(
        conn.with_rusqlite(|_| ()).unwrap_err().kind(),
        sqlport::ErrorKind::Closed
    );
}

#[tokio::test]
async fn async_functions_run_on_the_worker() {
    let db = sqlport::Database::open(":memory:").unwrap();
    let mut conn = db.connect().await.unwrap();
    let caller = std::thread::current().id();
    let worker = conn
        .with_rusqlite(move |raw| {
            register(raw).unwrap();
            std::thread::current().id()
        })
        .await
        .unwrap();
    assert_ne!(
        worker, caller,
        "the closure ran on the connection's worker thread"
    );
    conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (2), (3);")
        .await
        .unwrap();
    assert_eq!(
        conn.query_scalar::<i64>("SELECT sum_sq(twice(x)) FROM t", ())
            .await
            .unwrap(),
        52
    );
}
