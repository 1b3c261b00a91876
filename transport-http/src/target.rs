//! Where a connector sends its requests and with which credentials: the
//! base URL, the bearer token (config, NAME, or a URL's `authToken`), and
//! the headers every request carries.

use sqlport_core::{AuthToken, RemoteTarget, Result};
use url::Url;

use crate::config::HttpConfig;
use crate::proto::client::request::check_base;

/// `x-libsql-client-version` value.
pub(crate) const CLIENT_VERSION: &str =
    concat!("libsql-remote-rust-sqlport-", env!("CARGO_PKG_VERSION"));

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
        let config = |t: Option<&str>| HttpConfig::default().auth_token(t.map(AuthToken::new));
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
        let config = |t: Option<&str>| HttpConfig::default().auth_token(t.map(AuthToken::new));
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
}
