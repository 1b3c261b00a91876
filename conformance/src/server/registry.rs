//! The stream registry: live streams with their current baton, tombstones of
//! expired ones, idle expiry, and leases that hand a stream to one request at
//! a time.
//!
//! A cursor gives its stream back to the client early, as sqld does: once
//! line 1 (the new baton) is out, the stream lent ([`Lease::lend`]): released
//! under the new baton while the cursor's batch still runs on its
//! connection. A request presenting that baton is let in and waits (bounded)
//! for the batch to hand the connection back ([`Loan::give_back`]); an older
//! baton is still stale and an unknown one invalid. The idle timer starts
//! when the connection comes back, so a lent stream never expires.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sqlport_http::proto::server::ServerStream;
use tokio::sync::oneshot;

use super::baton;
use super::executor::LocalExecutor;

/// How long an expired stream answers `STREAM_EXPIRED` (sqld: 300 s).
const TOMBSTONE_TTL: Duration = Duration::from_secs(300);
/// Most tombstones kept; beyond this an expired baton reads as invalid.
const MAX_TOMBSTONES: usize = 100_000;

/// A stream's connection and protocol state.
pub(crate) struct StreamData {
    /// The connection.
    pub(crate) exec: LocalExecutor,
    /// Stored SQL and other protocol state.
    pub(crate) proto: ServerStream,
}

enum SlotState {
    /// Waiting for the next request.
    Idle(Box<StreamData>),
    /// A request holds it (or its connection is being opened).
    Busy,
    /// Released to the client under its current baton, while a cursor's
    /// batch still runs on its connection ([`Loan`]).
    Lent,
    /// A request took the current baton of a lent stream and waits for the
    /// connection, which the cursor hands over through this channel.
    Awaited(oneshot::Sender<Box<StreamData>>),
}

struct Slot {
    seq: u64,
    baton: String,
    state: SlotState,
    last_used: Instant,
    client: Client,
}

/// Who holds a stream, for the per-client quota: a hash of the bearer token
/// when the server checks tokens, else of the client's IP address.
pub(crate) type Client = u64;

#[derive(Default)]
struct Inner {
    next_id: u64,
    streams: HashMap<u64, Slot>,
    tombstones: HashMap<u64, Instant>,
    per_client: HashMap<Client, usize>,
}

impl Inner {
    /// Remove a stream, keeping the per-client counts right.
    fn remove(&mut self, id: u64) -> Option<Slot> {
        let slot = self.streams.remove(&id)?;
        if let Some(n) = self.per_client.get_mut(&slot.client) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.per_client.remove(&slot.client);
            }
        }
        Some(slot)
    }
}

/// Why a baton did not give a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Unknown, malformed, or closed.
    Invalid,
    /// Already used, or the stream is busy with another request.
    Stale,
    /// The stream expired while idle.
    Expired,
    /// Opening a stream would exceed the limit.
    TooMany,
    /// Opening a stream would exceed this client's share.
    TooManyForClient,
    /// The stream's connection was still busy with a cursor's batch when the
    /// wait for it ran out; the baton stays valid.
    Occupied,
}

/// All streams of one server.
pub(crate) struct Registry {
    inner: Mutex<Inner>,
    idle_timeout: Duration,
    max_streams: usize,
    max_per_client: usize,
    transaction_timeout: Duration,
}

/// Exclusive use of one stream by one request. If dropped without
/// [`Lease::finish`] or [`Lease::lend`] (the client went away, or the
/// handler failed), the stream is removed; its connection, held by the
/// request, is dropped with it and rolls back.
pub(crate) struct Lease {
    registry: Arc<Registry>,
    id: u64,
    armed: bool,
}

/// A lent stream's connection, still used by a cursor's batch while the
/// stream itself is the client's again ([`Lease::lend`]). Given back with
/// [`Loan::give_back`]; [`Loan::destroy`] (or a drop) removes the stream.
pub(crate) struct Loan {
    registry: Arc<Registry>,
    id: u64,
    armed: bool,
}

/// What [`Registry::take`] found.
enum Taken {
    /// The stream's state, at once.
    Ready(Box<StreamData>),
    /// The stream is lent: its state comes once the cursor gives it back.
    Later(oneshot::Receiver<Box<StreamData>>),
}

