//! Database NAME/URL parsing: which transport a NAME means.
//!
//! This table is the one list of NAME forms (the README and the facade's
//! docs point here). See [`Target::parse`] for the exact rules.
//!
#![doc = include_str!("name_forms.md")]

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
