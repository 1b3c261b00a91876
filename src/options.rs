//! [`OpenOptions`]: how a database is opened (credentials, timeouts, flags).

use std::fmt;
use std::time::Duration;

use sqlport_core::{AuthToken, HranaVersion};

/// Options for [`Database::open_with`](crate::Database::open_with) and
/// [`blocking::Database::open_with`](crate::blocking::Database::open_with).
///
/// ```
/// use std::time::Duration;
/// let options = sqlport::OpenOptions::new()
///     .auth_token("secret")
///     .timeout(Duration::from_secs(10))
///     .busy_timeout(Duration::from_secs(2));
/// assert!(!format!("{options:?}").contains("secret"));
/// ```
#[derive(Clone)]
pub struct OpenOptions {
    pub(crate) auth_token: Option<AuthToken>,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) busy_timeout: Duration,
    pub(crate) read_only: bool,
    pub(crate) create: bool,
    pub(crate) statement_cache_capacity: usize,
    pub(crate) protocol: Option<HranaVersion>,
    pub(crate) extra_root_certs: Vec<Vec<u8>>,
    pub(crate) keep_idle_stream: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            auth_token: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(30),
            busy_timeout: Duration::from_secs(5),
            read_only: false,
            create: true,
            statement_cache_capacity: 64,
            protocol: None,
            extra_root_certs: Vec::new(),
            keep_idle_stream: false,
        }
    }
}

impl fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenOptions")
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "<redacted>"),
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("busy_timeout", &self.busy_timeout)
            .field("read_only", &self.read_only)
            .field("create", &self.create)
            .field("statement_cache_capacity", &self.statement_cache_capacity)
            .field("protocol", &self.protocol)
            .field("extra_root_certs", &self.extra_root_certs.len())
            .field("keep_idle_stream", &self.keep_idle_stream)
            .finish()
    }
}

impl OpenOptions {
    /// The defaults: no token, 10 s connect timeout, 30 s request timeout, 30 s
    /// per-read idle timeout, 5 s busy timeout, read-write, create if missing, 64 cached statements, probe
    /// the remote protocol version.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bearer token for a remote database. It takes precedence over an
    /// `?authToken=` in the NAME. Never printed.
    pub fn auth_token(mut self, token: impl Into<AuthToken>) -> Self {
        self.auth_token = Some(token.into());
        self
    }

    /// How long to wait for a TCP/TLS connection to a remote server.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one remote request may take, reply body included (the seed
    /// package's `OPTIONS.timeout`). A streamed query
    /// ([`Connection::query_each`](crate::Connection::query_each)) is not
    /// bounded by it: see [`OpenOptions::read_timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long a remote reply may stay silent: the longest wait for its next
    /// bytes (headers or body), restarted by every read. A streamed query is
    /// bounded by this and the connect timeout only, so a long cursor that
    /// keeps sending rows is never cut.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// How long a local connection waits for a lock before `SQLITE_BUSY`
    /// (whole milliseconds, at most `i32::MAX` of them: opening a local
    /// database with more is an [`Error::Conversion`](crate::Error::Conversion)).
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Open a local file read-only.
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }

    /// Create a local file if it does not exist (default `true`).
    pub fn create(mut self, create: bool) -> Self {
        self.create = create;
        self
    }

    /// Capacity of each local connection's prepared-statement cache.
    pub fn statement_cache_capacity(mut self, capacity: usize) -> Self {
        self.statement_cache_capacity = capacity;
        self
    }

    /// Trust an extra root certificate (PEM: one or more `CERTIFICATE`
    /// blocks) for remote databases, beside the platform's certificate
    /// store: for a server signed by a private or corporate CA. Both HTTP
    /// backends (blocking and async) trust exactly the same roots: the
    /// platform's store plus these (see [`http::tls`](crate::http::tls)).
    /// A bad PEM is [`Error::InvalidCertificate`](crate::Error::InvalidCertificate)
    /// from `Database::open_with`.
    ///
    /// ```
    /// let err = sqlport::blocking::Database::open_with(
    ///     "https://db.example.invalid",
    ///     sqlport::OpenOptions::new().add_root_certificate_pem("not a certificate"),
    /// )
    /// .unwrap_err();
    /// # // Without the HTTP features the NAME itself is refused first.
    /// # if cfg!(feature = "http-blocking") {
    /// assert_eq!(err.kind(), sqlport::ErrorKind::InvalidCertificate);
    /// # } else { assert_eq!(err.kind(), sqlport::ErrorKind::Unsupported); }
    /// ```
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_root_certs.push(pem.into());
        self
    }

    /// Force a remote protocol version instead of probing (`None`, the
    /// default: probe v3, else v2, else the stateless v1 endpoints, once per
    /// database handle).
    pub fn protocol(mut self, protocol: impl Into<Option<HranaVersion>>) -> Self {
        self.protocol = protocol.into();
        self
    }

    /// Remote only: keep each connection's server stream open between
    /// autocommit statements, as the `libsql` crate does, rather than
    /// closing it in the same request (the default, `false`). On sqld a
    /// point query on a kept stream takes about half the server time
    /// (BENCHMARKS.md); the price is a server-side SQLite connection held
    /// by every idle connection until its next statement, its close or the
    /// server's idle expiry (an expired idle stream is replaced
    /// transparently). The number of requests per operation is the same.
    pub fn keep_idle_stream(mut self, keep: bool) -> Self {
        self.keep_idle_stream = keep;
        self
    }
}
