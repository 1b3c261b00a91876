//! [`LocalConfig`]: how local connections are opened.

use std::time::Duration;

/// Options for opening a local database. Built from
/// [`LocalConfig::default`] and its setters (`#[non_exhaustive]`: fields may
/// be added).
///
/// ```
/// use std::time::Duration;
/// let config = sqlport_local::LocalConfig::default()
///     .busy_timeout(Duration::from_secs(1))
///     .read_only(true);
/// assert!(config.read_only && config.wal);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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

impl LocalConfig {
    /// Set [`LocalConfig::busy_timeout`](LocalConfig::busy_timeout).
    pub fn busy_timeout(mut self, busy_timeout: Duration) -> Self {
        self.busy_timeout = busy_timeout;
        self
    }
    /// Set [`LocalConfig::read_only`](LocalConfig::read_only).
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = read_only;
        self
    }
    /// Set [`LocalConfig::create`](LocalConfig::create).
    pub fn create(mut self, create: bool) -> Self {
        self.create = create;
        self
    }
    /// Set [`LocalConfig::statement_cache_capacity`](LocalConfig::statement_cache_capacity).
    pub fn statement_cache_capacity(mut self, statement_cache_capacity: usize) -> Self {
        self.statement_cache_capacity = statement_cache_capacity;
        self
    }
    /// Set [`LocalConfig::wal`](LocalConfig::wal).
    pub fn wal(mut self, wal: bool) -> Self {
        self.wal = wal;
        self
    }
}
