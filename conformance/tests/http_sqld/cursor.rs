//! The cursor on sqld: `query_each` streams many rows, on both backends,
//! outside and inside an interactive transaction; a callback error stops it
//! and the connection stays usable.

use super::*;

/// Rows streamed per run: enough for many cursor reads, few enough that a
/// loaded machine streams them well inside sqld's 10 s idle expiry. (sqld
/// 0.24 counts a stream idle from when it starts sending a cursor, not from
/// when the body ends: a cursor inside a transaction that streams for longer
/// than that loses the transaction, seen as `StreamExpired` on the next
/// statement, with 30,000 rows through a debug build on a loaded 2-core machine.)
const ROWS: i64 = 5_000;

fn series() -> String {
    format!(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {ROWS}) \
         SELECT x, 'row ' || x FROM c"
    )
}

#[test]
fn query_each_streams_many_rows_and_stops_on_error() {
    let Some(s) = sqld(&[]) else { return };
    for flavour in FLAVOURS {
        match flavour {
            Flavour::Blocking => blocking_case(s.url()),
            Flavour::Async => runtime().block_on(async_case(s.url())),
        }
    }
}

/// Checks every row's two columns; returns (rows, sum of x).
#[derive(Default)]
struct Tally {
    rows: i64,
    sum: i64,
}

impl Tally {
    fn take(&mut self, row: &sqlport::RowRef<'_>) -> sqlport::Result<()> {
        let x: i64 = row.get(0)?;
        let label: String = row.get(1)?;
        assert_eq!(label, format!("row {x}"));
        self.rows += 1;
        assert_eq!(x, self.rows, "rows arrive in order, none lost");
        self.sum += x;
        Ok(())
    }
}

fn expected_sum() -> i64 {
    ROWS * (ROWS + 1) / 2
}

fn stop_after(limit: i64) -> impl FnMut(&sqlport::RowRef<'_>) -> sqlport::Result<()> + Send {
    let mut seen = 0;
    move |_row| {
        seen += 1;
        if seen == limit {
            return Err(sqlport::Error::InvalidArguments("stop".into()));
        }
        Ok(())
    }
}

fn blocking_case(url: &str) {
    let db = sqlport::blocking::Database::open_with(url, options()).unwrap();
    let mut c = db.connect().unwrap();
    let mut t = Tally::default();
    c.query_each(&series(), (), |r| t.take(r)).unwrap();
    assert_eq!((t.rows, t.sum), (ROWS, expected_sum()));

    let err = c.query_each(&series(), (), stop_after(10)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArguments, "{err:?}");
    assert_eq!(int(&c.query("SELECT 7", ()).unwrap()), 7);

    let mut tx = c.transaction().unwrap();
    tx.execute("CREATE TABLE streamed (x INTEGER)", ()).unwrap();
    let mut t = Tally::default();
    tx.query_each(&series(), (), |r| t.take(r)).unwrap();
    assert_eq!(t.rows, ROWS);
    assert!(!tx.is_autocommit(), "the cursor kept the transaction");
    tx.commit().unwrap();
    assert_eq!(
        int(&c.query("SELECT count(*) FROM streamed", ()).unwrap()),
        0
    );
}

async fn async_case(url: &str) {
    let db = sqlport::Database::open_with(url, options()).unwrap();
    let mut c = db.connect().await.unwrap();
    let mut t = Tally::default();
    c.query_each(&series(), (), |r| t.take(r)).await.unwrap();
    assert_eq!((t.rows, t.sum), (ROWS, expected_sum()));

    let err = c
        .query_each(&series(), (), stop_after(10))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArguments, "{err:?}");
    assert_eq!(int(&c.query("SELECT 7", ()).await.unwrap()), 7);

    let mut tx = c.transaction().await.unwrap();
    tx.execute("CREATE TABLE streamed_async (x INTEGER)", ())
        .await
        .unwrap();
    let mut t = Tally::default();
    tx.query_each(&series(), (), |r| t.take(r)).await.unwrap();
    assert_eq!(t.rows, ROWS);
    assert!(!tx.is_autocommit());
    tx.commit().await.unwrap();
    let n = c
        .query("SELECT count(*) FROM streamed_async", ())
        .await
        .unwrap();
    assert_eq!(int(&n), 0);
}
