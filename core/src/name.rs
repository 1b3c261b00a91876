//! Database NAME/URL parsing: which transport a NAME means.
//!
//! | NAME | Target |
//! |---|---|
//! | `:memory:` | local, in memory |
//! | `/abs/path.db`, `./rel.db`, `../x.db`, `dir/x.db` | local file |
//! | `db.sqlite3`, `app.db`, `mydb`, `backup.zip`, `data.local` (bare filename) | local file |
//! | `file:app.db?mode=ro`, `file::memory:` | local, SQLite URI |
//! | `https://my-db-org.turso.io` | remote, HTTPS |
//! | `libsql://my-db-org.turso.io` | remote, HTTPS (`?tls=0` gives HTTP) |
//! | `http://127.0.0.1:8080` | remote, plain HTTP (a local server) |
//! | `my-db-org.turso.io` (bare host name: only `*.turso.io`) | remote, HTTPS |
//! | any remote form `?authToken=...` | the token is taken out of the URL |
//!
//! A bare name (no scheme, no `/`) is a host only when it ends in
//! `.turso.io`; any other is a local file, so a typo'd file name never
//! becomes a host that would receive the auth token. Any other server needs
//! its scheme. See [`Target::parse`] for the exact rules.

use std::path::PathBuf;

use url::Url;

use crate::error::{Error, Result};
use crate::secret::AuthToken;

/// Where a NAME points.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A local SQLite database.
    Local(LocalTarget),
    /// A remote libSQL server (Hrana over HTTP).
    Remote(RemoteTarget),
}

/// A local database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalTarget {
    /// `:memory:`; every connection of one database handle shares it.
    Memory,
    /// A file path.
    Path(PathBuf),
    /// A SQLite `file:` URI, passed to SQLite as written.
    Uri(String),
}

/// A remote database.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteTarget {
    /// Base URL, scheme `http` or `https`, path prefix and other query
    /// parameters kept, `authToken` removed.
    pub url: Url,
    /// Token from `?authToken=`, if any.
    pub auth_token: Option<AuthToken>,
}

impl Target {
    /// Parse a NAME. Malformed or ambiguous input is [`Error::InvalidName`] with a
    /// reason; any auth token in the input is redacted in the error.
    ///
    /// ```
    /// use sqlport_core::{ErrorKind, LocalTarget, Target};
    ///
    /// assert_eq!(Target::parse(":memory:")?, Target::Local(LocalTarget::Memory));
    /// assert!(matches!(Target::parse("app.db")?, Target::Local(LocalTarget::Path(_))));
    /// let Target::Remote(r) = Target::parse("libsql://db-org.turso.io?authToken=t0k")? else {
    ///     unreachable!()
    /// };
    /// assert_eq!(r.url.as_str(), "https://db-org.turso.io/");
    /// assert_eq!(r.auth_token.unwrap().expose(), "t0k");
    /// assert_eq!(Target::parse("localhost:8080").unwrap_err().kind(), ErrorKind::InvalidName);
    /// # Ok::<(), sqlport_core::Error>(())
    /// ```
    pub fn parse(name: &str) -> Result<Target> {
        crate::name_parse::parse(name)
    }

    /// `true` for a remote target.
    pub fn is_remote(&self) -> bool {
        matches!(self, Target::Remote(_))
    }
}

/// A NAME made safe to print: the value of any `authToken` query parameter
/// (however its key is percent-encoded or cased) and any URL user info are
/// replaced by `<redacted>`. [`Error::InvalidName`] holds names redacted this way.
///
/// ```
/// use sqlport_core::name::redact_name;
/// assert_eq!(
///     redact_name("libsql://h.turso.io?authToken=s3cr3t&x=1"),
///     "libsql://h.turso.io?authToken=<redacted>&x=1"
/// );
/// assert_eq!(redact_name("https://u:pw@h.io"), "https://<redacted>@h.io");
/// ```
pub fn redact_name(name: &str) -> String {
    crate::name_parse::redact(name)
}

impl std::str::FromStr for Target {
    type Err = Error;
    fn from_str(s: &str) -> Result<Target> {
        Target::parse(s)
    }
}
