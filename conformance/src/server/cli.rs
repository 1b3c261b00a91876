//! `sqlport-conformance serve`: run the reference server from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use sqlport_core::{AuthToken, LocalTarget};

use super::{BoundServer, ServerAuth, ServerConfig};

/// A duration in seconds (fractions allowed: `0.5`).
fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{text:?} is not a usable duration"))
}

/// Arguments of `serve`. Every limit is on by default; see the README section
/// "What the reference server enforces".
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Database: a file path or `:memory:`.
    #[arg(default_value = ":memory:")]
    pub database: String,
    /// Address to listen on (port 0 picks a free port). Only loopback unless
    /// you say otherwise here; a non-loopback address without --auth-* gets a
    /// loud warning, since anyone who can reach it can read and write.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Require `Authorization: Bearer <token>` with the token read from this
    /// environment variable.
    #[arg(long, value_name = "VAR")]
    pub auth_token_env: Option<String>,
    /// Verify Ed25519 JWTs with the public key in this file (PEM or base64url).
    /// Claims as on sqld: `a` = rw|ro|roa (absent: rw), `id` = `default`, or
    /// a `p` permissions claim; anything else is refused.
    #[arg(long, value_name = "FILE", conflicts_with = "auth_token_env")]
    pub auth_jwt_key_file: Option<PathBuf>,
    /// Refuse JWTs that have no `exp` claim.
    #[arg(long, requires = "auth_jwt_key_file")]
    pub auth_require_exp: bool,
    /// Seconds of idleness after which a stream expires.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = seconds)]
    pub idle_timeout: Duration,
    /// Seconds a statement may run before it is interrupted (SQLITE_INTERRUPT).
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = seconds)]
    pub statement_timeout: Duration,
    /// Seconds a transaction may hold the write lock while another stream
    /// waits to write; it is then rolled back (TRANSACTION_TIMEOUT).
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = seconds)]
    pub transaction_timeout: Duration,
    /// Seconds a response may wait for a client that stopped reading (a
    /// stalled cursor is stopped and its stream destroyed).
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = seconds)]
    pub stall_timeout: Duration,
    /// Seconds a client has to send a request's headers; also the longest an
    /// idle keep-alive connection stays open.
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = seconds)]
    pub header_read_timeout: Duration,
    /// Seconds a client has to send a request's body (then 408).
    #[arg(long, value_name = "SECS", default_value = "30", value_parser = seconds)]
    pub body_read_timeout: Duration,
    /// Seconds writing a response may make no progress (the client stopped
    /// reading); the connection is then closed and the response dropped.
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = seconds)]
    pub write_timeout: Duration,
    /// Seconds running requests get to finish on SIGTERM/Ctrl-C (statements
    /// still running half-way through are interrupted).
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = seconds)]
    pub shutdown_grace: Duration,
    /// Largest request body in bytes (more gives 413).
    #[arg(long, value_name = "BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Most streams open at once (a new one over it gives 429); /v1 requests
    /// count while they run.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_streams: usize,
    /// Most streams one client (bearer token, or IP address without auth)
    /// may hold at once (429 over it).
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub max_streams_per_client: usize,
    /// Requests running SQL at once, all endpoints together; more wait.
    #[arg(long, value_name = "N", default_value_t = 128)]
    pub max_concurrent_requests: usize,
    /// Seconds a request waits for one of those slots, or for a running
    /// cursor to give its stream's connection back (then 503).
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = seconds)]
    pub queue_timeout: Duration,
    /// Most TCP connections at once; more are closed at once.
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub max_connections: usize,
    /// Largest pipeline response in bytes (more gives `RESPONSE_TOO_LARGE`);
    /// also the longest cursor line.
    #[arg(long, value_name = "BYTES", default_value_t = 10 * 1000 * 1000)]
    pub max_response_bytes: usize,
    /// Bytes all responses may hold at once, server-wide (rows being
    /// encoded, replies not yet sent, queued cursor lines); a row past it
    /// gives `RESPONSE_TOO_LARGE`.
    #[arg(long, value_name = "BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_total_response_bytes: usize,
    /// Largest TEXT or BLOB value in bytes (SQLITE_LIMIT_LENGTH; more gives
    /// SQLITE_TOOBIG).
    #[arg(long, value_name = "BYTES", default_value_t = 7 * 1000 * 1000)]
    pub max_value_bytes: usize,
    /// Bytes of cursor output queued for a reader.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    pub cursor_queue_bytes: usize,
    /// Do not serve Hrana 3 (`/v3`, `/v3/pipeline`, `/v3/cursor`), to exercise
    /// a client's fallback to v2.
    #[arg(long)]
    pub no_v3: bool,
    /// Do not serve Hrana 2 (`/v2`, `/v2/pipeline`).
    #[arg(long)]
    pub no_v2: bool,
    /// Do not serve the v1 endpoints (`/v1`, `/v1/execute`, `/v1/batch`).
    #[arg(long)]
    pub no_v1: bool,
}

