//! The shell's connection, shared with a keep-alive thread for remote databases.
//!
//! A remote server expires an idle Hrana stream after about 10 s (sqld), and an
//! open transaction goes with it. A person typing a transaction line by line is
//! often slower than that, so while a transaction is open and the shell has been
//! idle for the keep-alive interval, a background thread runs `SELECT 1` inside it
//! (a read that touches no table). If that fails, the error is kept and reported
//! in place of the next statement, which is then not run: the transaction is gone
//! and the statement would otherwise silently run outside it. (The facade has no
//! way to send an empty keep-alive pipeline, so this costs one tiny statement.)

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sqlport::Error;
use sqlport::blocking::Connection;

/// The connection and what the keep-alive thread needs to know about it.
pub struct Shared {
    /// The one connection of the shell (one Hrana stream remotely).
    pub conn: Connection,
    /// When the connection was last used.
    pub last_used: Instant,
    /// A keep-alive that failed, to report before the next statement.
    pub lost: Option<Error>,
}

/// The shell's connection behind a mutex.
#[derive(Clone)]
pub struct SharedConnection(Arc<Mutex<Shared>>);

impl SharedConnection {
    /// Share `conn`.
    pub fn new(conn: Connection) -> Self {
        SharedConnection(Arc::new(Mutex::new(Shared {
            conn,
            last_used: Instant::now(),
            lost: None,
        })))
    }

    /// Lock the connection (a poisoned lock is still usable: the connection
    /// itself keeps its own state consistent).
    pub fn lock(&self) -> MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Take the connection back when no keep-alive thread holds it any more.
    pub fn into_inner(self) -> Option<Connection> {
        Arc::try_unwrap(self.0)
            .ok()
            .map(|m| m.into_inner().unwrap_or_else(|p| p.into_inner()).conn)
    }
}

/// A running keep-alive thread; stopped and joined on drop.
pub struct KeepAlive {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl KeepAlive {
    /// Keep `shared`'s open transactions alive, checking every `interval / 4`
    /// and pinging after `interval` of idleness.
    pub fn start(shared: SharedConnection, interval: Duration) -> std::io::Result<KeepAlive> {
        let (stop, stopped) = mpsc::channel::<()>();
        let tick = (interval / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let thread = std::thread::Builder::new()
            .name("sqlport-shell-keepalive".into())
            .spawn(move || {
                loop {
                    match stopped.recv_timeout(tick) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                    let mut s = shared.lock();
                    if s.lost.is_some()
                        || s.conn.is_autocommit()
                        || s.last_used.elapsed() < interval
                    {
                        continue;
                    }
                    if let Err(e) = s.conn.query("SELECT 1", ()) {
                        s.lost = Some(e);
                    }
                    s.last_used = Instant::now();
                }
            })?;
        Ok(KeepAlive {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for KeepAlive {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
