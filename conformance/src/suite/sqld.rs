//! [`Sqld`]: a real libSQL server (`sqld`) started for a test run.
//!
//! sqld is an external test dependency, like a database image a CI pulls:
//! tests find its binary through the environment variable [`SQLD_ENV`]
//! (`SQLPORT_SQLD`) and skip, saying so, when it is not set. Each [`Sqld`]
//! gets its own database directory and a free loopback port, is waited for
//! on `/health` with a bounded deadline, and is killed when dropped.
//!
//! ```no_run
//! use sqlport_conformance::suite::sqld::Sqld;
//! match Sqld::from_env() {
//!     None => println!("skipped: SQLPORT_SQLD is not set"),
//!     Some(sqld) => {
//!         let sqld = sqld.expect("sqld starts");
//!         println!("sqld at {}", sqld.url());
//!     }
//! }
//! ```

use std::fs::File;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The environment variable that names the sqld binary.
pub const SQLD_ENV: &str = "SQLPORT_SQLD";

/// How long sqld may take to answer `/health`.
const STARTUP_DEADLINE: Duration = Duration::from_secs(30);

/// How often `/health` is polled while waiting.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// Attempts when the port picked was taken in between.
const ATTEMPTS: usize = 3;

/// A running sqld, killed (and its database removed) when dropped.
#[derive(Debug)]
pub struct Sqld {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
}

impl Sqld {
    /// Start the sqld named by `SQLPORT_SQLD`; `None` when it is not set.
    pub fn from_env() -> Option<io::Result<Sqld>> {
        let path = std::env::var_os(SQLD_ENV)?;
        Some(Sqld::start(Path::new(&path), &[]))
    }

    /// Start `binary` with `--no-welcome`, a fresh `--db-path`, a free
    /// loopback `--http-listen-addr`, and `extra` arguments; return once
    /// `/health` answers 200.
    pub fn start(binary: &Path, extra: &[&str]) -> io::Result<Sqld> {
        let mut last = None;
        for _ in 0..ATTEMPTS {
            match Sqld::start_once(binary, extra) {
                Ok(sqld) => return Ok(sqld),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("sqld did not start")))
    }

    fn start_once(binary: &Path, extra: &[&str]) -> io::Result<Sqld> {
        let dir = tempfile::tempdir()?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log = File::create(dir.path().join("sqld.log"))?;
        let child = Command::new(binary)
            .arg("--no-welcome")
            .arg("--db-path")
            .arg(dir.path().join("data.sqld"))
            .arg("--http-listen-addr")
            .arg(format!("127.0.0.1:{port}"))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let mut sqld = Sqld {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
        };
        sqld.wait_healthy()?;
        Ok(sqld)
    }

    /// Poll `/health` until it answers 200, sqld exits, or the deadline passes.
    fn wait_healthy(&mut self) -> io::Result<()> {
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(2)))
                .http_status_as_error(false)
                .build(),
        );
        let health = format!("{}/health", self.url);
        let deadline = Instant::now() + STARTUP_DEADLINE;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!(
                    "sqld exited ({status}) before answering: {}",
                    self.log_tail()
                )));
            }
            if let Ok(resp) = agent.get(&health).call() {
                if resp.status().as_u16() == 200 {
                    return Ok(());
                }
            }
            std::thread::sleep(POLL_EVERY);
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "sqld did not answer /health within {STARTUP_DEADLINE:?}: {}",
                self.log_tail()
            ),
        ))
    }

    /// The last lines sqld printed.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(5)..].join(" | ")
    }

    /// Where sqld's output goes.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("sqld.log")
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Sqld {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
