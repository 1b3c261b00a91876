//! `POST /v3/cursor`: checks run first (a parse error is a 500 before any
//! body); then line 1 goes out with the next baton and entries follow as the
//! batch produces them, through a queue bounded in bytes.
//!
//! As on sqld, the stream is the client's again once line 1 is queued: it
//! is lent ([`super::registry::Lease::lend`]) while the batch runs on its
//! connection, and a request with the new baton waits (up to the queue
//! timeout) for the batch to give the connection back. So a client that
//! drops the body early and sends its next request at once (the official
//! Rust client does) finds its stream.
//!
//! A reader that goes away stops the batch (its statement is interrupted),
//! but the stream lives on with its transaction, under the baton of line 1,
//! as on sqld. A reader that stops reading for the stall timeout stops the
//! batch and loses the stream (destroyed, rolled back). A batch that fails
//! mid-body (403, an internal error) cuts the body short and keeps the
//! stream, as sqld does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use sqlport_http::proto::server::{cursor_head, cursor_trailer, prepare_cursor};
use sqlport_http::proto::wire;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use super::app::Shared;
use super::control::{CancelOnDrop, Control};
use super::response_budget::ResponseBudget;

use super::request::Admitted;
use super::responses::{fatal, internal};

/// Most bytes of queued lines sent to the socket in one piece.
const CHUNK: usize = 64 * 1024;

/// A queued line, with its room in the cursor's queue and in the server-wide
/// response budget (given back when the reader takes the line).
type Queued = (Bytes, OwnedSemaphorePermit, OwnedSemaphorePermit);

/// The cursor's output queue: lines wait here for the reader, at most
/// `capacity` bytes of them (a longer line takes the whole queue).
struct LineQueue {
    tx: mpsc::UnboundedSender<Queued>,
    room: Arc<Semaphore>,
    capacity: usize,
    stall: Duration,
    runtime: tokio::runtime::Handle,
    control: Arc<Control>,
    /// Set when a line was not queued because the reader stalled (as
    /// opposed to gone away).
    stalled: AtomicBool,
}

impl LineQueue {
    /// Queue one line (blocking thread only); `false` when the reader went
    /// away or did not make room within the stall timeout (then
    /// [`LineQueue::stalled`] is set).
    fn push(&self, mut line: String) -> bool {
        line.push('\n');
        let need = u32::try_from(line.len().min(self.capacity).max(1)).unwrap_or(u32::MAX);
        let room = Arc::clone(&self.room);
        let server = Arc::clone(self.control.server());
        let budget = &server.responses;
        // Fast path: there is room (no waiting, no timer).
        if let Ok(permit) = Arc::clone(&room).try_acquire_many_owned(need) {
            if let Some(held) = budget.try_take(line.len()) {
                return self.tx.send((Bytes::from(line), permit, held)).is_ok();
            }
            return self.wait_and_send(line, async { Ok(permit) }, budget);
        }
        self.wait_and_send(line, room.acquire_many_owned(need), budget)
    }

    /// Wait (at most the stall timeout) for room in the queue, then in the
    /// server-wide budget, and send `line`.
    fn wait_and_send(
        &self,
        line: String,
        room: impl std::future::Future<Output = Result<OwnedSemaphorePermit, tokio::sync::AcquireError>>,
        budget: &ResponseBudget,
    ) -> bool {
        let start = Instant::now();
        let len = line.len();
        let tx = &self.tx;
        let permits = self
            .runtime
            .block_on(tokio::time::timeout(self.stall, async move {
                let wait = async move {
                    let permit = room.await.ok()?;
                    let held = budget.take(len).await?;
                    Some((permit, held))
                };
                // A reader that goes away ends the wait at once.
                tokio::select! {
                    permits = wait => permits,
                    () = tx.closed() => None,
                }
            }));
        // Waiting for the reader is not the statement's running time.
        self.control.extend(start.elapsed());
        match permits {
            Ok(Some((permit, held))) => self.tx.send((Bytes::from(line), permit, held)).is_ok(),
            Ok(None) => false,
            Err(_) if self.tx.is_closed() => false,
            Err(_) => {
                tracing::debug!("cursor reader stalled; stopping the cursor");
                self.stalled.store(true, Ordering::SeqCst);
                false
            }
        }
    }
}

