//! The one protocol-version type shared by the Hrana client, the Hrana
//! server half, the HTTP transport's settings and the facade's options.

use std::fmt;

/// A Hrana-over-HTTP protocol version. Ordered: `V1 < V2 < V3`.
///
/// Where a setting may also be "probe the server", it is an
/// `Option<HranaVersion>` (`None`: probe `v3`, then `v2`, else `v1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HranaVersion {
    /// The stateless v1 endpoints (`/v1/execute`, `/v1/batch`): no
    /// interactive transactions, savepoints, connection state or streaming.
    V1,
    /// Hrana 2 over HTTP (`/v2/pipeline`): no `get_autocommit`, no cursor.
    V2,
    /// Hrana 3 over HTTP (`/v3/pipeline`, `/v3/cursor`, `get_autocommit`).
    V3,
}

impl HranaVersion {
    /// Every version, newest first (the probe order).
    pub const NEWEST_FIRST: [HranaVersion; 3] =
        [HranaVersion::V3, HranaVersion::V2, HranaVersion::V1];

    /// The path segment of the version (`"v3"`, ...).
    pub fn path(self) -> &'static str {
        match self {
            HranaVersion::V1 => "v1",
            HranaVersion::V2 => "v2",
            HranaVersion::V3 => "v3",
        }
    }
}

impl fmt::Display for HranaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

impl std::str::FromStr for HranaVersion {
    type Err = String;

    /// `v3`/`3`, `v2`/`2`, `v1`/`1` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "v3" | "3" => Ok(HranaVersion::V3),
            "v2" | "2" => Ok(HranaVersion::V2),
            "v1" | "1" => Ok(HranaVersion::V1),
            _ => Err(format!("unknown Hrana version {s:?} (v1, v2 or v3)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_ordered_and_parse() {
        assert!(HranaVersion::V1 < HranaVersion::V2 && HranaVersion::V2 < HranaVersion::V3);
        assert_eq!("V3".parse::<HranaVersion>(), Ok(HranaVersion::V3));
        assert_eq!("2".parse::<HranaVersion>(), Ok(HranaVersion::V2));
        assert!("v4".parse::<HranaVersion>().is_err());
        assert_eq!(HranaVersion::V1.to_string(), "v1");
    }
}
