//! What both pools' guards and returns share: the loaned connection inside a
//! guard ([`Loan`]), the pool's `Debug`, and the decisions on a connection
//! coming back (rolled back and reusable, or closed) and a discarded one.

use std::fmt;
use std::time::Instant;

use sqlport_core::Result;

use super::Counters;

/// The connection is present until the guard is consumed (`Drop` or `detach`).
const TAKEN: &str = "a pooled connection is taken only when its guard is consumed";

/// The connection a guard lends out, and when it was opened.
pub(crate) struct Loan<C> {
    conn: Option<C>,
    pub(crate) created: Instant,
}

impl<C> Loan<C> {
    pub(crate) fn new(conn: C, created: Instant) -> Self {
        Loan {
            conn: Some(conn),
            created,
        }
    }

    /// The connection (the guard's `Deref`).
    pub(crate) fn get(&self) -> &C {
        self.conn.as_ref().expect(TAKEN)
    }

    /// The connection (the guard's `DerefMut`).
    pub(crate) fn get_mut(&mut self) -> &mut C {
        self.conn.as_mut().expect(TAKEN)
    }

    /// Take the connection as the guard is consumed (`None` the second time).
    pub(crate) fn take(&mut self) -> Option<C> {
        self.conn.take()
    }

    /// Take the connection for `detach` (which consumes the guard).
    pub(crate) fn detach(&mut self) -> C {
        self.conn.take().expect(TAKEN)
    }
}

impl<C: fmt::Debug> fmt::Debug for Loan<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledConnection")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

/// `Deref`/`DerefMut` to the connection, and `Debug`, for a guard with a
/// `loan: Loan<$conn>` field.
macro_rules! guard_of {
    ($guard:ty, $conn:ty) => {
        impl std::ops::Deref for $guard {
            type Target = $conn;
            fn deref(&self) -> &$conn {
                self.loan.get()
            }
        }

        impl std::ops::DerefMut for $guard {
            fn deref_mut(&mut self) -> &mut $conn {
                self.loan.get_mut()
            }
        }

        impl std::fmt::Debug for $guard {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.loan.fmt(f)
            }
        }
    };
}
pub(crate) use guard_of;

/// Both pools' `Debug` (the database and the status), for a pool with an
/// `inner.db` and a `status()`.
macro_rules! pool_debug {
    ($pool:ty) => {
        impl std::fmt::Debug for $pool {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Pool")
                    .field("db", &self.inner.db)
                    .field("status", &self.status())
                    .finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use pool_debug;

/// A returned connection's `ROLLBACK` came back as `rollback`: can it be
/// reused (`autocommit` is asked only when the rollback succeeded)?
pub(crate) fn reusable_after_rollback<T>(
    rollback: Result<T>,
    autocommit: impl FnOnce() -> bool,
) -> bool {
    match rollback {
        Ok(_) => autocommit(),
        Err(e) => {
            tracing::warn!(error = %e, "rolling back a returned pooled connection failed: closing it");
            false
        }
    }
}

/// A connection the pool gave up on was closed with `closed`.
pub(crate) fn discarded(counters: &Counters, closed: Result<()>) {
    Counters::bump(&counters.discarded);
    if let Err(e) = closed {
        tracing::debug!(error = %e, "closing a discarded pooled connection failed");
    }
}

/// The health check's query (asked only with no transaction open).
pub(crate) const HEALTH_SQL: &str = "SELECT 1";

/// The health check passed: [`HEALTH_SQL`] answered 1.
pub(crate) fn healthy_answer(answer: Result<i64>) -> bool {
    answer.is_ok_and(|v| v == 1)
}
