//! [`TestServer`]: the reference server on its own runtime thread, for
//! blocking and async tests alike.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use super::app::{Shared, run_on};
use super::config::ServerConfig;

/// A running reference server. It listens once [`TestServer::start`] returns
/// and stops on [`TestServer::shutdown`] or drop.
///
/// ```
/// use sqlport_conformance::server::{ServerConfig, TestServer};
/// let server = TestServer::start(ServerConfig::default())?;
/// assert!(server.url().starts_with("http://127.0.0.1:"));
/// assert_eq!(server.open_streams(), 0);
/// server.shutdown();
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// Open the database, bind `config.listen` and start serving on a
    /// background thread with its own tokio runtime.
    pub fn start(config: ServerConfig) -> io::Result<TestServer> {
        let listener = std::net::TcpListener::bind(config.listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Shared::new(config)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<()>>();
        let served = Arc::clone(&shared);
        // The runtime is built, used and dropped on the server thread only, so
        // a caller inside an async context never drops a runtime.
        let thread = std::thread::Builder::new()
            .name("sqlport-test-server".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("sqlport-test-server")
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let result = runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener);
                    let listener = match listener {
                        Ok(l) => {
                            let _ = ready_tx.send(Ok(()));
                            l
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                            return Err(e);
                        }
                    };
                    run_on(listener, served, async {
                        let _ = stopped.await;
                    })
                    .await
                });
                if let Err(e) = result {
                    tracing::error!(error = %e, "reference server failed");
                }
                // `run_on` ended within the grace period; blocking work that
                // has not noticed yet is not waited for.
                runtime.shutdown_timeout(Duration::from_millis(100));
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = thread.join();
                return Err(e);
            }
            Err(_) => {
                let _ = thread.join();
                return Err(io::Error::other("the server thread exited during startup"));
            }
        }
        Ok(TestServer {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// HTTP requests received so far (every path and method, refused ones too).
    pub fn request_count(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Expire every idle stream now, as if its idle timeout had passed: their
    /// connections roll back and their batons answer `STREAM_EXPIRED`.
    pub fn expire_idle_streams(&self) {
        self.shared.expire(true);
    }

    /// Streams currently open (idle or busy).
    pub fn open_streams(&self) -> usize {
        self.shared.registry.open_streams()
    }

    /// TCP connections accepted and served since the start.
    pub fn accepted_connections(&self) -> u64 {
        self.shared.accepted.load(Ordering::Relaxed)
    }

    /// TCP connections currently open.
    pub fn open_connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Requests running SQL right now (slots taken in the bounded pool).
    pub fn busy_slots(&self) -> usize {
        self.shared
            .config
            .max_concurrent_requests
            .clamp(1, tokio::sync::Semaphore::MAX_PERMITS)
            .saturating_sub(self.shared.pool.available_permits())
    }

    /// Response bytes held right now, server-wide (see
    /// [`ServerConfig::max_total_response_bytes`]).
    pub fn response_bytes_held(&self) -> usize {
        self.shared.flags.responses.in_use()
    }

    /// The most response bytes ever held at once.
    pub fn peak_response_bytes_held(&self) -> usize {
        self.shared.flags.responses.peak()
    }

    /// Stop the server and wait for its thread.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
