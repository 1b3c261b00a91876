//! The work budget of a statement run inline on an async caller's thread
//! ([`Transport::try_execute_quick`](sqlport_core::Transport::try_execute_quick)):
//! a SQLite progress handler, installed on the connection the first time,
//! interrupts the statement once the budget's deadline has passed. Unarmed,
//! it costs one atomic load every [`CHECK_EVERY`] virtual-machine steps.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// How long a statement may run inline before it is interrupted and handed
/// to the worker thread instead.
pub(crate) const QUICK_BUDGET: Duration = Duration::from_micros(200);

/// SQLite virtual-machine steps between two deadline checks.
const CHECK_EVERY: i32 = 1000;

/// Nanoseconds after `base` when an armed run must stop; 0 when unarmed.
#[derive(Debug)]
pub(crate) struct QuickBudget {
    base: Instant,
    deadline: Arc<AtomicU64>,
}

impl QuickBudget {
    /// Install the progress handler on `conn`.
    pub(crate) fn install(conn: &Connection) -> QuickBudget {
        let base = Instant::now();
        let deadline = Arc::new(AtomicU64::new(0));
        let seen = deadline.clone();
        conn.progress_handler(
            CHECK_EVERY,
            Some(move || {
                let d = seen.load(Ordering::Relaxed);
                d != 0 && base.elapsed().as_nanos() as u64 > d
            }),
        );
        QuickBudget { base, deadline }
    }

    /// Allow `budget` from now.
    pub(crate) fn arm(&self, budget: Duration) {
        let d = (self.base.elapsed() + budget).as_nanos() as u64;
        self.deadline.store(d.max(1), Ordering::Relaxed);
    }

    /// No limit.
    pub(crate) fn disarm(&self) {
        self.deadline.store(0, Ordering::Relaxed);
    }
}