impl ServeArgs {
    /// The server configuration these arguments describe.
    pub fn to_config(&self) -> Result<ServerConfig, String> {
        let database = if self.database == ":memory:" {
            LocalTarget::Memory
        } else {
            LocalTarget::Path(PathBuf::from(&self.database))
        };
        let auth = if let Some(var) = &self.auth_token_env {
            let token =
                std::env::var(var).map_err(|_| format!("environment variable {var} is not set"))?;
            if token.is_empty() {
                return Err(format!("environment variable {var} is empty"));
            }
            Some(ServerAuth::Token(AuthToken::new(token)))
        } else if let Some(path) = &self.auth_jwt_key_file {
            let pem = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Some(ServerAuth::JwtEd25519 {
                public_key_pem: pem,
            })
        } else {
            None
        };
        let positive = |d: Duration| d.max(Duration::from_millis(1));
        Ok(ServerConfig {
            database,
            listen: self.listen,
            idle_timeout: self.idle_timeout.max(Duration::from_secs(1)),
            auth,
            jwt_require_exp: self.auth_require_exp,
            max_body_bytes: self.max_body_bytes,
            max_streams: self.max_streams.max(1),
            max_streams_per_client: self.max_streams_per_client.max(1),
            max_response_bytes: self.max_response_bytes,
            max_total_response_bytes: self.max_total_response_bytes.max(1),
            max_value_bytes: self.max_value_bytes.max(1),
            cursor_queue_bytes: self.cursor_queue_bytes.max(1),
            stall_timeout: positive(self.stall_timeout),
            statement_timeout: positive(self.statement_timeout),
            transaction_timeout: positive(self.transaction_timeout),
            max_concurrent_requests: self.max_concurrent_requests.max(1),
            queue_timeout: self.queue_timeout,
            max_connections: self.max_connections.max(1),
            header_read_timeout: positive(self.header_read_timeout),
            body_read_timeout: positive(self.body_read_timeout),
            write_timeout: positive(self.write_timeout),
            shutdown_grace: self.shutdown_grace,
            enable_v3: !self.no_v3,
            enable_v2: !self.no_v2,
            enable_v1: !self.no_v1,
        })
    }
}

/// The warning `serve` prints when `config` lets anyone who can reach the
/// address read and write: a non-loopback listen address without auth.
pub fn exposure_warning(config: &ServerConfig) -> Option<String> {
    if config.auth.is_some() || config.listen.ip().is_loopback() {
        return None;
    }
    Some(format!(
        "WARNING: listening on {} WITHOUT AUTHENTICATION: anyone who can reach this \
         address can read, change and delete the whole database. Use --auth-token-env \
         or --auth-jwt-key-file, or listen on 127.0.0.1.",
        config.listen
    ))
}

