//! Settings of the HTTP transport.

use std::time::Duration;

use sqlport_core::AuthToken;

use crate::proto::Version;

/// Settings of an HTTP connector. `Debug` redacts the token. Built from
/// [`HttpConfig::default`] and its setters (`#[non_exhaustive]`: fields may
/// be added).
///
/// ```
/// use std::time::Duration;
/// let config = sqlport_http::HttpConfig::default()
///     .connect_timeout(Duration::from_secs(2))
///     .version(Some(sqlport_http::Version::V3));
/// assert_eq!(config.request_timeout, Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpConfig {
    /// Bearer token. When set it wins over a token given in the URL
    /// (`?authToken=`); when unset the URL's token (if any) is used.
    pub auth_token: Option<AuthToken>,
    /// Connect timeout (TCP and TLS); default 10 s.
    pub connect_timeout: Duration,
    /// Timeout for a whole request, body included; default 30 s. It does not
    /// apply to a streamed cursor body (`query_stream`), which is bounded by
    /// [`HttpConfig::read_timeout`] instead.
    pub request_timeout: Duration,
    /// Per-read idle timeout: the longest wait for the next bytes of a reply
    /// (headers or body), restarted by every read; default 30 s. For a
    /// streamed cursor it is, with the connect timeout, the only bound, so a
    /// long cursor that keeps sending rows is never cut.
    pub read_timeout: Duration,
    /// Protocol version to force; `None` (the default) probes once per
    /// connector: `GET {base}/v3`, else `GET {base}/v2`, else the stateless
    /// v1 endpoints.
    pub version: Option<Version>,
    /// Extra root certificates to trust, each in PEM (one or more
    /// `CERTIFICATE` blocks), beside the platform's store: for a server
    /// whose certificate a private or corporate CA signed. Both backends
    /// trust the same roots (see [`tls`](crate::tls)); a bad PEM is
    /// [`Error::InvalidCertificate`](sqlport_core::Error::InvalidCertificate)
    /// when the connector is built.
    pub extra_root_certs: Vec<Vec<u8>>,
    /// Keep each connection's server stream open between statements that
    /// leave no state (autocommit statements outside a transaction, with no
    /// PRAGMA held), as the `libsql` crate does, instead of closing it in the
    /// same request; default `false`. Each request then reuses the stream:
    /// about half the server time of a point query on sqld
    /// (BENCHMARKS.md), and no change in the number of requests. The cost:
    /// the idle stream holds one of the server's SQLite connections until
    /// the next statement, the connection's close (or drop), or the
    /// server's idle expiry (about 10 s on sqld); a stream that expired
    /// while idle is replaced transparently. No effect on the stateless v1
    /// protocol.
    pub keep_idle_stream: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            auth_token: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(30),
            version: None,
            extra_root_certs: Vec::new(),
            keep_idle_stream: false,
        }
    }
}

impl HttpConfig {
    /// Set [`HttpConfig::auth_token`](HttpConfig::auth_token).
    pub fn auth_token(mut self, auth_token: Option<AuthToken>) -> Self {
        self.auth_token = auth_token;
        self
    }
    /// Set [`HttpConfig::keep_idle_stream`](HttpConfig::keep_idle_stream).
    pub fn keep_idle_stream(mut self, keep: bool) -> Self {
        self.keep_idle_stream = keep;
        self
    }
    /// Set [`HttpConfig::connect_timeout`](HttpConfig::connect_timeout).
    pub fn connect_timeout(mut self, connect_timeout: Duration) -> Self {
        self.connect_timeout = connect_timeout;
        self
    }
    /// Set [`HttpConfig::request_timeout`](HttpConfig::request_timeout).
    pub fn request_timeout(mut self, request_timeout: Duration) -> Self {
        self.request_timeout = request_timeout;
        self
    }
    /// Set [`HttpConfig::read_timeout`](HttpConfig::read_timeout).
    pub fn read_timeout(mut self, read_timeout: Duration) -> Self {
        self.read_timeout = read_timeout;
        self
    }
    /// Set [`HttpConfig::version`](HttpConfig::version).
    pub fn version(mut self, version: Option<Version>) -> Self {
        self.version = version;
        self
    }
    /// Set [`HttpConfig::extra_root_certs`](HttpConfig::extra_root_certs).
    pub fn extra_root_certs(mut self, extra_root_certs: Vec<Vec<u8>>) -> Self {
        self.extra_root_certs = extra_root_certs;
        self
    }
}
