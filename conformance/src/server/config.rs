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
///
/// Every limit has a default meant for a development server on one machine
/// (see the README section "What the reference server enforces"); tests set
/// small ones.
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
    /// Refuse JWTs without an `exp` claim (default `false`: as on sqld, `exp`
    /// is enforced only when present).
    pub jwt_require_exp: bool,
    /// Largest request body (default 10 MiB; more gives 413).
    pub max_body_bytes: usize,
    /// Most streams open at once (default 1024; a new one over it gives 429).
    /// A `/v1` request holds one for as long as it runs.
    pub max_streams: usize,
    /// Most streams one client may hold at once (default 256; more gives
    /// 429). A client is its bearer token when the server checks tokens,
    /// otherwise its IP address.
    pub max_streams_per_client: usize,
    /// Largest pipeline response (default 10 MB; more gives
    /// `RESPONSE_TOO_LARGE`, and the statement stops as soon as its encoding
    /// passes the limit). Also the longest single cursor line.
    pub max_response_bytes: usize,
    /// Bytes all responses may hold at once, server-wide (default 32 MiB,
    /// sqld's `SQLD_MAX_TOTAL_RESPONSE_SIZE`): rows of pipeline and `/v1`
    /// results being encoded and replies not yet written out (a row that does
    /// not fit stops its statement with `RESPONSE_TOO_LARGE`), and cursor
    /// lines queued for their reader (which wait for room).
    pub max_total_response_bytes: usize,
    /// Largest TEXT or BLOB value (`SQLITE_LIMIT_LENGTH`, default 7 MB: such
    /// a value still fits in one response, base64-encoded); more gives
    /// `SQLITE_TOOBIG`.
    pub max_value_bytes: usize,
    /// Bytes of cursor output queued between the database and a reader that
    /// has not read them yet (default 1 MiB); the batch waits while the queue
    /// is full.
    pub cursor_queue_bytes: usize,
    /// How long a response may wait for a reader that stopped reading
    /// (default 10 s): a cursor whose queue stays full that long is stopped
    /// and its stream destroyed (rolled back).
    pub stall_timeout: Duration,
    /// Longest a statement may run (default 30 s; a client's own
    /// `busy_timeout` is capped by it). It is then interrupted
    /// (`SQLITE_INTERRUPT`). Time a cursor spends waiting for its reader does
    /// not count.
    pub statement_timeout: Duration,
    /// A transaction that has held the write lock this long is rolled back
    /// when another stream waits to write (default 5 s, sqld's `TXN_TIMEOUT`);
    /// its stream's next request fails with `TRANSACTION_TIMEOUT`.
    pub transaction_timeout: Duration,
    /// Requests running SQL at once, every endpoint together (default 128,
    /// sqld's `--max-concurrent-requests`); more wait for a slot.
    pub max_concurrent_requests: usize,
    /// How long a request waits for one of those slots before a 503
    /// (default 5 s); also how long a request with the baton of a cursor's
    /// line 1 waits for that cursor's batch to give the stream's connection
    /// back (then 503; the baton stays valid).
    pub queue_timeout: Duration,
    /// Most TCP connections open at once (default 512); more are closed at
    /// once.
    pub max_connections: usize,
    /// Time a client has to send a request's headers, and the most a
    /// keep-alive connection stays idle (default 30 s); then the connection
    /// is closed.
    pub header_read_timeout: Duration,
    /// Time a client has to send a request's body (default 30 s; then 408).
    pub body_read_timeout: Duration,
    /// How long writing a response may make no progress (default 10 s, like
    /// `stall_timeout`): a client that stopped reading a pipeline, `/v1` or
    /// cursor reply is then disconnected and the reply dropped. Every byte
    /// the client reads restarts the clock.
    pub write_timeout: Duration,
    /// On shutdown, how long running requests get to finish before their
    /// statements are interrupted and the server stops (default 5 s).
    pub shutdown_grace: Duration,
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
            jwt_require_exp: false,
            max_body_bytes: 10 * 1024 * 1024,
            max_streams: 1024,
            max_streams_per_client: 256,
            max_response_bytes: 10 * 1000 * 1000,
            max_total_response_bytes: 32 * 1024 * 1024,
            max_value_bytes: 7 * 1000 * 1000,
            cursor_queue_bytes: 1024 * 1024,
            stall_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(30),
            transaction_timeout: Duration::from_secs(5),
            max_concurrent_requests: 128,
            queue_timeout: Duration::from_secs(5),
            max_connections: 512,
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(5),
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
