//! [`Pool`] (blocking): a bounded set of reusable connections.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

use sqlport_core::{Error, Result};

use super::loan::{self, Loan};
use super::{Counters, Idle, PoolOptions, PoolStatus};
use crate::blocking::{Connection, Database};

/// A connection pool (blocking); cheap to clone, shared by threads. See the
/// [pool rules](crate::PoolOptions) (size, acquire timeout, idle expiry,
/// health check, rollback on return).
///
/// ```
/// use sqlport::blocking::{Database, Pool};
/// use sqlport::PoolOptions;
/// # fn main() -> sqlport::Result<()> {
/// let pool = Pool::new(Database::open(":memory:")?, PoolOptions::new().max_size(4));
/// {
///     let mut conn = pool.get()?;
///     conn.execute("CREATE TABLE t (x)", ())?;
///     let mut tx = conn.transaction()?;
///     tx.execute("INSERT INTO t VALUES (1)", ())?;
///     // tx dropped unfinished, conn returned: rolled back before reuse
/// }
/// let mut conn = pool.get()?;
/// assert!(conn.is_autocommit());
/// assert_eq!(conn.query_scalar::<i64>("SELECT count(*) FROM t", ())?, 0);
/// assert_eq!(pool.status().created, 1);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

struct Inner {
    db: Database,
    options: PoolOptions,
    state: Mutex<State>,
    returned: Condvar,
    counters: Counters,
}

#[derive(Default)]
struct State {
    idle: VecDeque<Idle<Connection>>,
    /// Open connections, idle or in use (or being opened).
    open: usize,
}

loan::pool_debug!(Pool);

impl Pool {
    /// A pool of connections to `db`. Nothing is opened until `get()`.
    pub fn new(db: Database, options: PoolOptions) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                db,
                options,
                state: Mutex::new(State::default()),
                returned: Condvar::new(),
                counters: Counters::default(),
            }),
        }
    }

    /// A connection: an idle one, a new one, or the next one returned within
    /// the acquire timeout ([`Error::PoolTimeout`] after it). An error opening
    /// a connection is returned as is.
    pub fn get(&self) -> Result<PooledConnection> {
        let inner = &self.inner;
        let started = Instant::now();
        let deadline = started + inner.options.acquire_timeout;
        let mut state = inner.lock();
        loop {
            let now = Instant::now();
            if let Some(idle) = state.idle.pop_back() {
                if inner.options.is_stale(&idle, now) {
                    state.open -= 1;
                    drop(state);
                    inner.discard(idle.conn);
                    state = inner.lock();
                    continue;
                }
                let check = inner.options.needs_check(&idle, now);
                drop(state);
                let mut conn = idle.conn;
                if check && !healthy(&mut conn) {
                    inner.discard(conn);
                    state = inner.lock();
                    state.open -= 1;
                    inner.returned.notify_one();
                    continue;
                }
                return Ok(self.hand_out(conn, idle.created));
            }
            if state.open < inner.options.max_size {
                state.open += 1;
                drop(state);
                return match inner.db.connect() {
                    Ok(conn) => {
                        Counters::bump(&inner.counters.created);
                        Ok(self.hand_out(conn, Instant::now()))
                    }
                    Err(e) => {
                        inner.lock().open -= 1;
                        inner.returned.notify_one();
                        Err(e)
                    }
                };
            }
            let Some(left) = deadline
                .checked_duration_since(now)
                .filter(|d| !d.is_zero())
            else {
                Counters::bump(&inner.counters.timed_out);
                return Err(Error::PoolTimeout {
                    waited: started.elapsed(),
                });
            };
            state = inner
                .returned
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    fn hand_out(&self, conn: Connection, created: Instant) -> PooledConnection {
        Counters::bump(&self.inner.counters.acquired);
        PooledConnection {
            loan: Loan::new(conn, created),
            pool: self.inner.clone(),
        }
    }

    /// Counts and counters.
    pub fn status(&self) -> PoolStatus {
        let state = self.inner.lock();
        self.inner
            .counters
            .status(self.inner.options.max_size, state.open, state.idle.len())
    }

    /// The database the pool connects to.
    pub fn database(&self) -> &Database {
        &self.inner.db
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Close a connection the pool gives up on (outside the lock).
    fn discard(&self, conn: Connection) {
        loan::discarded(&self.counters, conn.close());
    }

    /// A connection comes back: clean it, then keep it or close it.
    fn put_back(&self, mut conn: Connection, created: Instant) {
        let now = Instant::now();
        let clean = clean_up(&mut conn);
        if !clean || self.options.past_lifetime(created, now) {
            self.discard(conn);
            self.lock().open -= 1;
        } else {
            self.lock().idle.push_back(Idle {
                conn,
                created,
                idle_since: now,
            });
        }
        self.returned.notify_one();
    }
}

/// `SELECT 1` answers, with no transaction open.
fn healthy(conn: &mut Connection) -> bool {
    conn.is_autocommit() && loan::healthy_answer(conn.query_scalar::<i64>(loan::HEALTH_SQL, ()))
}

/// Roll back a transaction left open; `false` if the connection cannot be reused.
fn clean_up(conn: &mut Connection) -> bool {
    if conn.is_autocommit() {
        return true;
    }
    let rollback = conn.execute("ROLLBACK", ());
    loan::reusable_after_rollback(rollback, || conn.is_autocommit())
}

/// A connection on loan from a [`Pool`]; use it as a
/// [`Connection`](crate::blocking::Connection) (it dereferences to one). Dropping it
/// returns the connection, rolled back if it holds a transaction.
pub struct PooledConnection {
    loan: Loan<Connection>,
    pool: Arc<Inner>,
}

impl PooledConnection {
    /// Take the connection out of the pool for good: it no longer counts
    /// against `max_size` and is not returned.
    pub fn detach(mut self) -> Connection {
        let conn = self.loan.detach();
        self.pool.lock().open -= 1;
        self.pool.returned.notify_one();
        conn
    }
}

loan::guard_of!(PooledConnection, Connection);

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(conn) = self.loan.take() {
            self.pool.put_back(conn, self.loan.created);
        }
    }
}
