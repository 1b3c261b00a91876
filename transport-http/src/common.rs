//! What both backends share: headers, capabilities per version, the token
//! choice, and the negotiation order.

use std::sync::Mutex;

use sqlport_core::{AuthToken, Capabilities, Capability, RemoteTarget, Result};
use url::Url;

use crate::config::{HttpConfig, ProtocolVersion};
use crate::proto::client::request::{check_base, probe};
use crate::proto::client::{HttpRequest, Session, Version};

/// `x-libsql-client-version` value.
pub(crate) const CLIENT_VERSION: &str =
    concat!("libsql-remote-rust-sqlport-", env!("CARGO_PKG_VERSION"));

/// Longest buffered (non-cursor) reply body accepted.
pub(crate) const MAX_BODY_BYTES: u64 = 256 * 1024 * 1024;

/// The base URL and token of a connector. The token comes from the config,
/// else the target, else an `authToken` query parameter left in a URL that
/// was not built by NAME parsing; that parameter is taken out of the base
/// URL in every case, so the token is never sent in a URL (nor shown by an
/// error that names one).
pub(crate) fn base_and_token(
    target: &RemoteTarget,
    config: &HttpConfig,
) -> Result<(Url, Option<AuthToken>)> {
    check_base(&target.url)?;
    let (base, url_token) = without_query_token(&target.url);
    let token = config
        .auth_token
        .clone()
        .or_else(|| target.auth_token.clone())
        .filter(|t| !t.is_empty())
        .or(url_token);
    Ok((base, token))
}

/// `url` without its `authToken` query parameters (any ASCII case), and the
/// first non-empty one's value.
fn without_query_token(url: &Url) -> (Url, Option<AuthToken>) {
    let is_token = |key: &str| key.eq_ignore_ascii_case("authToken");
    if !url.query_pairs().any(|(k, _)| is_token(&k)) {
        return (url.clone(), None);
    }
    let mut token = None;
    let mut kept = Vec::new();
    for (key, value) in url.query_pairs() {
        if !is_token(&key) {
            kept.push((key.into_owned(), value.into_owned()));
        } else if token.is_none() && !value.is_empty() {
            token = Some(AuthToken::new(value.into_owned()));
        }
    }
    let mut base = url.clone();
    if kept.is_empty() {
        base.set_query(None);
    } else {
        base.query_pairs_mut().clear().extend_pairs(kept);
    }
    (base, token)
}

/// The `Authorization` header value, if a token is configured.
pub(crate) fn authorization(token: Option<&AuthToken>) -> Option<String> {
    token.map(|t| format!("Bearer {}", t.expose()))
}

/// The forced version, or `None` for a probe.
fn forced(setting: ProtocolVersion) -> Option<Version> {
    match setting {
        ProtocolVersion::Auto => None,
        ProtocolVersion::V3 => Some(Version::V3),
        ProtocolVersion::V2 => Some(Version::V2),
        ProtocolVersion::V1 => Some(Version::V1),
    }
}

/// What a connection on `version` can do.
pub(crate) fn capabilities(version: Version) -> Capabilities {
    let base = Capabilities::none().with(Capability::SharedDatabase);
    match version {
        Version::V1 => base,
        Version::V2 => base
            .with(Capability::InteractiveTransactions)
            .with(Capability::Savepoints)
            .with(Capability::ConnectionState),
        Version::V3 => base
            .with(Capability::InteractiveTransactions)
            .with(Capability::Savepoints)
            .with(Capability::ConnectionState)
            .with(Capability::Streaming),
    }
}

/// The `Debug` of a connector: the redacted URL, the token (redacted by
/// [`AuthToken`]'s own `Debug`) and the version setting.
pub(crate) fn fmt_connector(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    base: &Url,
    token: Option<&AuthToken>,
    setting: ProtocolVersion,
) -> std::fmt::Result {
    f.debug_struct(name)
        .field("url", &redacted_url(base))
        .field("auth_token", &token)
        .field("version", &setting)
        .finish_non_exhaustive()
}

/// The `Debug` of a connection: the redacted URL, the version and whether a
/// transaction is open. Never the baton.
pub(crate) fn fmt_transport(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    base: &Url,
    session: &Session,
) -> std::fmt::Result {
    f.debug_struct(name)
        .field("url", &redacted_url(base))
        .field("version", &session.version())
        .field("autocommit", &session.is_autocommit())
        .finish_non_exhaustive()
}

/// A redacted `Debug` for connectors: the URL (the token was taken out of it
/// by NAME parsing; any userinfo is dropped here) and whether a token is set.
pub(crate) fn redacted_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.to_string()
}

/// The `tracing` span of one HTTP request: endpoint, whether a baton was
/// carried, bytes sent; status, bytes received and duration are recorded when
/// known. Never the token, never parameter values.
pub(crate) fn request_span(req: &HttpRequest) -> tracing::Span {
    tracing::debug_span!(
        "hrana_http",
        endpoint = req.endpoint,
        baton = req.carries_baton,
        request_bytes = req.body.len(),
        status = tracing::field::Empty,
        response_bytes = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    )
}

/// Record the end of a request on its span (and log it at debug level).
pub(crate) fn record_done(
    span: &tracing::Span,
    response_bytes: usize,
    started: std::time::Instant,
) {
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.record("response_bytes", response_bytes);
    span.record("duration_ms", duration_ms);
    let _g = span.enter();
    tracing::debug!(response_bytes, duration_ms, "HTTP request done");
}

