//! Trust under faults and hostile input, seen from the client (issue 9): the
//! fault matrix (a fault-injecting proxy between each HTTP backend and the
//! reference server), lost transactions through the facade's guards,
//! cancellation of async futures at every await point, and load.
//!
//! Full-size load runs are `#[ignore]`d (run them with
//! `cargo test -p sqlport-conformance --test trust --release -- --ignored --nocapture`).

use std::time::{Duration, Instant};

use sqlport::{ErrorKind, HranaVersion, OpenOptions};
use sqlport_conformance::server::{ServerConfig, TestServer};

mod cancellation;
mod faults;
mod load;
mod lost_transaction;
mod proxy;
mod real_sqld;

/// Hang guard: how long a wait may take before the test fails (never a pace).
const GUARD: Duration = Duration::from_secs(30);

/// A reference server on a temporary WAL file (`:memory:` is one), 127.0.0.1:0.
fn server() -> TestServer {
    TestServer::start(ServerConfig::default()).unwrap()
}

/// Options for a client of the reference server: Hrana 3, no probe, and
/// the given request and per-read idle timeouts.
fn remote_options(timeout: Duration) -> OpenOptions {
    OpenOptions::new()
        .protocol(HranaVersion::V3)
        .connect_timeout(Duration::from_secs(2))
        .timeout(timeout)
        .read_timeout(timeout)
}

/// Expire every stream the server holds, waiting (bounded) for busy ones to
/// go idle first: what the server's idle expiry does to streams a client
/// lost (their transactions roll back and their locks go).
fn quiesce(server: &TestServer) {
    let deadline = Instant::now() + GUARD;
    loop {
        server.expire_idle_streams();
        if server.open_streams() == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "a stream stayed busy");
        std::thread::sleep(Duration::from_millis(2));
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

/// The error kinds a network fault may surface as (each typed; none a panic).
fn is_fault_kind(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::Io
            | ErrorKind::Transport
            | ErrorKind::Timeout
            | ErrorKind::Http
            | ErrorKind::Protocol
            | ErrorKind::StreamExpired
    )
}
