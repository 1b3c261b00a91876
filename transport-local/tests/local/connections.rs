//! Shared `:memory:`, per-connection PRAGMAs, open modes, capabilities.

use super::*;

#[test]
fn memory_is_shared_between_connections_of_one_connector() {
    let db = LocalConnector::open(
        &LocalTarget::Memory,
        LocalConfig::default().busy_timeout(Duration::ZERO),
    )
    .unwrap();
    let mut a = db.connect_local().unwrap();
    let mut b = db.connect_local().unwrap();
    exec(&mut a, "CREATE TABLE t (x)");
    exec(&mut a, "INSERT INTO t VALUES (1)");
    assert_eq!(one(&mut b, "SELECT count(*) FROM t"), Value::Integer(1));
    // An open write transaction on one makes the other's write BUSY.
    exec(&mut a, "BEGIN IMMEDIATE");
    exec(&mut a, "INSERT INTO t VALUES (2)");
    let err = b
        .execute(&Statement::new("INSERT INTO t VALUES (3)"))
        .unwrap_err();
    assert!(err.is_busy(), "{err:?}");
    exec(&mut a, "COMMIT");
    exec(&mut b, "INSERT INTO t VALUES (3)");
    assert_eq!(one(&mut a, "SELECT count(*) FROM t"), Value::Integer(3));
    // Another connector is another database.
    let (_other, mut c) = mem();
    assert!(c.execute(&Statement::new("SELECT * FROM t")).is_err());
    // The database lives as long as the connector, even with no connection open.
    drop(a);
    drop(b);
    let mut d = db.clone().connect_local().unwrap();
    assert_eq!(one(&mut d, "SELECT count(*) FROM t"), Value::Integer(3));
}

#[test]
fn foreign_keys_pragma_is_per_connection() {
    let (db, mut a) = mem();
    assert_eq!(one(&mut a, "PRAGMA foreign_keys"), Value::Integer(1));
    exec(&mut a, "PRAGMA foreign_keys = OFF");
    assert_eq!(one(&mut a, "PRAGMA foreign_keys"), Value::Integer(0));
    exec(&mut a, "CREATE TABLE p (id INTEGER PRIMARY KEY)");
    exec(&mut a, "CREATE TABLE c (p REFERENCES p(id))");
    exec(&mut a, "INSERT INTO c VALUES (7)");
    let mut b = db.connect_local().unwrap();
    assert_eq!(one(&mut b, "PRAGMA foreign_keys"), Value::Integer(1));
    assert!(
        b.execute(&Statement::new("INSERT INTO c VALUES (8)"))
            .unwrap_err()
            .is_constraint()
    );
    assert_eq!(one(&mut a, "PRAGMA foreign_keys"), Value::Integer(0));
}

#[test]
fn open_modes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.db");
    let no_create = LocalConfig::default().create(false);
    let err = LocalConnector::open_path(&path, no_create).unwrap_err();
    assert_eq!(err.sqlite_code(), Some(codes::SQLITE_CANTOPEN));
    let db = LocalConnector::open_path(&path, LocalConfig::default()).unwrap();
    exec(&mut db.connect_local().unwrap(), "CREATE TABLE t (x)");
    let ro = LocalConnector::open_path(&path, LocalConfig::default().read_only(true)).unwrap();
    let mut r = ro.connect_local().unwrap();
    assert_eq!(one(&mut r, "SELECT count(*) FROM t"), Value::Integer(0));
    let err = r
        .execute(&Statement::new("INSERT INTO t VALUES (1)"))
        .unwrap_err();
    assert_eq!(err.sqlite_code(), Some(codes::SQLITE_READONLY));
    let uri = format!("file:{}?mode=ro", path.display());
    let u = LocalConnector::open(&LocalTarget::Uri(uri), LocalConfig::default()).unwrap();
    let err = u
        .connect_local()
        .unwrap()
        .execute(&Statement::new("INSERT INTO t VALUES (1)"))
        .unwrap_err();
    assert_eq!(err.sqlite_code(), Some(codes::SQLITE_READONLY));
    assert!(format!("{db:?}").contains("missing.db"));
    // No statement cache at all still works.
    let uncached =
        LocalConnector::open_path(&path, LocalConfig::default().statement_cache_capacity(0))
            .unwrap();
    let mut c = uncached.connect_local().unwrap();
    for _ in 0..3 {
        assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(0));
    }
}

#[test]
fn capabilities_follow_the_target() {
    use sqlport_core::{Capabilities, Capability};
    let cfg = LocalConfig::default;
    for (uri, shared) in [
        ("file::memory:", false),
        ("file::memory:?cache=shared", true),
        ("file:x?mode=memory", false),
        ("file:sqlport-caps-test?mode=memory&cache=shared", true),
    ] {
        let db = LocalConnector::open(&LocalTarget::Uri(uri.into()), cfg()).unwrap();
        let caps = db.connect_local().unwrap().capabilities();
        assert_eq!(caps.has(Capability::SharedDatabase), shared, "{uri}");
        assert_eq!(caps, db.capabilities());
    }
    assert_eq!(
        LocalConnector::open_memory().unwrap().capabilities(),
        Capabilities::all()
    );
}

#[test]
fn connector_trait_gives_boxed_transport() {
    let db = LocalConnector::open_memory().unwrap();
    let mut t = sqlport_core::Connector::connect(&db).unwrap();
    assert_eq!(t.capabilities(), sqlport_core::Capabilities::all());
    let rs = t
        .execute(&Statement::with_params("SELECT ?", params![1]).unwrap())
        .unwrap();
    assert_eq!(rs.rows[0].values()[0], Value::Integer(1));
}

#[test]
fn memory_ignores_file_options() {
    let cfg = LocalConfig::default().create(false).wal(true);
    let db = LocalConnector::open(&LocalTarget::Memory, cfg).unwrap();
    let mut c = db.connect_local().unwrap();
    exec(&mut c, "CREATE TABLE t (x)");
    assert_ne!(
        one(&mut c, "PRAGMA journal_mode"),
        Value::Text("wal".into())
    );
    let ro = LocalConfig::default().read_only(true);
    let db = LocalConnector::open(&LocalTarget::Memory, ro).unwrap();
    let mut c = db.connect_local().unwrap();
    let err = c
        .execute(&Statement::new("CREATE TABLE t (x)"))
        .unwrap_err();
    assert_eq!(err.sqlite_code(), Some(codes::SQLITE_READONLY));
}

/// SQLite takes the busy timeout as `i32` milliseconds: a longer one is a
/// conversion error when the database is opened, never a panic nor a shorter wait.
#[test]
fn busy_timeout_beyond_sqlite_range_is_an_error() {
    let max = Duration::from_millis(i32::MAX as u64);
    for (timeout, ok) in [
        (max, true),
        (max + Duration::from_millis(1), false),
        (Duration::MAX, false),
    ] {
        let cfg = LocalConfig::default().busy_timeout(timeout);
        for target in [
            LocalTarget::Memory,
            LocalTarget::Uri("file::memory:".into()),
        ] {
            match LocalConnector::open(&target, cfg.clone()) {
                Ok(db) => {
                    assert!(ok, "{timeout:?}");
                    exec(&mut db.connect_local().unwrap(), "SELECT 1");
                }
                Err(e) => {
                    assert!(!ok, "{timeout:?}: {e}");
                    assert_eq!(e.kind(), ErrorKind::Conversion, "{timeout:?}");
                }
            }
        }
    }
}
