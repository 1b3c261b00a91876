//! Loading a real SQLite extension (feature `load-extension`): through
//! `with_rusqlite` with rusqlite's `LoadExtensionGuard`, in both flavours,
//! then called through sqlport's ordinary statements; a missing file is
//! rusqlite's error; the SQL function `load_extension()` stays refused; a
//! remote connection has no rusqlite connection to load into.

use std::path::Path;
use std::time::Duration;

use sqlport::local::rusqlite;
use sqlport::{ErrorKind, HranaVersion, OpenOptions, codes};
use sqlport_extension_test::EXTENSION;

/// Load the extension at `path` into `raw`, with loading enabled only for
/// the call (rusqlite's guard disables it again when dropped).
#[allow(unsafe_code)]
fn load(raw: &rusqlite::Connection, path: &Path) -> rusqlite::Result<()> {
    // SAFETY: `path` is either the extension build.rs compiled from ext.c
    // (which only registers one SQL function returning 42) or a file that
    // does not exist; no untrusted library is ever loaded. Loading is enabled
    // only while the guard lives, so SQL cannot call load_extension() later.
    unsafe {
        let _guard = rusqlite::LoadExtensionGuard::new(raw)?;
        raw.load_extension(path, None::<&str>)
    }
}

#[test]
fn blocking_loads_the_extension_and_sql_calls_it() {
    let mut conn = sqlport::blocking::Database::open(":memory:")
        .unwrap()
        .connect()
        .unwrap();
    // Before loading: no such function.
    let before = conn.query_scalar::<i64>("SELECT sqlport_ext_answer()", ());
    assert_eq!(before.unwrap_err().sqlite_code(), Some(codes::SQLITE_ERROR));
    conn.with_rusqlite(|raw| load(raw, Path::new(EXTENSION)))
        .unwrap()
        .unwrap();
    let answer: i64 = conn
        .query_scalar("SELECT sqlport_ext_answer()", ())
        .unwrap();
    assert_eq!(answer, 42);
    // Inside a transaction too (the same connection).
    let mut tx = conn.transaction().unwrap();
    assert_eq!(
        tx.query_scalar::<i64>("SELECT sqlport_ext_answer() + 1", ())
            .unwrap(),
        43
    );
    tx.commit().unwrap();
}

#[test]
fn async_loads_the_extension_on_the_worker() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut conn = sqlport::Database::open(":memory:")
            .unwrap()
            .connect()
            .await
            .unwrap();
        conn.with_rusqlite(|raw| load(raw, Path::new(EXTENSION)))
            .await
            .unwrap()
            .unwrap();
        let answer: i64 = conn
            .query_scalar("SELECT sqlport_ext_answer()", ())
            .await
            .unwrap();
        assert_eq!(answer, 42);
    });
}

#[test]
fn a_missing_library_is_an_error_and_sql_cannot_load() {
    let dir = std::env::temp_dir().join("sqlport-extension-test-no-such-dir");
    let missing = dir.join("no_such_extension.so");
    let mut conn = sqlport::blocking::Database::open(":memory:")
        .unwrap()
        .connect()
        .unwrap();
    let err = conn
        .with_rusqlite(|raw| load(raw, &missing))
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(err, rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::Unknown),
        "{err:?}"
    );
    // The SQL function is refused (SQLite disables it unless enabled), before
    // and after a guarded load: the real library, not only a missing one.
    let sql = "SELECT load_extension(?)";
    let refused = conn.execute(sql, [EXTENSION]).unwrap_err();
    assert_eq!(
        refused.sqlite_code(),
        Some(codes::SQLITE_ERROR),
        "{refused:?}"
    );
    conn.with_rusqlite(|raw| load(raw, Path::new(EXTENSION)))
        .unwrap()
        .unwrap();
    let refused = conn.execute(sql, [EXTENSION]).unwrap_err();
    assert_eq!(
        refused.sqlite_code(),
        Some(codes::SQLITE_ERROR),
        "{refused:?}"
    );
    // The connection is still usable.
    assert_eq!(
        conn.query_scalar::<i64>("SELECT sqlport_ext_answer()", ())
            .unwrap(),
        42
    );
}

#[test]
fn a_remote_connection_has_no_rusqlite_connection() {
    // Nothing listens there; with the protocol version given, connecting
    // sends no request, and `with_rusqlite` refuses before any I/O.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let name = format!("http://{}", listener.local_addr().unwrap());
    let options = || {
        OpenOptions::new()
            .protocol(HranaVersion::V3)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(5))
    };
    let mut conn = sqlport::blocking::Database::open_with(&name, options())
        .unwrap()
        .connect()
        .unwrap();
    let err = conn
        .with_rusqlite(|raw| load(raw, Path::new(EXTENSION)))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt.block_on(async {
        let mut conn = sqlport::Database::open_with(&name, options())
            .unwrap()
            .connect()
            .await
            .unwrap();
        conn.with_rusqlite(|raw| load(raw, Path::new(EXTENSION)))
            .await
            .unwrap_err()
    });
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}
