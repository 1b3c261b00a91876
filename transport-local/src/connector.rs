//! [`LocalConnector`]: opens connections to one local database.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use sqlport_core::error::ConversionError;
use sqlport_core::{
    AsyncOverBlockingConnector, Capabilities, Capability, Connector, Error, LocalTarget, Result,
    Transport,
};

use crate::config::LocalConfig;
use crate::error::map_error;
use crate::transport::LocalTransport;

/// Opens connections to one local database: a file, a SQLite `file:` URI, or
/// an in-memory database shared by all connections of this connector.
///
/// Cheap to clone (clones share the database).
///
/// `:memory:` uses SQLite's `memdb` VFS under a unique name
/// (`file:/sqlport-mem-<random>?vfs=memdb`): every connection of the connector
/// sees the same database, with the same locking as a file in rollback-journal
/// mode (a writer makes other writers and readers get `SQLITE_BUSY` once their
/// busy timeout runs out). The connector keeps one anchor connection open, so
/// the database lives exactly as long as the connector and its clones.
#[derive(Clone)]
pub struct LocalConnector {
    inner: Arc<Inner>,
}

struct Inner {
    source: Source,
    config: LocalConfig,
}

enum Source {
    /// A shared memdb database; the anchor keeps it alive.
    Memory {
        uri: String,
        _anchor: Mutex<Connection>,
    },
    Path(PathBuf),
    Uri(String),
}

impl fmt::Debug for LocalConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = match &self.inner.source {
            Source::Memory { uri, .. } => format!("memory ({uri})"),
            Source::Path(p) => p.display().to_string(),
            Source::Uri(u) => u.clone(),
        };
        f.debug_struct("LocalConnector")
            .field("target", &target)
            .field("config", &self.inner.config)
            .finish()
    }
}

impl LocalConnector {
    /// Open (and check) a local database. A file is created unless
    /// `config.create` is `false`, and put in WAL mode when `config.wal`.
    ///
    /// ```
    /// use sqlport_core::{LocalTarget, Statement, Transport};
    /// use sqlport_local::{LocalConfig, LocalConnector};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let target = LocalTarget::Path(dir.path().join("app.db"));
    /// let db = LocalConnector::open(&target, LocalConfig::default())?;
    /// let mut a = db.connect_local()?;
    /// let mut b = db.connect_local()?;
    /// a.execute(&Statement::new("CREATE TABLE t (x)"))?;
    /// a.execute(&Statement::new("INSERT INTO t VALUES (1)"))?;
    /// let rs = b.execute(&Statement::new("SELECT count(*) FROM t"))?;
    /// assert_eq!(rs.rows[0].get::<i64>(0)?, 1);
    /// # Ok::<(), sqlport_core::Error>(())
    /// ```
    pub fn open(target: &LocalTarget, config: LocalConfig) -> Result<LocalConnector> {
        let source = match target {
            LocalTarget::Memory => {
                let uri = format!("file:/sqlport-mem-{:016x}?vfs=memdb", rand::random::<u64>());
                let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let anchor = Connection::open_with_flags(&uri, flags).map_err(map_error)?;
                Source::Memory {
                    uri,
                    _anchor: Mutex::new(anchor),
                }
            }
            LocalTarget::Path(p) => Source::Path(p.clone()),
            LocalTarget::Uri(u) => Source::Uri(u.clone()),
        };
        let connector = LocalConnector {
            inner: Arc::new(Inner { source, config }),
        };
        // Open once now: report a bad path early and set WAL mode once.
        let probe = connector.open_connection()?;
        let cfg = &connector.inner.config;
        if matches!(connector.inner.source, Source::Path(_)) && cfg.wal && !cfg.read_only {
            probe
                .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
                .map_err(map_error)?;
        }
        drop(probe);
        Ok(connector)
    }

    /// A new in-memory database, shared by this connector's connections.
    pub fn open_memory() -> Result<LocalConnector> {
        LocalConnector::open(&LocalTarget::Memory, LocalConfig::default())
    }