/// Resolves on Ctrl-C (SIGINT), or on SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Run the server until Ctrl-C (or SIGTERM); prints `listening on http://ADDR` first.
pub fn run(args: ServeArgs) -> ExitCode {
    // Logs go to stderr (`RUST_LOG=debug` for one line per request); stdout
    // carries only the address line.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let config = match args.to_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(warning) = exposure_warning(&config) {
        let rule = "!".repeat(78);
        eprintln!("{rule}\n{warning}\n{rule}");
        tracing::warn!("{warning}");
    }
    let grace = config.shutdown_grace;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let server = BoundServer::bind(config).await?;
        let addr = server.local_addr()?;
        println!("listening on http://{addr}");
        server.run(stop_signal()).await
    });
    // The server has stopped within its grace period; do not wait for
    // blocking work that has not noticed yet (dropping the runtime would).
    runtime.shutdown_timeout(grace.min(Duration::from_millis(500)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn config(args: &[&str]) -> Result<ServerConfig, String> {
        let cli = Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        cli.serve.to_config()
    }

    #[test]
    fn defaults_are_loopback_memory_and_sqld_limits() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database, LocalTarget::Memory);
        assert_eq!(c.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(c.idle_timeout, Duration::from_secs(10));
        assert!(c.auth.is_none());
        let d = ServerConfig::default();
        assert_eq!(c.statement_timeout, d.statement_timeout);
        assert_eq!(c.transaction_timeout, d.transaction_timeout);
        assert_eq!(c.stall_timeout, d.stall_timeout);
        assert_eq!(c.header_read_timeout, d.header_read_timeout);
        assert_eq!(c.body_read_timeout, d.body_read_timeout);
        assert_eq!(c.write_timeout, d.write_timeout);
        assert_eq!(c.shutdown_grace, d.shutdown_grace);
        assert_eq!(c.queue_timeout, d.queue_timeout);
        assert_eq!(c.max_streams_per_client, d.max_streams_per_client);
        assert_eq!(c.max_concurrent_requests, d.max_concurrent_requests);
        assert_eq!(c.max_connections, d.max_connections);
        assert_eq!(c.max_value_bytes, d.max_value_bytes);
        assert_eq!(c.max_response_bytes, d.max_response_bytes);
        assert_eq!(c.max_total_response_bytes, d.max_total_response_bytes);
        assert_eq!(c.cursor_queue_bytes, d.cursor_queue_bytes);
        assert_eq!(c.max_body_bytes, d.max_body_bytes);
        assert!(!c.jwt_require_exp);
        assert!(c.enable_v1 && c.enable_v2 && c.enable_v3);
        assert_eq!(c.max_streams, ServerConfig::default().max_streams);
    }

    #[test]
    fn flags_map_to_the_config() {
        let c = config(&[
            "db.sqlite",
            "--listen",
            "127.0.0.1:0",
            "--idle-timeout",
            "2",
            "--no-v3",
            "--max-streams",
            "3",
        ])
        .unwrap();
        assert_eq!(c.database, LocalTarget::Path(PathBuf::from("db.sqlite")));
        assert_eq!(c.listen.port(), 0);
        assert_eq!(c.idle_timeout, Duration::from_secs(2));
        assert!(!c.enable_v3 && c.enable_v2);
        assert_eq!(c.max_streams, 3);
        let c = config(&[
            "--statement-timeout",
            "0.2",
            "--transaction-timeout",
            "1.5",
            "--shutdown-grace",
            "1",
        ])
        .unwrap();
        assert_eq!(c.statement_timeout, Duration::from_millis(200));
        assert_eq!(c.transaction_timeout, Duration::from_millis(1500));
        assert_eq!(c.shutdown_grace, Duration::from_secs(1));
        assert!(config(&["--statement-timeout", "soon"]).is_err());
        assert!(config(&["--statement-timeout", "-1"]).is_err());
        assert!(config(&["--auth-require-exp"]).is_err(), "needs a JWT key");
        assert!(config(&["--listen", "nowhere"]).is_err());
        assert!(config(&["--auth-token-env", "SQLPORT_TEST_SURELY_UNSET_VARIABLE"]).is_err());
        assert!(config(&["--auth-jwt-key-file", "/nonexistent/key.pem"]).is_err());
        assert!(config(&["--auth-token-env", "A", "--auth-jwt-key-file", "k"]).is_err());
    }

    #[test]
    fn a_non_loopback_address_without_auth_is_warned_about() {
        let open = config(&["--listen", "0.0.0.0:8080"]).unwrap();
        assert!(exposure_warning(&open).is_some_and(|w| w.contains("WITHOUT AUTHENTICATION")));
        let v6 = config(&["--listen", "[::]:8080"]).unwrap();
        assert!(exposure_warning(&v6).is_some());
        assert!(exposure_warning(&config(&[]).unwrap()).is_none());
        assert!(exposure_warning(&config(&["--listen", "[::1]:0"]).unwrap()).is_none());
        let guarded = ServerConfig {
            auth: Some(ServerAuth::Token(AuthToken::new("t"))),
            ..open
        };
        assert!(exposure_warning(&guarded).is_none());
    }
}
