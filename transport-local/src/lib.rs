//! # sqlport-local
//!
//! The local transport of sqlport: SQLite (bundled) through `rusqlite`.
//!
//! - [`LocalConnector`] opens connections to one database: a file (WAL,
//!   `foreign_keys=ON`, busy timeout, prepared-statement cache), a SQLite
//!   `file:` URI, or `:memory:`, which every connection of one connector
//!   shares (SQLite's `memdb` VFS), so isolation between connections can be
//!   observed as with a file.
//! - [`LocalTransport`] implements [`sqlport_core::Transport`] with the
//!   contract documented in [`sqlport_core::transport`].
//! - [`async_connector`] gives the async flavour: each connection runs on its
//!   own worker thread ([`sqlport_core::AsyncOverBlocking`]).
//!
//! ```
//! use sqlport_core::{Statement, Transport};
//! use sqlport_local::LocalConnector;
//!
//! let db = LocalConnector::open_memory()?;
//! let mut conn = db.connect_local()?;
//! conn.execute(&Statement::new("CREATE TABLE t (x INTEGER)"))?;
//! conn.execute(&Statement::with_params("INSERT INTO t VALUES (?)", (42,))?)?;
//! let rs = conn.execute(&Statement::new("SELECT x FROM t"))?;
//! assert_eq!(rs.rows[0].get::<i64>("x")?, 42);
//! # Ok::<(), sqlport_core::Error>(())
//! ```
#![forbid(unsafe_code)]

mod batch;
mod bind;
mod config;
mod connector;
mod error;
mod exec;
mod meta;
mod prepared;
mod quick;
mod transport;

pub use config::LocalConfig;
pub use connector::{AsyncLocalConnector, LocalConnector, async_connector};
pub use error::map_error;
pub use rusqlite;
pub use sqlport_core::Description;
pub use transport::LocalTransport;
