//! What a transport can do, for the conformance suite and for callers.

use std::fmt;

/// One capability a transport may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Capability {
    /// `BEGIN` in one call and `COMMIT` in a later one.
    InteractiveTransactions,
    /// `SAVEPOINT` / `RELEASE` / `ROLLBACK TO` across calls.
    Savepoints,
    /// Per-connection state (PRAGMAs, `changes()`, ...) persists for the connection's life.
    ConnectionState,
    /// Errors carry SQLite extended result codes (sqld sends only primary codes).
    ExtendedErrorCodes,
    /// Rows stream with bounded memory.
    Streaming,
    /// Connections of one database see one shared database (isolation and
    /// concurrency between connections can be observed).
    SharedDatabase,
    /// SQL that sqld refuses works: `VACUUM`, `ANALYZE`, temp tables,
    /// `journal_mode` and other assignment PRAGMAs.
    UnrestrictedSql,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 7] = [
        Capability::InteractiveTransactions,
        Capability::Savepoints,
        Capability::ConnectionState,
        Capability::ExtendedErrorCodes,
        Capability::Streaming,
        Capability::SharedDatabase,
        Capability::UnrestrictedSql,
    ];

    fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// A stable snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Capability::InteractiveTransactions => "interactive_transactions",
            Capability::Savepoints => "savepoints",
            Capability::ConnectionState => "connection_state",
            Capability::ExtendedErrorCodes => "extended_error_codes",
            Capability::Streaming => "streaming",
            Capability::SharedDatabase => "shared_database",
            Capability::UnrestrictedSql => "unrestricted_sql",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`Capability`] values.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(u32);

impl Capabilities {
    /// No capability.
    pub const fn none() -> Self {
        Capabilities(0)
    }

    /// Every capability.
    pub fn all() -> Self {
        Capability::ALL.into_iter().collect()
    }

    /// Whether `cap` is in the set.
    pub fn has(self, cap: Capability) -> bool {
        self.0 & cap.bit() != 0
    }

    /// The set with `cap` added.
    #[must_use]
    pub fn with(self, cap: Capability) -> Self {
        Capabilities(self.0 | cap.bit())
    }

    /// The set with `cap` removed.
    #[must_use]
    pub fn without(self, cap: Capability) -> Self {
        Capabilities(self.0 & !cap.bit())
    }

    /// The capabilities in the set.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL.into_iter().filter(move |c| self.has(*c))
    }

    /// Those of `required` that are missing from this set.
    pub fn missing(self, required: &[Capability]) -> Vec<Capability> {
        required.iter().copied().filter(|c| !self.has(*c)).collect()
    }
}

impl FromIterator<Capability> for Capabilities {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        iter.into_iter()
            .fold(Capabilities::none(), Capabilities::with)
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}
