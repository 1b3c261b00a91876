//! The NAME grammar behind [`Target::parse`](crate::Target::parse).
//!
//! See the table in [`crate::name`]. Rules, in order:
//!
//! 1. Empty, blank, surrounding whitespace or a NUL character: error.
//! 2. `:memory:` is the in-memory database; a `file:` prefix is a SQLite URI.
//! 3. `scheme://...` with scheme `libsql` (HTTPS, or HTTP with `?tls=0`),
//!    `https`, `http`, `wss` (HTTPS) or `ws` (HTTP) is remote; the URL needs a
//!    host and no user info; `?authToken=` moves into
//!    [`RemoteTarget::auth_token`](crate::RemoteTarget::auth_token).
//! 4. Without a scheme: anything that looks like a path (`/`, `./`, `../`, `~`,
//!    or any `/` or `\`) is a local file. A bare name is remote (HTTPS) only
//!    in the hosted form `<db>-<org>.turso.io` (any name ending in
//!    `.turso.io`); every other bare name is a local file (`app.db`, `mydb`,
//!    `backup.zip`, `data.local`), so a typo'd file name never becomes a host
//!    that receives the auth token. Any other server needs its scheme
//!    (`https://`, `libsql://`, `http://`). An IP address or `host:port`
//!    without a scheme is refused with a hint to write the scheme.
//!
//! Paths are kept as written: `~` is not expanded, and neither a path nor a
//! bare file name may carry `?parameters` (use a `file:` URI for those).

use std::path::PathBuf;

use url::Url;

use crate::error::{Error, Result};
use crate::name::{LocalTarget, RemoteTarget, Target};
use crate::secret::AuthToken;

/// File extensions that make a bare name a local database file.
const SQLITE_EXTENSIONS: &[&str] = &["db", "sqlite", "sqlite3", "db3", "s3db", "sl3", "sqlitedb"];

/// The schemes a remote NAME may use.
const SCHEMES: &str = "libsql://, https://, http://, wss://, ws://";

pub(crate) fn parse(name: &str) -> Result<Target> {
    let fail = |reason: String| -> Result<Target> {
        Err(Error::InvalidName {
            name: redact(name),
            reason,
        })
    };
    if name.trim().is_empty() {
        return fail("the name is empty".into());
    }
    if name.trim() != name {
        return fail("the name has leading or trailing whitespace".into());
    }
    if name.contains('\0') {
        return fail("the name contains a NUL character".into());
    }
    if name == ":memory:" {
        return Ok(Target::Local(LocalTarget::Memory));
    }
    if name.starts_with("file:") {
        return Ok(Target::Local(LocalTarget::Uri(name.to_owned())));
    }
    if let Some(idx) = name.find("://") {
        let scheme = name.get(..idx).unwrap_or("");
        let rest = name.get(idx..).unwrap_or("");
        return parse_remote(scheme, rest).or_else(fail);
    }
    parse_schemeless(name).or_else(fail)
}

/// Parse `<scheme>://...`; the error is the reason only.
fn parse_remote(scheme: &str, rest: &str) -> Result<Target, String> {
    let lower = scheme.to_ascii_lowercase();
    let (https, is_libsql) = match lower.as_str() {
        "libsql" => (true, true),
        "https" | "wss" => (true, false),
        "http" | "ws" => (false, false),
        "" => {
            return Err(format!(
                "the URL has no scheme before \"://\"; use one of {SCHEMES}"
            ));
        }
        _ => {
            return Err(format!(
                "unsupported URL scheme {scheme:?}; use one of {SCHEMES}"
            ));
        }
    };
    let base = if https { "https" } else { "http" };
    let mut url =
        Url::parse(&format!("{base}{rest}")).map_err(|e| format!("not a valid URL: {e}"))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "user info (user:password@) is not allowed in the URL; pass the token as ?authToken=..."
                .into(),
        );
    }
    if url.fragment().is_some() {
        return Err("the URL has a #fragment, which means nothing here".into());
    }
    let mut token = None;
    let mut kept = Vec::new();
    let mut plain_http = !https;
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "authToken" => {
                if value.is_empty() {
                    return Err("the authToken query parameter is empty".into());
                }
                if token.is_some() {
                    return Err("the authToken query parameter is given twice".into());
                }
                token = Some(AuthToken::new(value.into_owned()));
            }
            other if is_token_key(other) => {
                // Kept, it would travel in every request URL and print with it.
                return Err(format!(
                    "the query parameter {other:?} looks like a misspelt authToken; write authToken=..."
                ));
            }
            "tls" if is_libsql => match value.as_ref() {
                "0" => plain_http = true,
                "1" => plain_http = false,
                other => {
                    return Err(format!("tls must be 0 or 1, not {other:?}"));
                }
            },
            _ => kept.push((key.into_owned(), value.into_owned())),
        }
    }
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    if plain_http && url.scheme() == "https" {
        url.set_scheme("http")
            .map_err(|()| "cannot switch the URL to http".to_owned())?;
    }
    Ok(Target::Remote(RemoteTarget {
        url,
        auth_token: token,
    }))
}

