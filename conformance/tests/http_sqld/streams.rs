//! Streams and batons on sqld: a transaction, a savepoint and a
//! connection-scoped PRAGMA hold across requests, isolated from a second
//! connection until commit.

use super::*;

const SCHEMA: [&str; 2] = [
    "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
    "CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES parent(id))",
];

#[test]
fn transaction_savepoint_and_pragma_hold_across_requests() {
    let Some(s) = sqld(&[]) else { return };
    for (i, flavour) in FLAVOURS.into_iter().enumerate() {
        let prefix = format!("f{i}_");
        match flavour {
            Flavour::Blocking => blocking_case(s.url(), &prefix),
            Flavour::Async => runtime().block_on(async_case(s.url(), &prefix)),
        }
    }
}

fn schema(prefix: &str) -> Vec<String> {
    SCHEMA
        .iter()
        .map(|sql| {
            sql.replace("parent", &format!("{prefix}parent"))
                .replace("child", &format!("{prefix}child"))
        })
        .collect()
}

fn blocking_case(url: &str, p: &str) {
    let db = sqlport::blocking::Database::open_with(url, options()).unwrap();
    let mut a = db.connect().unwrap();
    let mut b = db.connect().unwrap();
    for sql in schema(p) {
        a.execute(&sql, ()).unwrap();
    }
    let count = format!("SELECT count(*) FROM {p}parent");
    let insert = format!("INSERT INTO {p}parent (id) VALUES (?)");

    // sqld enforces foreign keys by default; A turns them off for itself and
    // the setting holds on A's stream across requests, not on B's.
    a.execute("PRAGMA foreign_keys = OFF", ()).unwrap();
    let orphan = format!("INSERT INTO {p}child (id, pid) VALUES (?, 999)");
    a.execute(&orphan, [1]).unwrap();
    let err = b.execute(&orphan, [2]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Sqlite, "{err:?}");
    assert_eq!(
        err.sqlite_code(),
        Some(sqlport::codes::SQLITE_CONSTRAINT),
        "{err:?}"
    );

    let mut tx = a.transaction().unwrap();
    tx.execute(&insert, [1]).unwrap();
    assert!(!tx.is_autocommit());
    assert_eq!(
        int(&b.query(&count, ()).unwrap()),
        0,
        "B sees no uncommitted row"
    );
    {
        let mut sp = tx.savepoint().unwrap();
        sp.execute(&insert, [2]).unwrap();
        assert_eq!(int(&sp.query(&count, ()).unwrap()), 2);
        sp.rollback().unwrap();
    }
    assert_eq!(
        int(&tx.query(&count, ()).unwrap()),
        1,
        "the savepoint was undone"
    );
    tx.commit().unwrap();
    assert!(a.is_autocommit());
    assert_eq!(int(&b.query(&count, ()).unwrap()), 1, "B sees the commit");

    // A dropped guard rolls back on the server.
    {
        let mut tx = a.transaction().unwrap();
        tx.execute(&insert, [3]).unwrap();
    }
    assert_eq!(int(&a.query(&count, ()).unwrap()), 1);
    assert_eq!(int(&b.query(&count, ()).unwrap()), 1);
}

async fn async_case(url: &str, p: &str) {
    let db = sqlport::Database::open_with(url, options()).unwrap();
    let mut a = db.connect().await.unwrap();
    let mut b = db.connect().await.unwrap();
    for sql in schema(p) {
        a.execute(&sql, ()).await.unwrap();
    }
    let count = format!("SELECT count(*) FROM {p}parent");
    let insert = format!("INSERT INTO {p}parent (id) VALUES (?)");

    a.execute("PRAGMA foreign_keys = OFF", ()).await.unwrap();
    let orphan = format!("INSERT INTO {p}child (id, pid) VALUES (?, 999)");
    a.execute(&orphan, [1]).await.unwrap();
    let err = b.execute(&orphan, [2]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Sqlite, "{err:?}");
    assert_eq!(
        err.sqlite_code(),
        Some(sqlport::codes::SQLITE_CONSTRAINT),
        "{err:?}"
    );

    let mut tx = a.transaction().await.unwrap();
    tx.execute(&insert, [1]).await.unwrap();
    assert!(!tx.is_autocommit());
    assert_eq!(int(&b.query(&count, ()).await.unwrap()), 0);
    {
        let mut sp = tx.savepoint().await.unwrap();
        sp.execute(&insert, [2]).await.unwrap();
        assert_eq!(int(&sp.query(&count, ()).await.unwrap()), 2);
        sp.rollback().await.unwrap();
    }
    assert_eq!(int(&tx.query(&count, ()).await.unwrap()), 1);
    tx.commit().await.unwrap();
    assert!(a.is_autocommit());
    assert_eq!(int(&b.query(&count, ()).await.unwrap()), 1);

    {
        let mut tx = a.transaction().await.unwrap();
        tx.execute(&insert, [3]).await.unwrap();
    }
    assert_eq!(int(&a.query(&count, ()).await.unwrap()), 1);
    assert_eq!(int(&b.query(&count, ()).await.unwrap()), 1);
}