impl Registry {
    /// An empty registry.
    pub(crate) fn new(
        idle_timeout: Duration,
        max_streams: usize,
        max_per_client: usize,
        transaction_timeout: Duration,
    ) -> Self {
        Registry {
            inner: Mutex::new(Inner::default()),
            idle_timeout,
            max_streams,
            max_per_client,
            transaction_timeout,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent
        // (every update is a single insert/remove), so recover from poison.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of live streams (idle or busy).
    pub(crate) fn open_streams(&self) -> usize {
        self.lock().streams.len()
    }

    /// Reserve a new stream for `client` (its connection is opened by the
    /// caller).
    pub(crate) fn open(self: &Arc<Self>, client: Client) -> Result<Lease, Refusal> {
        let mut inner = self.lock();
        if inner.streams.len() >= self.max_streams {
            return Err(Refusal::TooMany);
        }
        let held = inner.per_client.get(&client).copied().unwrap_or(0);
        if held >= self.max_per_client {
            return Err(Refusal::TooManyForClient);
        }
        inner.per_client.insert(client, held + 1);
        inner.next_id = inner.next_id.wrapping_add(1);
        let id = inner.next_id;
        inner.streams.insert(
            id,
            Slot {
                seq: 0,
                baton: String::new(),
                state: SlotState::Busy,
                last_used: Instant::now(),
                client,
            },
        );
        Ok(Lease {
            registry: Arc::clone(self),
            id,
            armed: true,
        })
    }

    /// Take the stream a baton designates. If it is lent to a cursor whose
    /// batch still runs, the stream is this request's at once (the baton is
    /// used) and the request waits up to `wait` for the connection;
    /// [`Refusal::Occupied`] if it does not come back in time (the stream is
    /// then lent again under the same baton).
    pub(crate) async fn acquire(
        self: &Arc<Self>,
        baton_text: &str,
        wait: Duration,
    ) -> Result<(Lease, Box<StreamData>), Refusal> {
        let (lease, taken) = self.take(baton_text)?;
        let mut rx = match taken {
            Taken::Ready(data) => return Ok((lease, data)),
            Taken::Later(rx) => rx,
        };
        match tokio::time::timeout(wait, &mut rx).await {
            Ok(Ok(data)) => Ok((lease, data)),
            // The cursor destroyed the stream (its reader stalled), or the
            // server is stopping: the stream is gone.
            Ok(Err(_)) => Err(Refusal::Invalid),
            Err(_) => lease.stop_waiting(rx),
        }
    }

    /// The synchronous part of [`Registry::acquire`].
    fn take(self: &Arc<Self>, baton_text: &str) -> Result<(Lease, Taken), Refusal> {
        let parts = baton::parse(baton_text).ok_or(Refusal::Invalid)?;
        let now = Instant::now();
        let mut inner = self.lock();
        let Some(slot) = inner.streams.get_mut(&parts.stream) else {
            return Err(if inner.tombstones.contains_key(&parts.stream) {
                Refusal::Expired
            } else {
                Refusal::Invalid
            });
        };
        if !baton::same(&slot.baton, baton_text) {
            return Err(if parts.seq < slot.seq {
                Refusal::Stale
            } else {
                Refusal::Invalid
            });
        }
        let taken = match &slot.state {
            SlotState::Busy | SlotState::Awaited(_) => return Err(Refusal::Stale),
            SlotState::Lent => {
                let (tx, rx) = oneshot::channel();
                slot.state = SlotState::Awaited(tx);
                Taken::Later(rx)
            }
            SlotState::Idle(_) => {
                if now.saturating_duration_since(slot.last_used) >= self.idle_timeout {
                    // Expired, though the sweeper has not run yet.
                    let removed = inner.remove(parts.stream);
                    tombstone(&mut inner, parts.stream, now);
                    drop(inner);
                    drop(removed);
                    return Err(Refusal::Expired);
                }
                let SlotState::Idle(data) = std::mem::replace(&mut slot.state, SlotState::Busy)
                else {
                    return Err(Refusal::Stale);
                };
                Taken::Ready(data)
            }
        };
        drop(inner);
        Ok((
            Lease {
                registry: Arc::clone(self),
                id: parts.stream,
                armed: true,
            },
            taken,
        ))
    }

    /// Remove the idle (or lent) stream whose current baton is `baton_text`
    /// (a request carrying it was malformed); an idle stream's state is
    /// returned to be dropped (a lent one's is dropped by its cursor).
    pub(crate) fn destroy(&self, baton_text: &str) -> Option<Box<StreamData>> {
        let parts = baton::parse(baton_text)?;
        let mut inner = self.lock();
        let slot = inner.streams.get(&parts.stream)?;
        if !baton::same(&slot.baton, baton_text)
            || !matches!(slot.state, SlotState::Idle(_) | SlotState::Lent)
        {
            return None;
        }
        match inner.remove(parts.stream)?.state {
            SlotState::Idle(data) => Some(data),
            _ => None,
        }
    }

    /// Expire idle streams: those idle for the timeout, or all of them when
    /// `force`. Returns their state, to be dropped (rolled back) by the caller
    /// outside the lock. Also forgets old tombstones, and, when
    /// `writer_waiting`, rolls back the transactions of idle streams that
    /// have held the write lock longer than the transaction timeout (their
    /// next request fails with `TRANSACTION_TIMEOUT`).
    pub(crate) fn expire(&self, force: bool, writer_waiting: bool) -> Vec<StreamData> {
        let now = Instant::now();
        let mut inner = self.lock();
        if writer_waiting {
            for slot in inner.streams.values_mut() {
                if let SlotState::Idle(data) = &mut slot.state {
                    let held = data
                        .exec
                        .write_lock_since()
                        .map(|t| now.saturating_duration_since(t));
                    if held.is_some_and(|h| h >= self.transaction_timeout) {
                        tracing::debug!(
                            "rolling back a transaction that held the write lock too long"
                        );
                        data.exec.roll_back_timed_out();
                    }
                }
            }
        }
        let due: Vec<u64> = inner
            .streams
            .iter()
            .filter(|(_, s)| {
                matches!(s.state, SlotState::Idle(_))
                    && (force || now.saturating_duration_since(s.last_used) >= self.idle_timeout)
            })
            .map(|(id, _)| *id)
            .collect();
        let mut out = Vec::with_capacity(due.len());
        for id in due {
            if let Some(Slot {
                state: SlotState::Idle(data),
                ..
            }) = inner.remove(id)
            {
                out.push(*data);
            }
            tombstone(&mut inner, id, now);
        }
        inner
            .tombstones
            .retain(|_, at| now.saturating_duration_since(*at) < TOMBSTONE_TTL);
        out
    }

    /// Drop every stream (server shutdown).
    pub(crate) fn clear(&self) -> Vec<StreamData> {
        let mut inner = self.lock();
        inner.per_client.clear();
        let slots: Vec<Slot> = inner.streams.drain().map(|(_, s)| s).collect();
        drop(inner);
        slots
            .into_iter()
            .filter_map(|s| match s.state {
                SlotState::Idle(d) => Some(*d),
                _ => None,
            })
            .collect()
    }
}

fn tombstone(inner: &mut Inner, id: u64, now: Instant) {
    if inner.tombstones.len() < MAX_TOMBSTONES {
        inner.tombstones.insert(id, now);
    }
}

impl Lease {
    /// Release the stream to the client under its next baton (returned)
    /// while the caller, a cursor, keeps using its connection: a request
    /// with the new baton waits for [`Loan::give_back`]. `None` when the
    /// stream was removed meanwhile (server shutdown).
    pub(crate) fn lend(mut self) -> (Loan, Option<String>) {
        self.armed = false;
        let mut inner = self.registry.lock();
        let baton = inner.streams.get_mut(&self.id).map(|slot| {
            slot.seq = slot.seq.wrapping_add(1);
            slot.baton = baton::issue(self.id, slot.seq);
            slot.state = SlotState::Lent;
            slot.baton.clone()
        });
        drop(inner);
        let loan = Loan {
            registry: Arc::clone(&self.registry),
            id: self.id,
            armed: true,
        };
        (loan, baton)
    }

    /// The wait for a lent stream's connection ran out: lend the stream
    /// again under the same baton, unless the connection came just now.
    fn stop_waiting(
        mut self,
        mut rx: oneshot::Receiver<Box<StreamData>>,
    ) -> Result<(Lease, Box<StreamData>), Refusal> {
        let mut inner = self.registry.lock();
        if let Some(slot) = inner.streams.get_mut(&self.id) {
            if matches!(slot.state, SlotState::Awaited(_)) {
                slot.state = SlotState::Lent;
                self.armed = false;
                return Err(Refusal::Occupied);
            }
        }
        drop(inner);
        // Given back (under the lock, so it is in the channel already), or
        // removed.
        match rx.try_recv() {
            Ok(data) => Ok((self, data)),
            Err(_) => Err(Refusal::Invalid),
        }
    }

    /// Give the stream back with its state and get the next baton; with
    /// `None` (closed, or destroyed by an error) the stream is removed.
    pub(crate) fn finish(mut self, data: Option<Box<StreamData>>) -> Option<String> {
        self.armed = false;
        let mut inner = self.registry.lock();
        let Some(data) = data else {
            let removed = inner.remove(self.id);
            drop(inner);
            drop(removed);
            return None;
        };
        let slot = inner.streams.get_mut(&self.id)?;
        slot.seq = slot.seq.wrapping_add(1);
        slot.baton = baton::issue(self.id, slot.seq);
        slot.state = SlotState::Idle(data);
        slot.last_used = Instant::now();
        Some(slot.baton.clone())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.armed {
            let removed = self.registry.lock().remove(self.id);
            drop(removed);
        }
    }
}

impl Loan {
    /// The cursor's batch is done with the connection: hand it to the
    /// request waiting for it, or make the stream idle (its idle timer
    /// starts now). If the stream was removed meanwhile, its state is
    /// dropped (rolled back).
    pub(crate) fn give_back(mut self, data: Box<StreamData>) {
        self.armed = false;
        let mut inner = self.registry.lock();
        let Some(slot) = inner.streams.get_mut(&self.id) else {
            // Removed meanwhile (a malformed request named its baton, or
            // server shutdown): drop it outside the lock.
            drop(inner);
            drop(data);
            return;
        };
        let data = match std::mem::replace(&mut slot.state, SlotState::Busy) {
            // The waiting request holds the stream now (`Busy`).
            SlotState::Awaited(tx) => match tx.send(data) {
                Ok(()) => return,
                // It went away, and its lease is about to remove the stream.
                Err(data) => data,
            },
            SlotState::Lent => data,
            // Not lent (cannot happen): keep the stream as it was.
            other => {
                slot.state = other;
                drop(inner);
                drop(data);
                return;
            }
        };
        slot.state = SlotState::Idle(data);
        slot.last_used = Instant::now();
    }

    /// Remove the stream (the cursor's reader stalled); the caller drops the
    /// connection, which rolls back.
    pub(crate) fn destroy(mut self) {
        self.armed = false;
        let removed = self.registry.lock().remove(self.id);
        drop(removed);
    }
}

impl Drop for Loan {
    fn drop(&mut self) {
        if self.armed {
            let removed = self.registry.lock().remove(self.id);
            drop(removed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(connector: &sqlport_local::LocalConnector) -> Box<StreamData> {
        let settings = crate::server::executor::ConnSettings {
            statement_timeout: Duration::from_secs(60),
            max_value_bytes: 1000,
        };
        let control = crate::server::control::Control::new(
            Arc::default(),
            crate::server::policy::Policy::new(),
        );
        Box::new(StreamData {
            exec: LocalExecutor::new(connector.connect_local().unwrap(), settings, control),
            proto: ServerStream::new(),
        })
    }

    /// Take a stream that is not lent (no waiting).
    fn acquire(r: &Arc<Registry>, baton: &str) -> Result<(Lease, Box<StreamData>), Refusal> {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(r.acquire(baton, Duration::ZERO))
    }

    /// `true` once a request waits for stream `baton`'s connection.
    fn awaited(r: &Registry, baton: &str) -> bool {
        let id = baton::parse(baton).unwrap().stream;
        r.lock()
            .streams
            .get(&id)
            .is_some_and(|s| matches!(s.state, SlotState::Awaited(_)))
    }

    /// Spawn a request for `baton` that waits up to an hour, and let it run
    /// until it waits.
    async fn waiter(
        r: &Arc<Registry>,
        baton: &str,
    ) -> tokio::task::JoinHandle<Result<(Lease, Box<StreamData>), Refusal>> {
        let (r2, b) = (Arc::clone(r), baton.to_owned());
        let task = tokio::spawn(async move { r2.acquire(&b, Duration::from_secs(3600)).await });
        for _ in 0..1000 {
            if awaited(r, baton) {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(awaited(r, baton), "the request waits for the connection");
        task
    }

    fn registry(max: usize) -> Arc<Registry> {
        Arc::new(Registry::new(
            Duration::from_secs(3600),
            max,
            max,
            Duration::from_secs(3600),
        ))
    }

    #[test]
    fn batons_are_single_use_and_busy_streams_are_stale() {
        let db = sqlport_local::LocalConnector::open_memory().unwrap();
        let r = registry(8);
        let b1 = r.open(1).unwrap().finish(Some(data(&db))).unwrap();
        let (lease, d) = acquire(&r, &b1).unwrap();
        // Busy with a request: the same baton is stale, not usable twice.
        assert_eq!(acquire(&r, &b1).err(), Some(Refusal::Stale));
        let b2 = lease.finish(Some(d)).unwrap();
        assert_ne!(b1, b2);
        assert_eq!(acquire(&r, &b1).err(), Some(Refusal::Stale));
        assert_eq!(acquire(&r, "garbage").err(), Some(Refusal::Invalid));
        let (lease, _d) = acquire(&r, &b2).unwrap();
        assert_eq!(lease.finish(None), None);
        assert_eq!(acquire(&r, &b2).err(), Some(Refusal::Invalid));
        assert_eq!(r.open_streams(), 0);
    }

    /// A cursor lends its stream: a request with the new baton waits for the
    /// connection and is woken when the cursor gives it back; the old baton
    /// is used, the new one taken once; the wait is bounded; a stalled
    /// cursor's stream is destroyed under its waiter; a waiter that goes
    /// away takes the stream with it; a lent stream never expires.
    #[tokio::test(start_paused = true)]
    async fn a_lent_stream_is_handed_to_the_request_waiting_for_it() {
        let db = sqlport_local::LocalConnector::open_memory().unwrap();
        let r = registry(8);
        let b1 = r.open(1).unwrap().finish(Some(data(&db))).unwrap();
        let (lease, d) = r.acquire(&b1, Duration::ZERO).await.unwrap();
        let (loan, b2) = lease.lend();
        let b2 = b2.unwrap();
        assert_ne!(b1, b2);
        let refused = |b: &str| {
            let (r, b) = (Arc::clone(&r), b.to_owned());
            async move { r.acquire(&b, Duration::ZERO).await.err() }
        };
        assert_eq!(refused(&b1).await, Some(Refusal::Stale));
        assert_eq!(refused("garbage").await, Some(Refusal::Invalid));
        assert!(
            r.expire(true, false).is_empty(),
            "a lent stream never expires"
        );
        // Not given back in time: refused, and the baton stays valid.
        let late = r.acquire(&b2, Duration::from_secs(5)).await;
        assert_eq!(late.err(), Some(Refusal::Occupied));
        // Woken when the connection comes back.
        let task = waiter(&r, &b2).await;
        assert_eq!(refused(&b2).await, Some(Refusal::Stale), "taken once");
        loan.give_back(d);
        let (lease, d) = task.await.unwrap().unwrap();
        let b3 = lease.finish(Some(d)).unwrap();
        assert_eq!(refused(&b2).await, Some(Refusal::Stale));

        // The cursor stalls and destroys the stream: its waiter learns it.
        let (lease, d) = r.acquire(&b3, Duration::ZERO).await.unwrap();
        let (loan, b4) = lease.lend();
        let task = waiter(&r, b4.as_deref().unwrap()).await;
        loan.destroy();
        drop(d);
        assert_eq!(task.await.unwrap().err(), Some(Refusal::Invalid));
        assert_eq!(r.open_streams(), 0);

        // The waiting client goes away (its request is dropped): the stream
        // goes with it, and the connection the cursor gives back is dropped.
        let b = r.open(1).unwrap().finish(Some(data(&db))).unwrap();
        let (lease, d) = r.acquire(&b, Duration::ZERO).await.unwrap();
        let (loan, b) = lease.lend();
        let task = waiter(&r, b.as_deref().unwrap()).await;
        task.abort();
        assert!(task.await.is_err_and(|e| e.is_cancelled()));
        assert_eq!(r.open_streams(), 0);
        loan.give_back(d);
        assert_eq!(r.open_streams(), 0);

        // The idle timer starts when the connection comes back.
        let zero = Arc::new(Registry::new(Duration::ZERO, 2, 2, Duration::ZERO));
        let (loan, b) = zero.open(1).unwrap().lend();
        assert!(zero.expire(false, false).is_empty());
        loan.give_back(data(&db));
        assert_eq!(zero.expire(false, false).len(), 1);
        assert_eq!(
            zero.acquire(b.as_deref().unwrap(), Duration::ZERO)
                .await
                .err(),
            Some(Refusal::Expired)
        );
    }

    #[test]
    fn an_abandoned_lease_removes_its_stream() {
        let db = sqlport_local::LocalConnector::open_memory().unwrap();
        let r = registry(8);
        let b = r.open(1).unwrap().finish(Some(data(&db))).unwrap();
        let (lease, d) = acquire(&r, &b).unwrap();
        drop(lease);
        drop(d);
        assert_eq!(r.open_streams(), 0);
        assert_eq!(acquire(&r, &b).err(), Some(Refusal::Invalid));
        drop(r.open(1).unwrap());
        assert_eq!(r.open_streams(), 0);
    }

    #[test]
    fn expiry_leaves_tombstones_and_limits_hold() {
        let db = sqlport_local::LocalConnector::open_memory().unwrap();
        let r = registry(2);
        let b1 = r.open(1).unwrap().finish(Some(data(&db))).unwrap();
        let busy = r.open(1).unwrap();
        assert!(matches!(r.open(1), Err(Refusal::TooMany)));
        assert_eq!(r.expire(false, false).len(), 0);
        assert_eq!(r.expire(true, false).len(), 1, "only idle streams expire");
        assert_eq!(acquire(&r, &b1).err(), Some(Refusal::Expired));
        let b3 = busy.finish(Some(data(&db))).unwrap();
        assert!(r.destroy("garbage").is_none());
        assert!(r.destroy(&b3).is_some());
        assert_eq!(acquire(&r, &b3).err(), Some(Refusal::Invalid));
        let zero = Arc::new(Registry::new(Duration::ZERO, 2, 2, Duration::ZERO));
        let b = zero.open(1).unwrap().finish(Some(data(&db))).unwrap();
        assert_eq!(acquire(&zero, &b).err(), Some(Refusal::Expired));
        assert_eq!(zero.clear().len(), 0);
    }

    #[test]
    fn one_client_cannot_take_every_stream() {
        let db = sqlport_local::LocalConnector::open_memory().unwrap();
        let r = Arc::new(Registry::new(
            Duration::from_secs(3600),
            4,
            2,
            Duration::from_secs(3600),
        ));
        let a1 = r.open(1).unwrap().finish(Some(data(&db))).unwrap();
        let _a2 = r.open(1).unwrap();
        assert_eq!(r.open(1).err(), Some(Refusal::TooManyForClient));
        let _b1 = r.open(2).unwrap();
        // Closing one gives the client its share back.
        let (lease, _d) = acquire(&r, &a1).unwrap();
        assert_eq!(lease.finish(None), None);
        let _a3 = r.open(1).unwrap();
        assert_eq!(r.open(1).err(), Some(Refusal::TooManyForClient));
        let _b2 = r.open(2).unwrap();
        assert_eq!(r.open(3).err(), Some(Refusal::TooMany));
    }

    #[test]
    fn a_held_write_lock_is_rolled_back_only_when_a_writer_waits() {
        use sqlport_http::proto::server::StreamExecutor as _;
        let dir = tempfile::tempdir().unwrap();
        let db = sqlport_local::LocalConnector::open_path(
            dir.path().join("t.db"),
            sqlport_local::LocalConfig::default(),
        )
        .unwrap();
        let r = Arc::new(Registry::new(
            Duration::from_secs(3600),
            4,
            4,
            Duration::ZERO,
        ));
        let mut d = data(&db);
        d.exec
            .execute(&sqlport_core::Statement::new("CREATE TABLE t (x)"))
            .unwrap();
        d.exec
            .execute(&sqlport_core::Statement::new("BEGIN IMMEDIATE"))
            .unwrap();
        assert!(d.exec.write_lock_since().is_some());
        let b = r.open(1).unwrap().finish(Some(d)).unwrap();
        // Nobody waits to write: the transaction stays, however long it is held.
        assert!(r.expire(false, false).is_empty());
        let (lease, d) = acquire(&r, &b).unwrap();
        assert!(!d.exec.is_autocommit());
        let b = lease.finish(Some(d)).unwrap();
        // A writer waits: rolled back, and the next request learns it.
        assert!(r.expire(false, true).is_empty(), "the stream itself stays");
        let (lease, mut d) = acquire(&r, &b).unwrap();
        assert!(d.exec.is_autocommit());
        assert!(d.exec.write_lock_since().is_none());
        let e = d
            .exec
            .execute(&sqlport_core::Statement::new("SELECT 1"))
            .unwrap_err();
        assert_eq!(e.kind(), sqlport_core::ErrorKind::TransactionTimeout);
        d.exec.end_request();
        assert!(
            d.exec
                .execute(&sqlport_core::Statement::new("SELECT 1"))
                .is_ok()
        );
        lease.finish(None);
    }
}
