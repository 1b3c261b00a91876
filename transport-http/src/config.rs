//! Settings of the HTTP transport.

use std::time::Duration;

use sqlport_core::AuthToken;

/// Which Hrana-over-HTTP version to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ProtocolVersion {
    /// Probe once per connector: `GET {base}/v3`, else `GET {base}/v2`, else
    /// the stateless v1 endpoints.
    #[default]
    Auto,
    /// Hrana 3 (`/v3/pipeline`, `/v3/cursor`), no probe.
    V3,
    /// Hrana 2 (`/v2/pipeline`), no probe.
    V2,
    /// The stateless v1 endpoints (`/v1/execute`, `/v1/batch`): no interactive
    /// transactions, savepoints, connection state or streaming.
    V1,
}

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
    /// Protocol version; default [`ProtocolVersion::Auto`].
    pub version: ProtocolVersion,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            auth_token: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(30),
            version: ProtocolVersion::Auto,
        }
    }
}
