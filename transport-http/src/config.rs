//! Settings of the HTTP transport.

use std::time::Duration;

use sqlport_core::AuthToken;

use crate::proto::Version;

/// Settings of an HTTP connector. `Debug` redacts the token.
#[derive(Debug, Clone, PartialEq, Eq)]
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
        }
    }
}
