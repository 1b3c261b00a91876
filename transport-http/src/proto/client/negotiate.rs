//! Version negotiation (docs/PROTOCOL.md §1.2) and what a connection can do on each
//! version. Sans-IO: the session sends the probes ([`Session::connect`]) and
//! reads their replies here; a connector keeps the result in a
//! [`Negotiated`] shared by its connections.
//!
//! [`Session::connect`]: super::Session::connect

use std::sync::Mutex;

use sqlport_core::{Capabilities, Capability, Result};

use super::errors::{http_error, parse_error_body};
use crate::proto::Version;

/// A connector's protocol version: forced by its settings, or found by the
/// first connect's probes and kept for every later connect. A probe that
/// fails (auth, 5xx, 429, transport) decides nothing, so a transient failure
/// never downgrades the connector.
#[derive(Debug, Default)]
pub struct Negotiated(Mutex<Option<Version>>);

impl Negotiated {
    /// Known at once when `forced` is set; otherwise probed on first use.
    pub fn new(forced: Option<Version>) -> Self {
        Negotiated(Mutex::new(forced))
    }

    /// The version, once known.
    pub fn get(&self) -> Option<Version> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keep `found` for every later connection.
    pub(super) fn settle(&self, found: Version) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(found);
        tracing::debug!(version = ?found, "negotiated Hrana version");
    }
}

/// What a version probe's reply means.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Probe {
    /// 2xx: the version is served.
    Supported,
    /// Any other 4xx (404, 405, ...): it is not.
    Unsupported,
}

/// Read a probe reply: 401/403 and 5xx/429 are errors (not kept, so a
/// transient failure never downgrades the connector), other statuses decide.
pub(super) fn probe_outcome(status: u16, body: &[u8]) -> Result<Probe> {
    match status {
        200..=299 => Ok(Probe::Supported),
        401 | 403 | 429 | 500..=599 => Err(http_error(status, parse_error_body(body))),
        _ => Ok(Probe::Unsupported),
    }
}

/// The version to probe after `tried` was refused (`None`: none is left,
/// fall back to v1).
pub(super) fn next_probe(tried: Version) -> Option<Version> {
    match tried {
        Version::V3 => Some(Version::V2),
        Version::V2 | Version::V1 => None,
    }
}

/// What a connection on `version` can do.
pub fn capabilities(version: Version) -> Capabilities {
    let base = Capabilities::none().with(Capability::SharedDatabase);
    let stateful = |c: Capabilities| {
        c.with(Capability::InteractiveTransactions)
            .with(Capability::Savepoints)
            .with(Capability::ConnectionState)
    };
    match version {
        Version::V1 => base,
        Version::V2 => stateful(base),
        Version::V3 => stateful(base).with(Capability::Streaming),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(probe_outcome(200, b"").unwrap(), Probe::Supported);
        assert_eq!(probe_outcome(404, b"").unwrap(), Probe::Unsupported);
        assert!(probe_outcome(401, b"").unwrap_err().is_auth());
        assert!(probe_outcome(503, b"").is_err());
        assert_eq!(next_probe(Version::V3), Some(Version::V2));
        assert_eq!(next_probe(Version::V2), None);
    }

    #[test]
    fn a_forced_version_is_known_at_once() {
        assert_eq!(Negotiated::new(Some(Version::V2)).get(), Some(Version::V2));
        let n = Negotiated::new(None);
        assert_eq!(n.get(), None);
        n.settle(Version::V3);
        assert_eq!(n.get(), Some(Version::V3));
    }
}
