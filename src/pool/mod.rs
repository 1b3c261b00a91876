//! The connection pool, in both flavours: [`blocking::Pool`](crate::blocking::Pool)
//! and (feature `async-pool`) [`Pool`](crate::Pool). What they share: the
//! options, the statistics, and when an idle connection is stale.
//!
//! A pool holds up to `max_size` open connections of one database. `get()`
//! hands out an idle one (the most recently returned first) or opens a new
//! one while fewer than `max_size` are open, else waits up to
//! `acquire_timeout` for one to come back, then fails with
//! [`Error::PoolTimeout`](crate::Error::PoolTimeout). A connection comes
//! back when its [`PooledConnection`](crate::blocking::PooledConnection)
//! guard is dropped, and only with no open transaction: one left open (a
//! dropped guard, an unfinished `BEGIN`, a lost transaction) is rolled back
//! first, and the connection is closed instead if that fails. Idle
//! connections older than `idle_timeout` (or any older than `max_lifetime`)
//! are closed rather than handed out, and one idle longer than the health
//! check's threshold is checked with `SELECT 1` first (closed and replaced if
//! that fails). Pooled local connections keep their worker thread (async)
//! and their prepared-statement cache; pooled remote ones keep their Hrana
//! stream state (PRAGMAs set on them persist, as on any connection).

pub(crate) mod blocking;
mod loan;
#[cfg(feature = "async-pool")]
pub(crate) mod nonblocking;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When a pooled connection taken from the idle set is checked (with
/// `SELECT 1`, costing one request on a remote database) before it is handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HealthCheck {
    /// Never: a broken connection surfaces as the caller's error.
    Never,
    /// Every time.
    Always,
    /// When it sat idle at least this long.
    AfterIdle(Duration),
}

/// How a pool behaves (both flavours).
///
/// ```
/// use std::time::Duration;
/// use sqlport::{HealthCheck, PoolOptions};
/// let options = PoolOptions::new()
///     .max_size(4)
///     .acquire_timeout(Duration::from_secs(2))
///     .idle_timeout(Some(Duration::from_secs(60)))
///     .health_check(HealthCheck::Always);
/// assert_eq!(options.get_max_size(), 4);
/// ```
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub(crate) max_size: usize,
    pub(crate) acquire_timeout: Duration,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) max_lifetime: Option<Duration>,
    pub(crate) health_check: HealthCheck,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 10,
            acquire_timeout: Duration::from_secs(30),
            idle_timeout: Some(Duration::from_secs(600)),
            max_lifetime: None,
            health_check: HealthCheck::AfterIdle(Duration::from_secs(30)),
        }
    }
}

impl PoolOptions {
    /// The defaults: 10 connections, 30 s acquire timeout, idle connections
    /// closed after 10 min, no maximum lifetime, a health check on
    /// connections idle for 30 s or more.
    pub fn new() -> Self {
        Self::default()
    }

    /// Most connections open at once (in use and idle); at least 1.
    pub fn max_size(mut self, max_size: usize) -> Self {
        self.max_size = max_size.max(1);
        self
    }

    /// How long `get()` waits for a connection when `max_size` are in use.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Close connections idle longer than this (`None`: keep them).
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Close connections older than this when they come back or are taken (`None`: no limit).
    pub fn max_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.max_lifetime = lifetime;
        self
    }

    /// When idle connections are checked before being handed out.
    pub fn health_check(mut self, check: HealthCheck) -> Self {
        self.health_check = check;
        self
    }

    /// The maximum number of connections.
    pub fn get_max_size(&self) -> usize {
        self.max_size
    }
}

/// A snapshot of a pool's state and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PoolStatus {
    /// `max_size`.
    pub max_size: usize,
    /// Connections open now (idle and in use).
    pub open: usize,
    /// Idle connections now.
    pub idle: usize,
    /// Connections handed out and not yet returned.
    pub in_use: usize,
    /// Connections opened since the pool was built.
    pub created: u64,
    /// Connections closed by the pool: stale, failed health check or
    /// rollback, beyond their lifetime.
    pub discarded: u64,
    /// Successful `get()` calls.
    pub acquired: u64,
    /// `get()` calls that failed with [`Error::PoolTimeout`](crate::Error::PoolTimeout).
    pub timed_out: u64,
}

/// The counters of a pool.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) created: AtomicU64,
    pub(crate) discarded: AtomicU64,
    pub(crate) acquired: AtomicU64,
    pub(crate) timed_out: AtomicU64,
}

impl Counters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn status(&self, max_size: usize, open: usize, idle: usize) -> PoolStatus {
        PoolStatus {
            max_size,
            open,
            idle,
            in_use: open.saturating_sub(idle),
            created: self.created.load(Ordering::Relaxed),
            discarded: self.discarded.load(Ordering::Relaxed),
            acquired: self.acquired.load(Ordering::Relaxed),
            timed_out: self.timed_out.load(Ordering::Relaxed),
        }
    }
}

/// An idle connection and its ages.
#[derive(Debug)]
pub(crate) struct Idle<C> {
    pub(crate) conn: C,
    pub(crate) created: Instant,
    pub(crate) idle_since: Instant,
}

impl PoolOptions {
    /// Too old to keep, by lifetime.
    pub(crate) fn past_lifetime(&self, created: Instant, now: Instant) -> bool {
        self.max_lifetime
            .is_some_and(|max| now.saturating_duration_since(created) >= max)
    }

    /// Too old to hand out.
    pub(crate) fn is_stale<C>(&self, idle: &Idle<C>, now: Instant) -> bool {
        self.past_lifetime(idle.created, now)
            || self
                .idle_timeout
                .is_some_and(|max| now.saturating_duration_since(idle.idle_since) >= max)
    }

    /// Needs a health check before being handed out.
    pub(crate) fn needs_check<C>(&self, idle: &Idle<C>, now: Instant) -> bool {
        match self.health_check {
            HealthCheck::Never => false,
            HealthCheck::Always => true,
            HealthCheck::AfterIdle(after) => {
                now.saturating_duration_since(idle.idle_since) >= after
            }
        }
    }
}
