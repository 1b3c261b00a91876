//! [`AuthToken`]: a credential that never prints.

use std::fmt;

/// A bearer token for a remote database. `Debug` prints `AuthToken(<redacted>)`;
/// there is no `Display`. Read it only with [`AuthToken::expose`] where it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthToken(String);

impl AuthToken {
    /// Wrap a token.
    pub fn new(token: impl Into<String>) -> Self {
        AuthToken(token.into())
    }

    /// The token text, for building the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `true` for an empty token.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthToken(<redacted>)")
    }
}

impl From<String> for AuthToken {
    fn from(s: String) -> Self {
        AuthToken(s)
    }
}

impl From<&str> for AuthToken {
    fn from(s: &str) -> Self {
        AuthToken(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts() {
        let t = AuthToken::new("s3cr3t-token");
        assert!(!format!("{t:?}").contains("s3cr3t"));
        assert!(!format!("{:?}", Some(t.clone())).contains("s3cr3t"));
        assert_eq!(t.expose(), "s3cr3t-token");
    }
}