/// A connector's protocol version: forced by the config, or found by the
/// first connect's probes (HRANA.md §1.2) and kept for every later connect.
/// A probe that fails (auth, 5xx, 429, transport) decides nothing, so a
/// transient failure never downgrades the connector.
#[derive(Debug)]
pub(crate) struct Negotiated(Mutex<Option<Version>>);

impl Negotiated {
    /// Known at once when `setting` forces a version.
    pub(crate) fn new(setting: ProtocolVersion) -> Self {
        Negotiated(Mutex::new(forced(setting)))
    }

    /// The version, once known.
    pub(crate) fn get(&self) -> Option<Version> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The probes to send, in order, while the version is unknown.
    pub(crate) fn probes(base: &Url) -> [(Version, HttpRequest); 2] {
        [Version::V3, Version::V2].map(|v| (v, probe(base, v)))
    }

    /// Feed the reply to the probe for `candidate`: `Some` once the version
    /// is known (and kept), `None` to send the next probe.
    pub(crate) fn on_probe(
        &self,
        candidate: Version,
        status: u16,
        body: &[u8],
    ) -> Result<Option<Version>> {
        Ok(match probe_outcome(status, body)? {
            Probe::Supported => Some(self.settle(candidate)),
            Probe::Unsupported => None,
        })
    }

    /// No probe found a pipeline version: the stateless v1 endpoints.
    pub(crate) fn fallback(&self) -> Version {
        self.settle(Version::V1)
    }

    fn settle(&self, found: Version) -> Version {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(found);
        tracing::debug!(version = ?found, "negotiated Hrana version");
        found
    }
}

/// What a version probe's reply means.
#[derive(Debug)]
enum Probe {
    /// 2xx: the version is served.
    Supported,
    /// Any other 4xx (404, 405, ...): it is not.
    Unsupported,
}

/// Read a probe reply: 401/403 and 5xx/429 are errors (not cached, so a
/// transient failure never downgrades the connector), other statuses decide.
fn probe_outcome(status: u16, body: &[u8]) -> Result<Probe> {
    use crate::proto::client::errors::{http_error, parse_error_body};
    match status {
        200..=299 => Ok(Probe::Supported),
        401 | 403 | 429 | 500..=599 => Err(http_error(status, parse_error_body(body))),
        _ => Ok(Probe::Unsupported),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str, token: Option<&str>) -> RemoteTarget {
        RemoteTarget {
            url: url.parse().unwrap(),
            auth_token: token.map(AuthToken::new),
        }
    }

    #[test]
    fn the_config_token_wins_and_empty_tokens_are_none() {
        let config = |t: Option<&str>| HttpConfig {
            auth_token: t.map(AuthToken::new),
            ..HttpConfig::default()
        };
        let (_, t) =
            base_and_token(&target("http://h", Some("url")), &config(Some("cfg"))).unwrap();
        assert_eq!(t.unwrap().expose(), "cfg");
        let (_, t) = base_and_token(&target("http://h", Some("url")), &config(None)).unwrap();
        assert_eq!(t.unwrap().expose(), "url");
        let (_, t) = base_and_token(&target("http://h", Some("")), &config(None)).unwrap();
        assert!(t.is_none());
        assert_eq!(authorization(None), None);
        let e = base_and_token(&target("ftp://h", None), &config(None)).unwrap_err();
        assert_eq!(e.kind(), sqlport_core::ErrorKind::InvalidName);
    }

    #[test]
    fn a_token_in_the_query_is_taken_out_of_the_url() {
        let config = |t: Option<&str>| HttpConfig {
            auth_token: t.map(AuthToken::new),
            ..HttpConfig::default()
        };
        let (base, t) = base_and_token(
            &target("http://h/db?x=1&authToken=q&y=2", None),
            &config(None),
        )
        .unwrap();
        assert_eq!(base.as_str(), "http://h/db?x=1&y=2");
        assert_eq!(t.unwrap().expose(), "q");
        let (base, t) =
            base_and_token(&target("http://h/?AUTHTOKEN=q", Some("t")), &config(None)).unwrap();
        assert_eq!(base.as_str(), "http://h/");
        assert_eq!(t.unwrap().expose(), "t");
        let (base, t) =
            base_and_token(&target("http://h/?authToken=q", None), &config(Some("c"))).unwrap();
        assert_eq!(base.query(), None);
        assert_eq!(t.unwrap().expose(), "c");
        let (base, t) =
            base_and_token(&target("http://h/?authToken=", None), &config(None)).unwrap();
        assert_eq!(base.query(), None);
        assert!(t.is_none());
    }

    #[test]
    fn capabilities_shrink_with_the_version() {
        assert!(capabilities(Version::V3).has(Capability::Streaming));
        assert!(!capabilities(Version::V2).has(Capability::Streaming));
        assert!(capabilities(Version::V2).has(Capability::InteractiveTransactions));
        assert!(!capabilities(Version::V1).has(Capability::ConnectionState));
        assert!(!capabilities(Version::V3).has(Capability::ExtendedErrorCodes));
    }

    #[test]
    fn probes_fail_on_auth_and_server_errors() {
        assert!(matches!(probe_outcome(200, b""), Ok(Probe::Supported)));
        assert!(matches!(probe_outcome(404, b""), Ok(Probe::Unsupported)));
        assert!(probe_outcome(401, b"").unwrap_err().is_auth());
        assert!(probe_outcome(503, b"").is_err());
        assert_eq!(
            redacted_url(&"https://u:p@h/db?x=1".parse().unwrap()),
            "https://h/db"
        );
    }
}
