//! [`Pool`] (async, feature `async-pool`): a bounded set of reusable connections.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use sqlport_core::{Error, Result};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::loan::{self, Loan};
use super::{Counters, Idle, PoolOptions, PoolStatus};
use crate::{Connection, Database};

/// A connection pool (async, tokio); cheap to clone. The same rules as
/// [`blocking::Pool`](crate::blocking::Pool); waiters are served in order.
/// A connection returned with a transaction open is rolled back on a task
/// spawned on the current tokio runtime before it is reused (closed instead
/// when there is no runtime or the rollback fails).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> sqlport::Result<()> {
/// use sqlport::{Database, Pool, PoolOptions};
/// let pool = Pool::new(Database::open(":memory:")?, PoolOptions::new().max_size(4));
/// let mut conn = pool.get().await?;
/// conn.execute("CREATE TABLE t (x)", ()).await?;
/// drop(conn);
/// let mut again = pool.get().await?; // the same connection: its worker thread and cache too
/// assert_eq!(again.query_scalar::<i64>("SELECT count(*) FROM t", ()).await?, 0);
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
    /// One permit per connection that may be open.
    permits: Arc<Semaphore>,
    state: Mutex<State>,
    counters: Counters,
}

/// The idle connections. Those in use hold a permit each, so the open count
/// is the permits taken plus the idle ones (a cancelled `get()` leaves no
/// stale count behind).
#[derive(Default)]
struct State {
    idle: VecDeque<Idle<Connection>>,
}

loan::pool_debug!(Pool);

impl Pool {
    /// A pool of connections to `db`. Nothing is opened until `get()`.
    pub fn new(db: Database, options: PoolOptions) -> Pool {
        Pool {
            inner: Arc::new(Inner {
                db,
                permits: Arc::new(Semaphore::new(options.max_size)),
                options,
                state: Mutex::new(State::default()),
                counters: Counters::default(),
            }),
        }
    }

    /// A connection: an idle one, a new one, or the next one returned within
    /// the acquire timeout ([`Error::PoolTimeout`] after it). Cancel-safe:
    /// dropping the future gives up the place in the queue.
    pub async fn get(&self) -> Result<PooledConnection> {
        let inner = &self.inner;
        let started = Instant::now();
        let acquire = inner.permits.clone().acquire_owned();
        let permit = match tokio::time::timeout(inner.options.acquire_timeout, acquire).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_closed)) => return Err(Error::Closed),
            Err(_elapsed) => {
                Counters::bump(&inner.counters.timed_out);
                return Err(Error::PoolTimeout {
                    waited: started.elapsed(),
                });
            }
        };
        loop {
            let now = Instant::now();
            let idle = inner.lock().idle.pop_back();
            let Some(idle) = idle else { break };
            if inner.options.is_stale(&idle, now) {
                inner.discard(idle.conn).await;
                continue;
            }
            let check = inner.options.needs_check(&idle, now);
            let mut conn = idle.conn;
            if check && !healthy(&mut conn).await {
                inner.discard(conn).await;
                continue;
            }
            return Ok(self.hand_out(conn, idle.created, permit));
        }
        let conn = inner.db.connect().await?;
        Counters::bump(&inner.counters.created);
        Ok(self.hand_out(conn, Instant::now(), permit))
    }

    fn hand_out(
        &self,
        conn: Connection,
        created: Instant,
        permit: OwnedSemaphorePermit,
    ) -> PooledConnection {
        Counters::bump(&self.inner.counters.acquired);
        PooledConnection {
            loan: Loan::new(conn, created),
            permit: Some(permit),
            pool: self.inner.clone(),
        }
    }

    /// Counts and counters.
    pub fn status(&self) -> PoolStatus {
        let idle = self.inner.lock().idle.len();
        let max = self.inner.options.max_size;
        let in_use = max.saturating_sub(self.inner.permits.available_permits());
        self.inner.counters.status(max, in_use + idle, idle)
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

    /// Close a connection the pool gives up on.
    async fn discard(&self, conn: Connection) {
        loan::discarded(&self.counters, conn.close().await);
    }

    /// Keep a clean connection (the permit is released by the caller, after).
    fn keep(&self, conn: Connection, created: Instant) {
        self.lock().idle.push_back(Idle {
            conn,
            created,
            idle_since: Instant::now(),
        });
    }

    /// Close a connection without awaiting (it rolls back what it holds on drop).
    fn drop_conn(&self, conn: Connection) {
        Counters::bump(&self.counters.discarded);
        drop(conn);
    }
}

/// `SELECT 1` answers, with no transaction open.
async fn healthy(conn: &mut Connection) -> bool {
    conn.is_autocommit()
        && loan::healthy_answer(conn.query_scalar::<i64>(loan::HEALTH_SQL, ()).await)
}

/// A connection on loan from a [`Pool`]; use it as a [`Connection`] (it
/// dereferences to one). Dropping it returns the connection.
pub struct PooledConnection {
    loan: Loan<Connection>,
    permit: Option<OwnedSemaphorePermit>,
    pool: Arc<Inner>,
}

impl PooledConnection {
    /// Take the connection out of the pool for good.
    pub fn detach(mut self) -> Connection {
        self.loan.detach()
    }
}

loan::guard_of!(PooledConnection, Connection);

impl Drop for PooledConnection {
    fn drop(&mut self) {
        let (Some(mut conn), Some(permit)) = (self.loan.take(), self.permit.take()) else {
            return;
        };
        let pool = self.pool.clone();
        let created = self.loan.created;
        if pool.options.past_lifetime(created, Instant::now()) {
            pool.drop_conn(conn);
            return;
        }
        if conn.is_autocommit() {
            pool.keep(conn, created);
            drop(permit);
            return;
        }
        // A transaction is open: roll it back on a task before reuse; the
        // permit stays taken until then.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            pool.drop_conn(conn);
            return;
        };
        runtime.spawn(async move {
            let rollback = conn.execute("ROLLBACK", ()).await;
            let rolled_back = loan::reusable_after_rollback(rollback, || conn.is_autocommit());
            if rolled_back {
                pool.keep(conn, created);
            } else {
                pool.discard(conn).await;
            }
            drop(permit);
        });
    }
}
