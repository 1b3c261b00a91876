//! A counting loopback TCP proxy: every client talks to the server through
//! it, and it counts new TCP connections and HTTP/1.1 requests (request heads
//! in the client-to-server byte stream; bodies skipped by `Content-Length` or
//! chunked framing). It runs on its own thread and runtime, and is used only in
//! the counting passes, never while timing.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Connections and requests seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// New TCP connections accepted.
    pub connections: u64,
    /// HTTP requests forwarded.
    pub requests: u64,
}

impl std::ops::Sub for Counts {
    type Output = Counts;
    fn sub(self, rhs: Counts) -> Counts {
        Counts {
            connections: self.connections - rhs.connections,
            requests: self.requests - rhs.requests,
        }
    }
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    requests: AtomicU64,
}

/// The proxy; dropping it stops it.
pub struct CountingProxy {
    addr: SocketAddr,
    counters: Arc<Counters>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for CountingProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingProxy")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl CountingProxy {
    /// Listen on `127.0.0.1:0` and forward to `upstream`.
    pub fn start(upstream: SocketAddr) -> io::Result<CountingProxy> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let c = counters.clone();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let thread = std::thread::Builder::new()
            .name("counting-proxy".into())
            .spawn(move || {
                rt.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(std_listener) else {
                        return;
                    };
                    loop {
                        tokio::select! {
                            _ = &mut stop_rx => return,
                            accepted = listener.accept() => {
                                let Ok((client, _)) = accepted else { continue };
                                c.connections.fetch_add(1, Ordering::SeqCst);
                                let c = c.clone();
                                tokio::spawn(async move {
                                    let _ = relay(client, upstream, c).await;
                                });
                            }
                        }
                    }
                });
            })?;
        Ok(CountingProxy {
            addr,
            counters,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` of the proxy.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        Counts {
            connections: self.counters.connections.load(Ordering::SeqCst),
            requests: self.counters.requests.load(Ordering::SeqCst),
        }
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn relay(client: TcpStream, upstream: SocketAddr, counters: Arc<Counters>) -> io::Result<()> {
    let server = TcpStream::connect(upstream).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async {
        let mut parser = RequestCounter::default();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = cr.read(&mut buf).await?;
            if n == 0 {
                sw.shutdown().await?;
                return io::Result::Ok(());
            }
            let seen = parser.feed(&buf[..n]);
            counters.requests.fetch_add(seen, Ordering::SeqCst);
            sw.write_all(&buf[..n]).await?;
        }
    };
    let down = async {
        tokio::io::copy(&mut sr, &mut cw).await?;
        cw.shutdown().await
    };
    let _ = tokio::join!(up, down);
    Ok(())
}

/// Counts HTTP/1.1 request heads in a client's byte stream.
#[derive(Debug, Default)]
pub struct RequestCounter {
    buf: Vec<u8>,
    state: State,
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Head,
    Body(u64),
    ChunkSize,
    ChunkData(u64),
}

impl RequestCounter {
    /// Feed bytes; returns how many request heads were completed.
    pub fn feed(&mut self, bytes: &[u8]) -> u64 {
        self.buf.extend_from_slice(bytes);
        let mut seen = 0;
        let mut pos = 0;
        // Bounded: every iteration consumes bytes or returns.
        loop {
            let rest = &self.buf[pos..];
            match self.state {
                State::Head => {
                    let mut headers = [httparse::EMPTY_HEADER; 64];
                    let mut req = httparse::Request::new(&mut headers);
                    match req.parse(rest) {
                        Ok(httparse::Status::Complete(len)) => {
                            seen += 1;
                            let mut chunked = false;
                            let mut length = 0u64;
                            for h in req.headers.iter() {
                                if h.name.eq_ignore_ascii_case("content-length") {
                                    length = std::str::from_utf8(h.value)
                                        .ok()
                                        .and_then(|v| v.trim().parse().ok())
                                        .unwrap_or(0);
                                } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                                    chunked = h.value.to_ascii_lowercase().ends_with(b"chunked");
                                }
                            }
                            pos += len;
                            self.state = if chunked {
                                State::ChunkSize
                            } else {
                                State::Body(length)
                            };
                        }
                        Ok(httparse::Status::Partial) => break,
                        Err(_) => {
                            // Not HTTP/1.1 we understand: stop counting this stream.
                            pos = self.buf.len();
                            break;
                        }
                    }
                }
                State::Body(n) => {
                    let take = (rest.len() as u64).min(n);
                    pos += take as usize;
                    if take == n {
                        self.state = State::Head;
                    } else {
                        self.state = State::Body(n - take);
                        break;
                    }
                }
                State::ChunkSize => {
                    let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
                        break;
                    };
                    let line = String::from_utf8_lossy(&rest[..eol]);
                    let hex = line.split(';').next().unwrap_or("").trim();
                    let size = u64::from_str_radix(hex, 16).unwrap_or(0);
                    pos += eol + 2;
                    // Data plus its CRLF; the last chunk (0) is followed by CRLF.
                    self.state = State::ChunkData(size + 2);
                    if size == 0 {
                        self.state = State::Body(2);
                    }
                }
                State::ChunkData(n) => {
                    let take = (rest.len() as u64).min(n);
                    pos += take as usize;
                    if take == n {
                        self.state = State::ChunkSize;
                    } else {
                        self.state = State::ChunkData(n - take);
                        break;
                    }
                }
            }
            if pos >= self.buf.len() && matches!(self.state, State::Head) {
                break;
            }
        }
        self.buf.drain(..pos.min(self.buf.len()));
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_pipelined_and_split_requests() {
        let mut c = RequestCounter::default();
        let a = b"POST /v3/pipeline HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
        let b = b"GET /v3 HTTP/1.1\r\nHost: x\r\n\r\n";
        let mut all = a.to_vec();
        all.extend_from_slice(b);
        assert_eq!(c.feed(&all), 2);
        // One byte at a time.
        let mut c = RequestCounter::default();
        let total: u64 = all.iter().map(|byte| c.feed(&[*byte])).sum();
        assert_eq!(total, 2);
        // Chunked body with a request after it.
        let mut c = RequestCounter::default();
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n";
        assert_eq!(c.feed(chunked), 2);
    }
}