/// Parse a NAME without `scheme://`; the error is the reason only.
fn parse_schemeless(name: &str) -> Result<Target, String> {
    let before_query = name.split('?').next().unwrap_or(name);
    let looks_like_path = name.starts_with('/')
        || name.starts_with("./")
        || name.starts_with("../")
        || name.starts_with('~')
        || before_query.contains('/')
        || before_query.contains('\\');
    if looks_like_path {
        if name.contains('?') {
            // SQLite would open (or create) a file whose name ends in
            // "?mode=ro", silently ignoring what the caller asked for.
            return Err(
                "a path cannot carry ?parameters; use a file: URI (file:./app.db?mode=ro)".into(),
            );
        }
        return Ok(Target::Local(LocalTarget::Path(PathBuf::from(name))));
    }
    // Reasons may quote the name: never its user info.
    let shown = redact(before_query);
    if let Some((host, port)) = before_query.rsplit_once(':') {
        if !host.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "a host and port need a scheme: write http://{shown} or https://{shown}"
            ));
        }
        return Err(
            "':' is not allowed in a bare name; write a path (./name), a file: URI or a URL".into(),
        );
    }
    let has_sqlite_ext = before_query.rsplit_once('.').is_some_and(|(_, ext)| {
        SQLITE_EXTENSIONS
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e))
    });
    if before_query.contains('@') {
        return Err(
            "'@' (user info) is not allowed in a bare name; write a URL with its scheme and pass \
             the token as ?authToken=... or in the options"
                .into(),
        );
    }
    if !has_sqlite_ext && is_hosted_domain(before_query) {
        if is_dns_host(before_query) {
            let rest = format!("://{name}");
            return parse_remote("https", &rest);
        }
        return Err(format!(
            "{shown:?} is not a valid host name; write https://... for a server or ./{shown} for a file"
        ));
    }
    if !before_query.is_empty()
        && before_query
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.')
    {
        return Err(format!(
            "an IP address needs a scheme: write http://{shown} or https://{shown}"
        ));
    }
    if name.contains('?') {
        return Err(format!(
            "a bare file name cannot carry ?parameters; use a file: URI (file:app.db?mode=ro), \
             or for a server a URL with its scheme (https://{shown}?...); a bare name is a \
             host only when it ends in {HOSTED_DOMAIN}"
        ));
    }
    Ok(Target::Local(LocalTarget::Path(PathBuf::from(name))))
}

/// The domain whose hosts may be written bare (`my-db-org.turso.io`, the
/// seed package's bare form).
const HOSTED_DOMAIN: &str = ".turso.io";

/// `true` for a name ending in [`HOSTED_DOMAIN`] (ASCII case ignored) with
/// something before it.
fn is_hosted_domain(name: &str) -> bool {
    let n = name.len();
    let d = HOSTED_DOMAIN.len();
    n > d
        && name
            .get(n - d..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(HOSTED_DOMAIN))
}

