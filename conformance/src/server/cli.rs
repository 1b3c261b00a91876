//! `sqlport-conformance serve`: run the reference server from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use sqlport_core::{AuthToken, LocalTarget};

use super::{BoundServer, ServerAuth, ServerConfig};

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Database: a file path or `:memory:`.
    #[arg(default_value = ":memory:")]
    pub database: String,
    /// Address to listen on (port 0 picks a free port). Only loopback unless
    /// you say otherwise here.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Require `Authorization: Bearer <token>` with the token read from this
    /// environment variable.
    #[arg(long, value_name = "VAR")]
    pub auth_token_env: Option<String>,
    /// Verify Ed25519 JWTs with the public key in this file (PEM or base64url).
    #[arg(long, value_name = "FILE", conflicts_with = "auth_token_env")]
    pub auth_jwt_key_file: Option<PathBuf>,
    /// Seconds of idleness after which a stream expires.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub idle_timeout: u64,
    /// Largest request body in bytes (more gives 413).
    #[arg(long, value_name = "BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Most streams open at once (a new one over it gives 429).
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_streams: usize,
    /// Largest pipeline response in bytes (more gives `RESPONSE_TOO_LARGE`).
    #[arg(long, value_name = "BYTES", default_value_t = 10 * 1000 * 1000)]
    pub max_response_bytes: usize,
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
        Ok(ServerConfig {
            database,
            listen: self.listen,
            idle_timeout: Duration::from_secs(self.idle_timeout.max(1)),
            auth,
            max_body_bytes: self.max_body_bytes,
            max_streams: self.max_streams.max(1),
            max_response_bytes: self.max_response_bytes,
            enable_v3: !self.no_v3,
            enable_v2: !self.no_v2,
            enable_v1: !self.no_v1,
        })
    }
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
        assert!(config(&["--listen", "nowhere"]).is_err());
        assert!(config(&["--auth-token-env", "SQLPORT_TEST_SURELY_UNSET_VARIABLE"]).is_err());
        assert!(config(&["--auth-jwt-key-file", "/nonexistent/key.pem"]).is_err());
        assert!(config(&["--auth-token-env", "A", "--auth-jwt-key-file", "k"]).is_err());
    }
}
