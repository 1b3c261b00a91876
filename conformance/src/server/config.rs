//! [`ServerConfig`] and [`ServerAuth`].

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use sqlport_core::{AuthToken, LocalTarget};

/// How the server authenticates requests (GET probes, `/health` and
/// `/version` never need credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAuth {
    /// A fixed bearer token (`Authorization: Bearer <token>`, scheme
    /// case-insensitive).
    Token(AuthToken),
    /// EdDSA (Ed25519) JWTs verified with this public key, like sqld's
    /// `--auth-jwt-key-file`: PEM (`-----BEGIN PUBLIC KEY-----`) or the raw
    /// 32-byte key in URL-safe base64. `exp` is enforced when present (60 s
    /// leeway); tokens with `"a":"ro"` may only read (a request with SQL that
    /// does not prepare is refused for them too: 403 before anything runs).
    JwtEd25519 {
        /// The public key, PEM or base64url.
        public_key_pem: String,
    },
}

/// Configuration of the reference server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The database every stream opens a connection to. `:memory:` is one
    /// fresh database shared by all streams, kept in a temporary WAL file that
    /// is deleted when the server stops (so a writer does not block readers,
    /// as on sqld).
    pub database: LocalTarget,
    /// Address to listen on; loopback by default (port 0: any free port).
    pub listen: SocketAddr,
    /// Idle time after which a stream expires (default 10 s, as sqld).
    pub idle_timeout: Duration,
    /// Authentication; `None` accepts every request.
    pub auth: Option<ServerAuth>,
    /// Largest request body (default 10 MiB; more gives 413).
    pub max_body_bytes: usize,
    /// Most streams open at once (default 1024; a new one over it gives 429).
    pub max_streams: usize,
    /// Largest pipeline response (default 10 MB; more gives `RESPONSE_TOO_LARGE`).
    pub max_response_bytes: usize,
    /// Serve `GET /v3`, `POST /v3/pipeline` and `/v3/cursor`.
    pub enable_v3: bool,
    /// Serve `GET /v2` and `POST /v2/pipeline`.
    pub enable_v2: bool,
    /// Serve `GET /v1`, `POST /v1/execute` and `/v1/batch`.
    pub enable_v1: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            database: LocalTarget::Memory,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            idle_timeout: Duration::from_secs(10),
            auth: None,
            max_body_bytes: 10 * 1024 * 1024,
            max_streams: 1024,
            max_response_bytes: 10 * 1000 * 1000,
            enable_v3: true,
            enable_v2: true,
            enable_v1: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let config = ServerConfig {
            auth: Some(ServerAuth::Token(AuthToken::new("s3cret-server-token"))),
            ..ServerConfig::default()
        };
        let text = format!("{config:?} {config:#?}");
        assert!(!text.contains("s3cret-server-token"), "{text}");
        assert!(text.contains("Token"), "{text}");
    }
}
