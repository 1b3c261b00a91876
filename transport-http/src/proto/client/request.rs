//! The HTTP requests the client half asks a backend to send, and the endpoint
//! URLs they go to.

use url::Url;

use sqlport_core::{Error, Result};

use crate::proto::Version;

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET` (version probes).
    Get,
    /// `POST` with a JSON body.
    Post,
}

/// One HTTP request for a backend to send.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Endpoint name for logs (`"v3/pipeline"`, ...).
    pub endpoint: &'static str,
    /// JSON body (empty for `GET`).
    pub body: Vec<u8>,
    /// Whether the body carries a baton (for logs).
    pub carries_baton: bool,
    /// `true` for `/v3/cursor`: the body is NDJSON to be read incrementally.
    pub streaming: bool,
}

impl std::fmt::Debug for HttpRequest {
    // The body may hold parameter values: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("endpoint", &self.endpoint)
            .field("body_bytes", &self.body.len())
            .field("carries_baton", &self.carries_baton)
            .finish()
    }
}

/// A complete (buffered) HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// `{base}/{path}`, keeping the base URL's path prefix and query.
pub fn endpoint(base: &Url, path: &str) -> String {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}/{path}"));
    url.to_string()
}

/// Check a database base URL: `http` or `https` only.
pub fn check_base(url: &Url) -> Result<()> {
    match url.scheme() {
        "http" | "https" if url.has_host() => Ok(()),
        _ => Err(Error::InvalidName {
            name: sqlport_core::name::redact_name(url.as_str()),
            reason: "the HTTP transport needs an http:// or https:// URL with a host".into(),
        }),
    }
}

/// The version probe request for `version` (`GET {base}/v3` or `/v2`).
pub fn probe(base: &Url, version: Version) -> HttpRequest {
    let path = version.path();
    HttpRequest {
        method: Method::Get,
        url: endpoint(base, path),
        endpoint: path,
        body: Vec::new(),
        carries_baton: false,
        streaming: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_prefix_and_query() {
        let b = Url::parse("https://h/db/?x=1").unwrap();
        assert_eq!(endpoint(&b, "v3/pipeline"), "https://h/db/v3/pipeline?x=1");
        let b = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(endpoint(&b, "v3/cursor"), "http://127.0.0.1:8080/v3/cursor");
        assert!(check_base(&Url::parse("ftp://h").unwrap()).is_err());
        assert!(check_base(&b).is_ok());
    }
}
