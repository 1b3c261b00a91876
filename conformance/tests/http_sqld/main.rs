//! The HTTP transport's end-to-end behaviour against a real sqld (issue 10,
//! part 1): what `http_transport` checks against the reference server,
//! checked again where the server is the one Turso runs. Streams and batons
//! (an interactive transaction, a savepoint and a PRAGMA holding across
//! requests), sqld's own idle expiry (about 10 s), the cursor over many rows,
//! and auth with `--auth-jwt-key-file`, each on both HTTP backends through the
//! public API.
//!
//! sqld is found through `SQLPORT_SQLD` (the path of its binary); without it
//! every test prints a skip line and checks nothing.

use std::path::Path;
use std::time::{Duration, Instant};

use sqlport::{ErrorKind, OpenOptions};
use sqlport_conformance::suite::sqld::{SQLD_ENV, Sqld};

mod auth;
mod cursor;
mod expiry;
mod rollback;
mod row_streams;
mod streams;

/// Hang guard for requests (never a pace).
const GUARD: Duration = Duration::from_secs(30);

/// Which facade flavour a check runs through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    Blocking,
    Async,
}

const FLAVOURS: [Flavour; 2] = [Flavour::Blocking, Flavour::Async];

/// A sqld started with `extra` arguments, or `None` (after a skip line) when
/// `SQLPORT_SQLD` is not set.
fn sqld(extra: &[&str]) -> Option<Sqld> {
    let Some(bin) = std::env::var_os(SQLD_ENV) else {
        println!("skipped: {SQLD_ENV} is not set (the path of a sqld binary)");
        return None;
    };
    Some(Sqld::start(Path::new(&bin), extra).expect("sqld starts"))
}

/// Options for a client of sqld: the version probe as a user gets it, and
/// the hang guard as request timeout.
fn options() -> OpenOptions {
    OpenOptions::new()
        .protocol(None)
        .connect_timeout(Duration::from_secs(5))
        .timeout(GUARD)
        .read_timeout(GUARD)
}

/// A multi-threaded runtime for the async flavour.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// One `i64` from the first column of the first row.
fn int(rs: &sqlport::ResultSet) -> i64 {
    rs.rows[0].get::<i64>(0).unwrap()
}

/// Wait out sqld's stream idle expiry (10 s on sqld 0.24, a server timer
/// the test cannot shorten), plus a margin; asserts nothing about pace.
fn outwait_sqld_expiry() {
    let until = Instant::now() + Duration::from_secs(12);
    while Instant::now() < until {
        std::thread::sleep(until.saturating_duration_since(Instant::now()));
    }
}

/// An error's kind, as the tests compare it (never its text).
fn kind<T: std::fmt::Debug>(r: sqlport::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}