    /// Open a database file.
    pub fn open_path(path: impl AsRef<Path>, config: LocalConfig) -> Result<LocalConnector> {
        LocalConnector::open(&LocalTarget::Path(path.as_ref().to_path_buf()), config)
    }

    /// The configuration connections are opened with.
    pub fn config(&self) -> &LocalConfig {
        &self.inner.config
    }

    /// Open a new connection.
    pub fn connect_local(&self) -> Result<LocalTransport> {
        Ok(LocalTransport::new(
            self.open_connection()?,
            self.capabilities(),
        ))
    }

    /// What connections of this connector can do: everything, except that a
    /// private in-memory URI (`file::memory:` without `cache=shared`) gives
    /// each connection its own database, so
    /// [`Capability::SharedDatabase`] is missing there.
    pub fn capabilities(&self) -> Capabilities {
        match &self.inner.source {
            Source::Uri(uri) if uri_is_private_memory(uri) => {
                Capabilities::all().without(Capability::SharedDatabase)
            }
            _ => Capabilities::all(),
        }
    }

    fn open_connection(&self) -> Result<Connection> {
        let cfg = &self.inner.config;
        let mut flags = OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if cfg.read_only {
            flags |= OpenFlags::SQLITE_OPEN_READ_ONLY;
        } else {
            flags |= OpenFlags::SQLITE_OPEN_READ_WRITE;
            if cfg.create {
                flags |= OpenFlags::SQLITE_OPEN_CREATE;
            }
        }
        let conn = match &self.inner.source {
            Source::Memory { uri, .. } => {
                Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
            }
            Source::Path(p) => Connection::open_with_flags(p, flags),
            Source::Uri(u) => Connection::open_with_flags(u, flags | OpenFlags::SQLITE_OPEN_URI),
        }
        .map_err(map_error)?;
        conn.busy_timeout(busy_timeout_ms(cfg.busy_timeout)?)
            .map_err(map_error)?;
        conn.set_prepared_statement_cache_capacity(cfg.statement_cache_capacity);
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(map_error)?;
        Ok(conn)
    }
}

/// The busy timeout as SQLite takes it: whole milliseconds in an `i32`
/// (rusqlite panics on more; we refuse it rather than shorten it).
fn busy_timeout_ms(timeout: Duration) -> Result<Duration> {
    if i32::try_from(timeout.as_millis()).is_err() {
        return Err(Error::conversion(
            Some("busy_timeout".into()),
            ConversionError::OutOfRange {
                value: format!("{timeout:?}"),
                target: "SQLite busy timeout (at most i32::MAX milliseconds, about 24.8 days)",
            },
        ));
    }
    Ok(timeout)
}

/// A `file:` URI naming a per-connection in-memory database.
fn uri_is_private_memory(uri: &str) -> bool {
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    let memory =
        path == "file::memory:" || path == "file:" || query.split('&').any(|p| p == "mode=memory");
    memory && !query.split('&').any(|p| p == "cache=shared")
}

impl Connector for LocalConnector {
    fn connect(&self) -> Result<Box<dyn Transport>> {
        Ok(Box::new(self.connect_local()?))
    }
}

/// The async flavour of [`LocalConnector`]: each connection runs on its own
/// worker thread.
pub type AsyncLocalConnector = AsyncOverBlockingConnector<LocalConnector>;

/// Wrap a [`LocalConnector`] for async use (see [`AsyncLocalConnector`]).
///
/// ```
/// use sqlport_core::{AsyncConnector, Statement};
/// use sqlport_local::{LocalConnector, async_connector};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let db = async_connector(LocalConnector::open_memory()?);
/// let mut conn = db.connect().await?;
/// let rs = conn.execute(&Statement::new("SELECT 40 + 2")).await?;
/// assert_eq!(rs.rows[0].get::<i64>(0)?, 42);
/// # Ok::<(), sqlport_core::Error>(())
/// # }).unwrap();
/// ```
pub fn async_connector(c: LocalConnector) -> AsyncLocalConnector {
    AsyncOverBlockingConnector::new(c)
}
