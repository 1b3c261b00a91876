//! The facade's API (issue 15) on every transport: local blocking, local
//! async, HTTP blocking and HTTP async against the reference server (and the
//! real sqld for the constraint helpers when `SQLPORT_SQLD` is set): query
//! helper contracts, constraint helpers, `execute_batch` (one HTTP request),
//! prepared statements, the connection pool.

use std::time::Duration;

use sqlport::{HranaVersion, OpenOptions};
use sqlport_conformance::server::{ServerConfig, TestServer};

mod batch_script;
mod constraints;
mod executor;
mod helpers;
mod pool;
mod streams;

/// Hang guard: the longest a wait may take before the test fails (never a pace).
const GUARD: Duration = Duration::from_secs(30);

/// Which transport a database handle uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Local,
    Http,
}

/// A database on one transport, with the server behind it (if remote).
struct Target {
    kind: Kind,
    name: String,
    server: Option<TestServer>,
    _dir: Option<tempfile::TempDir>,
}

impl Target {
    /// A local file database in a fresh directory.
    fn local() -> Target {
        let dir = tempfile::tempdir().unwrap();
        let name = dir.path().join("t.db").to_string_lossy().into_owned();
        Target {
            kind: Kind::Local,
            name,
            server: None,
            _dir: Some(dir),
        }
    }

    /// A fresh reference server on 127.0.0.1:0.
    fn http() -> Target {
        let server = TestServer::start(ServerConfig::default()).unwrap();
        Target {
            kind: Kind::Http,
            name: server.url(),
            server: Some(server),
            _dir: None,
        }
    }

    /// Both transports.
    fn all() -> [Target; 2] {
        [Target::local(), Target::http()]
    }

    fn options(&self) -> OpenOptions {
        OpenOptions::new()
            .protocol(HranaVersion::V3)
            .connect_timeout(Duration::from_secs(5))
            .timeout(GUARD)
    }

    fn blocking(&self) -> sqlport::blocking::Database {
        sqlport::blocking::Database::open_with(&self.name, self.options()).unwrap()
    }

    fn nonblocking(&self) -> sqlport::Database {
        sqlport::Database::open_with(&self.name, self.options()).unwrap()
    }

    /// HTTP requests the server has answered so far (0 for a local database).
    fn requests(&self) -> u64 {
        self.server.as_ref().map_or(0, TestServer::request_count)
    }
}

/// A multi-threaded runtime for the async flavour.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
