//! The facade's row streams and server counts on sqld: a stream stopped
//! early inside a transaction leaves it open (it commits), on both
//! backends; `rows_read` / `rows_written` are what sqld reports (issue 15).

use futures_util::StreamExt as _;

use super::*;

fn series(n: i64) -> String {
    format!(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) \
         SELECT x FROM c"
    )
}

#[test]
fn row_streams_stop_early_inside_a_transaction() {
    let Some(s) = sqld(&[]) else { return };
    let db = sqlport::blocking::Database::open_with(s.url(), options()).unwrap();
    let mut c = db.connect().unwrap();
    c.execute("CREATE TABLE rs_b (x INTEGER)", ()).unwrap();
    let mut tx = c.transaction().unwrap();
    tx.execute("INSERT INTO rs_b VALUES (1)", ()).unwrap();
    let ten: Vec<i64> = tx
        .query_rows(&series(5_000), ())
        .unwrap()
        .take(10)
        .map(|r| r.unwrap().get(0).unwrap())
        .collect();
    assert_eq!(ten, (1..=10).collect::<Vec<_>>());
    tx.execute("INSERT INTO rs_b VALUES (2)", ()).unwrap();
    tx.commit().unwrap();
    assert_eq!(int(&c.query("SELECT count(*) FROM rs_b", ()).unwrap()), 2);

    let adb = sqlport::Database::open_with(s.url(), options()).unwrap();
    runtime().block_on(async {
        let mut c = adb.connect().await.unwrap();
        c.execute("CREATE TABLE rs_a (x INTEGER)", ())
            .await
            .unwrap();
        let mut tx = c.transaction().await.unwrap();
        tx.execute("INSERT INTO rs_a VALUES (1)", ()).await.unwrap();
        let mut rows = tx.query_stream(&series(5_000), ()).await.unwrap();
        for i in 1..=10 {
            assert_eq!(
                rows.next().await.unwrap().unwrap().get::<i64>(0).unwrap(),
                i
            );
        }
        drop(rows);
        tx.execute("INSERT INTO rs_a VALUES (2)", ()).await.unwrap();
        tx.commit().await.unwrap();
        let n: i64 = c
            .query_scalar("SELECT count(*) FROM rs_a", ())
            .await
            .unwrap();
        assert_eq!(n, 2);
    });
}

#[test]
fn results_carry_the_servers_row_counts() {
    let Some(s) = sqld(&[]) else { return };
    let db = sqlport::blocking::Database::open_with(s.url(), options()).unwrap();
    let mut c = db.connect().unwrap();
    c.execute("CREATE TABLE counted (x INTEGER)", ()).unwrap();
    let rs = c
        .query("INSERT INTO counted VALUES (1), (2), (3)", ())
        .unwrap();
    assert_eq!(rs.rows_written, Some(3), "{rs:?}");
    let rs = c.query("SELECT x FROM counted", ()).unwrap();
    assert_eq!(rs.rows_read, Some(3), "{rs:?}");
    assert_eq!(rs.rows_written, Some(0), "{rs:?}");
    let n: i64 = runtime().block_on(async {
        let adb = sqlport::Database::open_with(s.url(), options()).unwrap();
        let mut c = adb.connect().await.unwrap();
        let rs = c
            .query("SELECT x FROM counted WHERE x > 1", ())
            .await
            .unwrap();
        assert_eq!(rs.rows_read, Some(3), "{rs:?}");
        i64::try_from(rs.rows.len()).unwrap()
    });
    assert_eq!(n, 2);
}