/// A DNS host name: at least two labels of `[A-Za-z0-9-]`, none starting or
/// ending with `-`, the last one alphabetic.
fn is_dns_host(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || host.len() > 253 {
        return false;
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|l| l.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// The name with the value of every `authToken` query parameter and all URL
/// user info replaced by `<redacted>`.
///
/// A query key counts as `authToken` after percent-decoding, ignoring ASCII
/// case, `_` and `-` (`authTok%65n=` is the same key to the URL parser, and a
/// misspelt `auth_token=` is still a secret). Everything after the first `?` or `#` is
/// read as `&`/`#`-separated `key=value` pairs.
pub(crate) fn redact(name: &str) -> String {
    let name = redact_userinfo(name);
    let Some(query_start) = name.find(['?', '#']) else {
        return name;
    };
    let mut redacted = String::with_capacity(name.len());
    let (head, query) = name.split_at(query_start);
    redacted.push_str(head);
    let mut rest = query;
    while let Some(sep) = rest.chars().next() {
        // `sep` is one of '?', '&', '#' (all one byte).
        redacted.push(sep);
        let body = rest.get(1..).unwrap_or("");
        let end = body.find(['&', '#']).unwrap_or(body.len());
        let pair = body.get(..end).unwrap_or("");
        match pair.split_once('=') {
            Some((key, _)) if is_raw_token_key(key) => {
                redacted.push_str(key);
                redacted.push_str("=<redacted>");
            }
            _ => redacted.push_str(pair),
        }
        rest = body.get(end..).unwrap_or("");
    }
    redacted
}

/// `true` for a raw (still percent-encoded) query key that names the auth token.
fn is_raw_token_key(raw_key: &str) -> bool {
    url::form_urlencoded::parse(raw_key.as_bytes())
        .next()
        .is_some_and(|(key, _)| is_token_key(&key))
}

/// `true` for a decoded query key that is `authToken` however it is cased or
/// separated (`authtoken`, `auth_token`, `AUTH-TOKEN`).
fn is_token_key(key: &str) -> bool {
    let mut letters = key.chars().filter(|c| !matches!(c, '_' | '-'));
    "authtoken".chars().all(|want| {
        letters
            .next()
            .is_some_and(|c| c.eq_ignore_ascii_case(&want))
    }) && letters.next().is_none()
}

/// `user:password@host` (with or without a scheme): the whole user info is
/// replaced, since a token may be put in either part.
fn redact_userinfo(name: &str) -> String {
    let auth_start = name.find("://").map_or(0, |i| i + 3);
    let authority = name.get(auth_start..).unwrap_or("");
    let authority_end = authority.find(['/', '?', '#']).unwrap_or(authority.len());
    match authority.get(..authority_end).and_then(|a| a.rfind('@')) {
        Some(at) => format!(
            "{}<redacted>{}",
            name.get(..auth_start).unwrap_or(""),
            authority.get(at..).unwrap_or("")
        ),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn local(name: &str) -> LocalTarget {
        match Target::parse(name) {
            Ok(Target::Local(l)) => l,
            other => panic!("{name:?}: expected local, got {other:?}"),
        }
    }

    fn remote(name: &str) -> RemoteTarget {
        match Target::parse(name) {
            Ok(Target::Remote(r)) => r,
            other => panic!("{name:?}: expected remote, got {other:?}"),
        }
    }

    #[test]
    fn local_forms() {
        assert_eq!(local(":memory:"), LocalTarget::Memory);
        assert_eq!(
            local("file:app.db?mode=ro"),
            LocalTarget::Uri("file:app.db?mode=ro".into())
        );
        assert_eq!(
            local("file::memory:"),
            LocalTarget::Uri("file::memory:".into())
        );
        for p in [
            "/abs/path.db",
            "./rel.db",
            "../x.db",
            "dir/x.db",
            "~/x.db",
            "dir\\x.db",
            "C:\\data\\x.db",
            "/tmp/no-extension",
            "./my.host.io",
            "db.sqlite3",
            "app.db",
            "APP.DB",
            "x.Sqlite",
            "x.db3",
            "x.s3db",
            "x.sl3",
            "x.sqlitedb",
            "mydb",
            "localhost",
            "x.txt.",
            "-bad-.io",
            "a..b.io",
            "under_score.example.com",
        ] {
            assert_eq!(local(p), LocalTarget::Path(PathBuf::from(p)), "{p:?}");
        }
    }

    #[test]
    fn remote_forms() {
        let cases: &[(&str, &str)] = &[
            ("https://my-db-org.turso.io", "https://my-db-org.turso.io/"),
            ("libsql://my-db-org.turso.io", "https://my-db-org.turso.io/"),
            ("LIBSQL://my-db-org.turso.io", "https://my-db-org.turso.io/"),
            ("libsql://h.io?tls=0", "http://h.io/"),
            ("libsql://h.io?tls=1", "https://h.io/"),
            ("libsql://127.0.0.1:8080?tls=0", "http://127.0.0.1:8080/"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),
            ("http://[::1]:8080", "http://[::1]:8080/"),
            ("ws://localhost:8080", "http://localhost:8080/"),
            ("wss://h.example.com", "https://h.example.com/"),
            ("https://h.io/prefix/db?x=1", "https://h.io/prefix/db?x=1"),
            (
                "https://h.io/p?x=1&authToken=abc&y=2",
                "https://h.io/p?x=1&y=2",
            ),
            ("https://h.io/?tls=0", "https://h.io/?tls=0"),
            ("my-db-org.turso.io", "https://my-db-org.turso.io/"),
            (
                "my-db-org.turso.io?authToken=tok",
                "https://my-db-org.turso.io/",
            ),
        ];
        for (name, want) in cases {
            assert_eq!(remote(name).url.as_str(), *want, "{name:?}");
        }
    }

    #[test]
    fn auth_token_is_extracted() {
        let r = remote("libsql://h.turso.io?authToken=s3cr3t");
        assert_eq!(r.auth_token.as_ref().map(AuthToken::expose), Some("s3cr3t"));
        assert!(!r.url.as_str().contains("s3cr3t"));
        let r = remote("h.turso.io?authToken=a%2Bb");
        assert_eq!(r.auth_token.as_ref().map(AuthToken::expose), Some("a+b"));
        assert!(remote("https://h.io").auth_token.is_none());
    }

    #[test]
    fn malformed_names_are_errors() {
        let bad = [
            "",
            "   ",
            "  x.db",
            "x.db ",
            "x\0.db",
            "https://",
            "http://",
            "ftp://x",
            "postgres://h.io/db",
            "://h.io",
            "libsql://",
            "https://u:p@h.io",
            "https://u@h.io",
            "http://[::1",
            "https://h.io?authToken=",
            "h.io?authToken=",
            "https://h.io?authToken=a&authToken=b",
            "libsql://h.io?tls=2",
            "https://h.io#frag",
            "https://h.io?authtoken=t",
            "libsql://h.io?auth_token=t",
            "h.io?AUTH-TOKEN=t",
            "localhost:8080",
            "my.host.io:443",
            "a:b",
            "127.0.0.1",
            "app.db?mode=ro",
            "./app.db?mode=ro",
            "/tmp/x.db?mode=ro",
            "dir/x.db?",
            "under_score.turso.io",
            "a..b.turso.io",
            "u@x.db",
        ];
        for name in bad {
            match Target::parse(name) {
                Err(e) => assert_eq!(e.kind(), ErrorKind::InvalidName, "{name:?}"),
                Ok(t) => panic!("{name:?} parsed as {t:?}"),
            }
        }
    }

    #[test]
    fn errors_redact_secrets() {
        for name in [
            "ftp://h.io?authToken=s3cr3t",
            "https://h.io?x=1&authToken=s3cr3t#frag",
            "https://user:s3cr3t@h.io",
            "https://h.io?authToken=s3cr3t&authToken=s3cr3t",
            // The URL parser decodes keys: this is the authToken key too.
            "https://h.io?authTok%65n=s3cr3t#frag",
            "ftp://h.io?authtoken=s3cr3t",
            "https://h.io?auth_token=s3cr3t",
            "https://h.io?x=1#authToken=s3cr3t",
            "https://s3cr3t@h.io",
            "https://s3cr3t:@h.io",
            "u:s3cr3t@h.io:443",
            "s3cr3t@h.io",
        ] {
            let err = Target::parse(name).unwrap_err();
            let Error::InvalidName {
                name: shown,
                reason,
            } = &err
            else {
                panic!("{err:?}");
            };
            assert!(!shown.contains("s3cr3t"), "{shown}");
            assert!(!reason.contains("s3cr3t"), "{reason}");
            assert!(!format!("{err} {err:?}").contains("s3cr3t"));
        }
        assert_eq!(redact("h?authToken=abc&x=1"), "h?authToken=<redacted>&x=1");
        assert_eq!(redact("https://u:pw@h/x"), "https://<redacted>@h/x");
        assert_eq!(
            redact("https://h.io?a=1&auth%54oken=t&b=2#authToken=u"),
            "https://h.io?a=1&auth%54oken=<redacted>&b=2#authToken=<redacted>"
        );
        assert_eq!(redact("app.db"), "app.db");
        assert_eq!(redact("u:p@h.io:80"), "<redacted>@h.io:80");
        assert_eq!(redact("é?authToken=ü&x"), "é?authToken=<redacted>&x");
    }

    /// Every short string over an alphabet of the characters the grammar cares
    /// about, behind each interesting prefix: parsing and redaction never panic,
    /// and a token given as a query parameter is never shown in an error.
    #[test]
    fn generated_names_never_panic_or_leak() {
        const ALPHABET: [&str; 14] = [
            ":",
            "/",
            "?",
            "&",
            "#",
            "@",
            "=",
            ".",
            "%",
            "é",
            "a",
            "1",
            "authToken=",
            "\\",
        ];
        let prefixes = ["", "https://", "libsql://", "h.io", "file:", "./"];
        let mut names = Vec::new();
        for prefix in prefixes {
            let mut stack = vec![prefix.to_owned()];
            while let Some(name) = stack.pop() {
                if name.len() < prefix.len() + 14 {
                    for c in ALPHABET {
                        let longer = format!("{name}{c}");
                        if longer.chars().count() <= prefix.chars().count() + 3 {
                            stack.push(longer);
                        }
                    }
                }
                names.push(name);
            }
        }
        assert!(names.len() > 10_000, "{}", names.len());
        for name in names {
            let _ = redact(&name);
            if name.contains('#') {
                continue;
            }
            let sep = if name.contains('?') { '&' } else { '?' };
            let secret = format!("{name}{sep}authToken=s3cr3t");
            if let Err(e) = Target::parse(&secret) {
                assert!(!format!("{e} {e:?}").contains("s3cr3t"), "{secret:?}: {e}");
            }
        }
    }

    /// A bare name is a host only in the seed's form (`<db>-<org>.turso.io`):
    /// a typo'd file name never becomes a host that would receive the token.
    #[test]
    fn bare_names_are_files_unless_they_are_turso_hosts() {
        for p in [
            "backup.zip",
            "app.db",
            "data.local",
            "db.example.com",
            "archive.tar.gz",
            "notes.txt",
            "my.host.io",
            "turso.io",
        ] {
            assert_eq!(local(p), LocalTarget::Path(PathBuf::from(p)), "{p:?}");
        }
        for (name, want) in [
            ("my-db-org.turso.io", "https://my-db-org.turso.io/"),
            ("DB-ORG.Turso.IO", "https://db-org.turso.io/"),
            (
                "db-org.aws-us-east-1.turso.io",
                "https://db-org.aws-us-east-1.turso.io/",
            ),
        ] {
            assert_eq!(remote(name).url.as_str(), want, "{name:?}");
        }
        for bad in [
            "127.0.0.1",
            "10.0.0.1",
            "under_score.turso.io",
            "-x.turso.io",
        ] {
            let e = Target::parse(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidName, "{bad:?}");
        }
    }

    #[test]
    fn host_port_hint_names_both_schemes() {
        let err = Target::parse("localhost:8080").unwrap_err();
        let Error::InvalidName { reason, .. } = err else {
            panic!()
        };
        assert!(reason.contains("http://localhost:8080"));
        assert!(reason.contains("https://localhost:8080"));
    }

    #[test]
    fn from_str_and_is_remote() {
        let t: Target = "https://h.io".parse().unwrap();
        assert!(t.is_remote());
        assert!(!Target::parse("x.db").unwrap().is_remote());
    }
}
