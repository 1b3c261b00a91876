//! sqld's own stream idle expiry (about 10 s): an idle connection outside a
//! transaction carries on on a new stream with its connection-scoped PRAGMAs
//! re-applied; a transaction whose stream expired stays lost (first the
//! expiry, then `TransactionLost` until the guard ends) and none of it
//! commits. A connection that keeps its idle stream (`keep_idle_stream`)
//! carries on on a new one too. Both backends wait out the same 12 s side
//! by side.

use super::*;

#[test]
fn idle_streams_expire_on_sqld_and_lost_transactions_stay_lost() {
    // One sqld per backend: an open transaction holds its database's write
    // lock for the whole wait.
    let Some(first) = sqld(&[]) else { return };
    let second = sqld(&[]).expect("SQLPORT_SQLD is set");
    std::thread::scope(|scope| {
        let blocking = scope.spawn(|| blocking_case(first.url()));
        let nonblocking = scope.spawn(|| runtime().block_on(async_case(second.url())));
        blocking.join().expect("blocking backend");
        nonblocking.join().expect("async backend");
    });
}

fn blocking_case(url: &str) {
    let db = sqlport::blocking::Database::open_with(url, options()).unwrap();
    let mut idle = db.connect().unwrap();
    let mut txc = db.connect().unwrap();
    let mut other = db.connect().unwrap();
    idle.execute("CREATE TABLE b_parent (id INTEGER PRIMARY KEY)", ())
        .unwrap();
    idle.execute(
        "CREATE TABLE b_child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES b_parent(id))",
        (),
    )
    .unwrap();
    idle.execute("PRAGMA foreign_keys = OFF", ()).unwrap();
    let kept_db =
        sqlport::blocking::Database::open_with(url, options().keep_idle_stream(true)).unwrap();
    let mut kept = kept_db.connect().unwrap();
    kept.execute("INSERT INTO b_child VALUES (7, NULL)", ())
        .unwrap();
    let mut tx = txc.transaction().unwrap();
    tx.execute("INSERT INTO b_parent VALUES (1)", ()).unwrap();

    outwait_sqld_expiry();

    // Outside a transaction: a new stream, the PRAGMA re-applied.
    idle.execute("INSERT INTO b_child VALUES (1, 999)", ())
        .expect("foreign_keys = OFF was re-applied on the new stream");
    let n = kept
        .query("SELECT count(*) FROM b_child", ())
        .expect("the kept stream expired while idle: replaced");
    assert_eq!(int(&n), 2);
    // Inside: lost, and it stays lost.
    assert_eq!(
        kind(tx.execute("INSERT INTO b_parent VALUES (2)", ())),
        ErrorKind::StreamExpired
    );
    assert_eq!(
        kind(tx.execute("INSERT INTO b_parent VALUES (3)", ())),
        ErrorKind::TransactionLost
    );
    assert_eq!(kind(tx.commit()), ErrorKind::TransactionLost);
    let n = other.query("SELECT count(*) FROM b_parent", ()).unwrap();
    assert_eq!(int(&n), 0, "half of a lost transaction committed");
    // The connection is usable again once the guard has ended.
    txc.execute("INSERT INTO b_parent VALUES (4)", ()).unwrap();
    assert_eq!(
        int(&other.query("SELECT count(*) FROM b_parent", ()).unwrap()),
        1
    );
}

async fn async_case(url: &str) {
    let db = sqlport::Database::open_with(url, options()).unwrap();
    let mut idle = db.connect().await.unwrap();
    let mut txc = db.connect().await.unwrap();
    let mut other = db.connect().await.unwrap();
    idle.execute("CREATE TABLE a_parent (id INTEGER PRIMARY KEY)", ())
        .await
        .unwrap();
    idle.execute(
        "CREATE TABLE a_child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES a_parent(id))",
        (),
    )
    .await
    .unwrap();
    idle.execute("PRAGMA foreign_keys = OFF", ()).await.unwrap();
    let kept_db = sqlport::Database::open_with(url, options().keep_idle_stream(true)).unwrap();
    let mut kept = kept_db.connect().await.unwrap();
    kept.execute("INSERT INTO a_child VALUES (7, NULL)", ())
        .await
        .unwrap();
    let mut tx = txc.transaction().await.unwrap();
    tx.execute("INSERT INTO a_parent VALUES (1)", ())
        .await
        .unwrap();

    tokio::task::block_in_place(outwait_sqld_expiry);

    idle.execute("INSERT INTO a_child VALUES (1, 999)", ())
        .await
        .expect("foreign_keys = OFF was re-applied on the new stream");
    let n = kept
        .query("SELECT count(*) FROM a_child", ())
        .await
        .expect("the kept stream expired while idle: replaced");
    assert_eq!(int(&n), 2);
    assert_eq!(
        kind(tx.execute("INSERT INTO a_parent VALUES (2)", ()).await),
        ErrorKind::StreamExpired
    );
    assert_eq!(
        kind(tx.execute("INSERT INTO a_parent VALUES (3)", ()).await),
        ErrorKind::TransactionLost
    );
    assert_eq!(kind(tx.commit().await), ErrorKind::TransactionLost);
    let n = other
        .query("SELECT count(*) FROM a_parent", ())
        .await
        .unwrap();
    assert_eq!(int(&n), 0, "half of a lost transaction committed");
    txc.execute("INSERT INTO a_parent VALUES (4)", ())
        .await
        .unwrap();
    let n = other
        .query("SELECT count(*) FROM a_parent", ())
        .await
        .unwrap();
    assert_eq!(int(&n), 1);
}
