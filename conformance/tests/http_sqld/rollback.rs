//! A transaction sqld's SQLite rolled back by itself (`INSERT OR ROLLBACK`
//! on a conflict) is lost, on Hrana 3 (`get_autocommit`) and on Hrana 2 (the
//! client's probe batch in the same request), on both flavours: the next
//! statement and the commit fail with `TransactionLost`, nothing after the
//! rollback autocommits, and the connection is usable once the guard ends.

use sqlport::HranaVersion;

use super::*;

const VERSIONS: [HranaVersion; 2] = [HranaVersion::V2, HranaVersion::V3];

#[test]
fn a_transaction_sqld_rolled_back_is_lost_on_v2_and_v3() {
    let Some(s) = sqld(&[]) else { return };
    let mut case = 0;
    for flavour in FLAVOURS {
        for version in VERSIONS {
            case += 1;
            let table = format!("r{case}");
            let what = format!("{flavour:?} {version:?}");
            let options = options().protocol(version);
            match flavour {
                Flavour::Blocking => blocking_case(s.url(), options, &table, &what),
                Flavour::Async => runtime().block_on(async_case(s.url(), options, &table, &what)),
            }
        }
    }
}

fn blocking_case(url: &str, options: OpenOptions, t: &str, what: &str) {
    let db = sqlport::blocking::Database::open_with(url, options).unwrap();
    let mut conn = db.connect().unwrap();
    let mut other = db.connect().unwrap();
    conn.execute(&format!("CREATE TABLE {t} (x INTEGER PRIMARY KEY)"), ())
        .unwrap();
    conn.execute(&format!("INSERT INTO {t} VALUES (1)"), ())
        .unwrap();
    let mut tx = conn.transaction().unwrap();
    tx.execute(&format!("INSERT INTO {t} VALUES (2)"), ())
        .unwrap();
    let err = tx
        .execute(&format!("INSERT OR ROLLBACK INTO {t} VALUES (1)"), ())
        .unwrap_err();
    assert!(err.is_constraint(), "{what}: {err:?}");
    let err = tx.execute(&format!("INSERT INTO {t} VALUES (3)"), ());
    assert_eq!(kind(err), ErrorKind::TransactionLost, "{what}");
    assert_eq!(kind(tx.commit()), ErrorKind::TransactionLost, "{what}");
    let n: i64 = other
        .query_scalar(&format!("SELECT count(*) FROM {t}"), ())
        .unwrap();
    assert_eq!(n, 1, "{what}: a statement after the rollback autocommitted");
    assert!(conn.is_autocommit(), "{what}");
    conn.execute(&format!("INSERT INTO {t} VALUES (4)"), ())
        .unwrap();
}

async fn async_case(url: &str, options: OpenOptions, t: &str, what: &str) {
    let db = sqlport::Database::open_with(url, options).unwrap();
    let mut conn = db.connect().await.unwrap();
    let mut other = db.connect().await.unwrap();
    conn.execute(&format!("CREATE TABLE {t} (x INTEGER PRIMARY KEY)"), ())
        .await
        .unwrap();
    conn.execute(&format!("INSERT INTO {t} VALUES (1)"), ())
        .await
        .unwrap();
    let mut tx = conn.transaction().await.unwrap();
    tx.execute(&format!("INSERT INTO {t} VALUES (2)"), ())
        .await
        .unwrap();
    let err = tx
        .execute(&format!("INSERT OR ROLLBACK INTO {t} VALUES (1)"), ())
        .await
        .unwrap_err();
    assert!(err.is_constraint(), "{what}: {err:?}");
    let err = tx.execute(&format!("INSERT INTO {t} VALUES (3)"), ()).await;
    assert_eq!(kind(err), ErrorKind::TransactionLost, "{what}");
    assert_eq!(
        kind(tx.commit().await),
        ErrorKind::TransactionLost,
        "{what}"
    );
    let n: i64 = other
        .query_scalar(&format!("SELECT count(*) FROM {t}"), ())
        .await
        .unwrap();
    assert_eq!(n, 1, "{what}: a statement after the rollback autocommitted");
    assert!(conn.is_autocommit(), "{what}");
    conn.execute(&format!("INSERT INTO {t} VALUES (4)"), ())
        .await
        .unwrap();
}
