//! Stopping statements: a per-statement deadline, a per-request cancel flag
//! (set when nobody waits for the answer any more) and the server's stop
//! flag, all checked by SQLite's progress handler on every stream connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::policy::Policy;
use super::response_budget::ResponseBudget;

/// Virtual-machine steps between two checks of the progress handler.
pub(crate) const PROGRESS_STEPS: i32 = 1000;

/// State every connection of one server shares.
#[derive(Debug, Default)]
pub(crate) struct ServerFlags {
    /// The server is stopping: every statement is interrupted.
    stopping: AtomicBool,
    /// Statements waiting for (or about to take) the write lock.
    write_waiters: AtomicUsize,
    /// Bytes of responses held at once, server-wide.
    pub(crate) responses: ResponseBudget,
}

impl ServerFlags {
    /// Flags for a server whose responses may hold `response_bytes` at once.
    pub(crate) fn new(response_bytes: usize) -> Self {
        ServerFlags {
            responses: ResponseBudget::new(response_bytes),
            ..ServerFlags::default()
        }
    }

    /// Interrupt every statement from now on.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// `true` once [`ServerFlags::stop`] was called.
    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// `true` while some statement waits to write.
    pub(crate) fn writer_waiting(&self) -> bool {
        self.write_waiters.load(Ordering::SeqCst) > 0
    }
}

/// Counts one statement as waiting for the write lock while it lives.
pub(crate) struct WriteWaiter(Arc<ServerFlags>);

impl WriteWaiter {
    /// Count a waiter.
    pub(crate) fn new(flags: &Arc<ServerFlags>) -> Self {
        flags.write_waiters.fetch_add(1, Ordering::SeqCst);
        WriteWaiter(Arc::clone(flags))
    }
}

impl Drop for WriteWaiter {
    fn drop(&mut self) {
        self.0.write_waiters.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The controls of one connection: its authorizer policy, the running
/// statement's deadline and the current request's cancel flag.
#[derive(Debug)]
pub(crate) struct Control {
    epoch: Instant,
    /// Milliseconds after `epoch`; `u64::MAX` when no statement runs.
    deadline_ms: AtomicU64,
    /// The current request's number.
    generation: AtomicU64,
    /// The number of the last request whose client went away.
    cancelled: AtomicU64,
    server: Arc<ServerFlags>,
    /// The authorizer's state.
    pub(crate) policy: Policy,
}

impl Control {
    /// Controls for a new connection.
    pub(crate) fn new(server: Arc<ServerFlags>, policy: Policy) -> Arc<Self> {
        Arc::new(Control {
            epoch: Instant::now(),
            deadline_ms: AtomicU64::new(u64::MAX),
            generation: AtomicU64::new(0),
            cancelled: AtomicU64::new(u64::MAX),
            server,
            policy,
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A statement starts: it may run for `timeout`.
    pub(crate) fn arm(&self, timeout: Duration) {
        let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.deadline_ms
            .store(self.now_ms().saturating_add(ms), Ordering::SeqCst);
    }

    /// The statement ended.
    pub(crate) fn disarm(&self) {
        self.deadline_ms.store(u64::MAX, Ordering::SeqCst);
    }

    /// Push the running statement's deadline back by `by` (time it spent
    /// waiting for a cursor reader does not count).
    pub(crate) fn extend(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .deadline_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |d| {
                (d != u64::MAX).then(|| d.saturating_add(ms))
            });
    }

    /// `true` when the running statement is past its deadline.
    pub(crate) fn timed_out(&self) -> bool {
        self.now_ms() > self.deadline_ms.load(Ordering::SeqCst)
    }

    /// A new request starts on this connection; returns its number.
    fn start_request(&self) -> u64 {
        self.generation
            .fetch_add(1, Ordering::SeqCst)
            .wrapping_add(1)
    }

    /// Nobody waits for request `generation` any more: stop its statement
    /// (a later request is not affected).
    fn cancel(&self, generation: u64) {
        self.cancelled.store(generation, Ordering::SeqCst);
    }

    /// `true` when the current request was abandoned or the server stops.
    pub(crate) fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst) == self.generation.load(Ordering::SeqCst)
            || self.server.is_stopping()
    }

    /// What the progress handler asks: stop the running statement?
    pub(crate) fn should_interrupt(&self) -> bool {
        self.cancelled() || self.timed_out()
    }

    /// The server's shared flags.
    pub(crate) fn server(&self) -> &Arc<ServerFlags> {
        &self.server
    }
}

/// Cancels a request's statement if dropped while armed: the handler's future
/// holds it, so when the client disconnects (hyper drops the future) the
/// statement running on the blocking pool stops at its next progress check.
pub(crate) struct CancelOnDrop {
    control: Option<Arc<Control>>,
    generation: u64,
}

impl CancelOnDrop {
    /// Start a request on `control`'s connection and guard it.
    pub(crate) fn new(control: Arc<Control>) -> Self {
        let generation = control.start_request();
        CancelOnDrop {
            control: Some(control),
            generation,
        }
    }

    /// The request finished: nothing to cancel.
    pub(crate) fn disarm(mut self) {
        self.control = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.control.take() {
            c.cancel(self.generation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_cancel_and_stop() {
        let flags = Arc::new(ServerFlags::default());
        let c = Control::new(flags.clone(), Policy::new());
        assert!(!c.should_interrupt());
        c.arm(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        assert!(c.timed_out());
        c.extend(Duration::from_secs(60));
        assert!(!c.timed_out());
        c.disarm();
        c.extend(Duration::from_secs(60));
        assert!(!c.should_interrupt());
        drop(CancelOnDrop::new(c.clone()));
        assert!(c.should_interrupt());
        let next = CancelOnDrop::new(c.clone());
        assert!(!c.should_interrupt(), "a new request starts uncancelled");
        // A late cancel of an earlier request does not touch the current one.
        let earlier = CancelOnDrop::new(c.clone());
        let current = CancelOnDrop::new(c.clone());
        drop(earlier);
        assert!(!c.should_interrupt());
        current.disarm();
        next.disarm();
        assert!(!c.should_interrupt());
        flags.stop();
        assert!(c.should_interrupt());
        let w = WriteWaiter::new(&flags);
        assert!(flags.writer_waiting());
        drop(w);
        assert!(!flags.writer_waiting());
    }
}