/// Run an admitted cursor request.
pub(crate) async fn run(shared: &Arc<Shared>, admitted: Admitted<wire::CursorRequest>) -> Response {
    let Admitted {
        access,
        req,
        lease,
        data,
        permit,
    } = admitted;
    let capacity = shared.config.cursor_queue_bytes.clamp(1, u32::MAX as usize);
    let (tx, rx) = mpsc::unbounded_channel::<Queued>();
    let queue = LineQueue {
        tx,
        room: Arc::new(Semaphore::new(capacity)),
        capacity,
        stall: shared.config.stall_timeout,
        runtime: tokio::runtime::Handle::current(),
        control: data.exec.control(),
        stalled: AtomicBool::new(false),
    };
    let limits = shared.limits;
    let cancel = CancelOnDrop::new(data.exec.control());
    // Set when the batch fails after the first line: the body then ends
    // with an error (cut short), as sqld's does.
    let aborted = Arc::new(AtomicBool::new(false));
    let abort = Arc::clone(&aborted);
    let (started_tx, started_rx) =
        tokio::sync::oneshot::channel::<Result<(), sqlport_http::proto::server::Fatal>>();
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let (lease, mut data) = (lease, data);
        data.exec.begin_request(access);
        let super::registry::StreamData { exec, proto } = &mut *data;
        let checked = prepare_cursor(proto, &req.batch, exec);
        let prepared = match checked {
            Ok(p) => p.with_max_line_bytes(limits.max_line_bytes),
            Err(failure) => {
                lease.finish(None);
                let _ = started_tx.send(Err(failure));
                return;
            }
        };
        if started_tx.send(Ok(())).is_err() {
            lease.finish(None);
            return;
        }
        // From here on the stream is the client's under the new baton (as
        // on sqld): lent before line 1 is queued, so a client that has read
        // it always finds the stream lent, never busy.
        let (loan, baton) = lease.lend();
        if !queue.push(cursor_head(baton.as_deref(), None)) {
            // Nobody ever saw the new baton.
            loan.destroy();
            return;
        }
        let outcome = prepared.run(exec, &mut |line| queue.push(line));
        data.exec.end_request();
        match outcome {
            Ok(true) => {
                // Give the connection back before the last line, so a
                // client that read to the end never has to wait for it.
                loan.give_back(data);
                let _ = queue.push(cursor_trailer());
            }
            Ok(false) if queue.stalled.load(Ordering::SeqCst) => {
                tracing::debug!("cursor reader stalled; stream destroyed");
                loan.destroy();
            }
            Ok(false) => {
                // As on sqld, the stream (and its transaction) outlives the
                // reader; its baton is the one of line 1.
                tracing::debug!("cursor reader went away; batch stopped");
                loan.give_back(data);
            }
            Err(f) => {
                // Too late for a status (a permission denied, as sqld checks
                // it once the batch starts, or an internal error such as a
                // TEXT value that is not UTF-8): end the body early (the
                // client sees a truncated cursor). The stream lives on, as
                // on sqld, where the baton of line 1 stays valid; so it does
                // when the failure is the interruption of a reader that went
                // away (or of a server that stops).
                abort.store(true, Ordering::SeqCst);
                if queue.control.cancelled() {
                    tracing::debug!(error = %f, "cursor cancelled mid-body; batch stopped");
                } else {
                    tracing::debug!(error = %f, "cursor failed mid-body; body cut short");
                }
                loan.give_back(data);
            }
        }
    });
    match started_rx.await {
        Ok(Ok(())) => {
            // The body owns the guard: if the client goes away, the body is
            // dropped and the batch's statement interrupted. Once the batch
            // has ended (the queue's sender is gone) there is nothing left
            // to cancel.
            let stream =
                futures_util::stream::unfold((rx, Some(cancel)), move |(mut rx, mut guard)| {
                    let aborted = Arc::clone(&aborted);
                    async move {
                        match rx.recv().await {
                            Some((line, permit, held)) => {
                                // Lines already queued go out together, in one
                                // chunk of at most CHUNK bytes.
                                let mut chunk = Vec::from(line);
                                drop((permit, held));
                                while chunk.len() < CHUNK {
                                    let Ok((line, permit, held)) = rx.try_recv() else {
                                        break;
                                    };
                                    chunk.extend_from_slice(&line);
                                    // The reader took the line: its room is free again.
                                    drop((permit, held));
                                }
                                Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), (rx, guard)))
                            }
                            None => {
                                if let Some(g) = guard.take() {
                                    g.disarm();
                                    if aborted.load(Ordering::SeqCst) {
                                        // Let the lines already given go
                                        // out first: an error from the body
                                        // closes the connection without
                                        // flushing what is buffered.
                                        tokio::task::yield_now().await;
                                        return Some((
                                            Err(std::io::Error::other("the cursor's batch failed")),
                                            (rx, None),
                                        ));
                                    }
                                }
                                None
                            }
                        }
                    }
                });
            let mut r = Response::new(Body::from_stream(stream));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            r
        }
        Ok(Err(f)) => {
            cancel.disarm();
            fatal(&f)
        }
        Err(_) => {
            cancel.disarm();
            match task.await {
                Err(e) => internal("the cursor's task failed", e),
                Ok(()) => internal("the cursor ended before it started", "no first line"),
            }
        }
    }
}
