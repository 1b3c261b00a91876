//! [`LocalConfig`]: how local connections are opened.

use std::time::Duration;

/// Options for opening a local database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalConfig {
    /// How long a connection waits for a lock held by another connection
    /// before failing with `SQLITE_BUSY` (default 5 s; zero fails at once).
    /// SQLite counts whole milliseconds in an `i32`: more than `i32::MAX` ms
    /// is refused at open with [`Error::Conversion`](sqlport_core::Error::Conversion).
    pub busy_timeout: Duration,
    /// Open read-only (default `false`).
    pub read_only: bool,
    /// Create the file if it does not exist (default `true`; files only).
    pub create: bool,
    /// Prepared statements kept per connection (default 64).
    pub statement_cache_capacity: usize,
    /// Put a file database in WAL mode (default `true`; files opened by path
    /// and not read-only only).
    pub wal: bool,
}

impl Default for LocalConfig {
    fn default() -> Self {
        LocalConfig {
            busy_timeout: Duration::from_secs(5),
            read_only: false,
            create: true,
            statement_cache_capacity: 64,
            wal: true,
        }
    }
}
