//! Version negotiation: fallback to v2 and v1, forced versions, probes
//! that fail.

use super::*;

pub(crate) fn fallback_to_v2(b: Backend) {
    let s = server(ServerConfig {
        enable_v3: false,
        ..ServerConfig::default()
    });
    let db = Db::open(b, &s.url(), HttpConfig::default()).unwrap();
    let mut c = db.connect().unwrap();
    assert_eq!(c.version(), Version::V2);
    assert!(c.caps().has(Capability::InteractiveTransactions));
    assert!(!c.caps().has(Capability::Streaming));
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    let (_, n) = count(&s, || {
        c.exec("BEGIN").unwrap();
        c.exec("INSERT INTO t VALUES (1)").unwrap();
        c.exec("INSERT INTO t VALUES (2)").unwrap();
        assert!(!c.autocommit());
        c.exec("COMMIT").unwrap();
    });
    assert_eq!(n, 3);
    assert!(c.autocommit());
    let e = c
        .batch(&Batch::atomic([
            Statement::new("INSERT INTO t VALUES (3)"),
            Statement::new("INSERT INTO nope VALUES (4)"),
        ]))
        .unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    let mut sink = Counter::default();
    c.stream(&Statement::new("SELECT x FROM t"), &mut sink)
        .unwrap();
    assert_eq!((sink.rows, sink.sum), (2, 3));
    // The version is negotiated once per connector.
    let (_, n) = count(&s, || db.connect().unwrap());
    assert_eq!(n, 0);
}

pub(crate) fn fallback_to_v1(b: Backend) {
    let s = server(ServerConfig {
        enable_v3: false,
        enable_v2: false,
        ..ServerConfig::default()
    });
    let db = Db::open(b, &s.url(), HttpConfig::default()).unwrap();
    let mut c = db.connect().unwrap();
    assert_eq!(c.version(), Version::V1);
    let caps = c.caps();
    for cap in [
        Capability::InteractiveTransactions,
        Capability::Savepoints,
        Capability::ConnectionState,
        Capability::Streaming,
    ] {
        assert!(!caps.has(cap), "{cap}");
    }
    c.exec("CREATE TABLE t (x INTEGER UNIQUE)").unwrap();
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);
    let e = c
        .batch(&Batch::atomic([
            Statement::new("INSERT INTO t VALUES (1)"),
            Statement::new("INSERT INTO t VALUES (1)"),
        ]))
        .unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    assert!(e.is_constraint());
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);
    let e = c.exec("SELEC 1").unwrap_err();
    assert_eq!(e.sqlite_code(), Some(codes::SQLITE_ERROR));
    let e = c.exec("INSERT INTO nope VALUES (1)").unwrap_err();
    assert_eq!(e.sqlite_code(), Some(codes::SQLITE_ERROR));
}

pub(crate) fn forced_version_does_not_probe(b: Backend) {
    let s = server(ServerConfig::default());
    let (db, n) = count(&s, || {
        let db = Db::open(
            b,
            &s.url(),
            HttpConfig::default().version(Some(Version::V2)),
        )
        .unwrap();
        let c = db.connect().unwrap();
        assert_eq!(c.version(), Version::V2);
        db
    });
    assert_eq!(n, 0);
    let mut c = db.connect().unwrap();
    assert_eq!(c.int("SELECT 41 + 1"), 42);
}

pub(crate) fn probe_failures_are_not_cached(b: Backend) {
    let url = canned(vec![
        http("503 Service Unavailable", "text/plain", b"busy"),
        http(
            "401 Unauthorized",
            "application/json",
            br#"{"error":"Unauthorized"}"#,
        ),
        http("404 Not Found", "text/plain", b""),
        http(
            "200 OK",
            "text/plain",
            b"Hello, this is HTTP API v2 (Hrana over HTTP)",
        ),
    ]);
    let db = Db::open(b, &url, HttpConfig::default()).unwrap();
    let e = db.connect().err().expect("503 on the probe");
    assert_eq!(e.kind(), ErrorKind::Http);
    let e = db.connect().err().expect("401 on the probe");
    assert_eq!(e.kind(), ErrorKind::Auth);
    // 404 on /v3, 200 on /v2: v2, and now cached.
    let c = db.connect().unwrap();
    assert_eq!(c.version(), Version::V2);
    assert_eq!(db.connect().unwrap().version(), Version::V2);
}
