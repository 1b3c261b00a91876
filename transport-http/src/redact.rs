//! `Debug` output of connectors and connections: the URL without userinfo or
//! query, the token redacted, never a baton.

use sqlport_core::AuthToken;
use url::Url;

use crate::proto::client::{Session, Version};

/// The `Debug` of a connector: the redacted URL, the token (redacted by
/// [`AuthToken`]'s own `Debug`) and the version setting.
pub(crate) fn fmt_connector(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    base: &Url,
    token: Option<&AuthToken>,
    setting: Option<Version>,
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

#[cfg(test)]
mod tests {
    #[test]
    fn urls_lose_userinfo_and_query() {
        assert_eq!(
            super::redacted_url(&"https://u:p@h/db?x=1".parse().unwrap()),
            "https://h/db"
        );
    }
}
