//! The blocking flavour: [`Database`] → [`Connection`] → [`Transaction`] /
//! [`Savepoint`] guards, [`PreparedStatement`] and [`Pool`]. The same types and
//! methods as the async flavour at the crate root, with plain methods instead
//! of `async` ones. Blocking users pull in no async
//! runtime.
//!
//! ```
//! use sqlport::blocking::Database;
//! # fn main() -> sqlport::Result<()> {
//! let db = Database::open(":memory:")?;
//! let mut conn = db.connect()?;
//! conn.execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)", ())?;
//! let mut tx = conn.transaction()?;
//! tx.execute("INSERT INTO kv VALUES (?, ?)", ("a", 1))?;
//! tx.commit()?;
//! let v: i64 = conn.query_scalar("SELECT v FROM kv WHERE k = ?", ["a"])?;
//! assert_eq!(v, 1);
//! # Ok(()) }
//! ```

mod connection;
mod database;
mod executor;
mod guard_methods;
mod prepared;
mod rows;
mod transaction;

pub use crate::pool::blocking::{Pool, PooledConnection};
pub use connection::Connection;
pub use database::Database;
pub use executor::Executor;
pub use prepared::PreparedStatement;
pub use rows::{CHUNK_ROWS, CHUNKS_IN_FLIGHT, Rows};
pub use transaction::{Savepoint, Transaction};
