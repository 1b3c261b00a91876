//! A fault-injecting HTTP proxy for tests: it sits on 127.0.0.1 between a
//! client and the reference server and, for the next request after
//! [`FaultProxy::arm`], does one of the [`Fault`]s instead of forwarding
//! faithfully. Every client connection carries one request: the proxy sends
//! `connection: close` both ways, so no fault leaks into a pooled connection.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Nothing listens: connecting is refused (until [`FaultProxy::disarm`]).
    Refuse,
    /// Read the request, then close the connection without forwarding it.
    DropBeforeForward,
    /// Forward the request, read the server's reply, then close the
    /// connection without replying.
    DropAfterForward,
    /// Hold the request until the client gives up (its timeout), then
    /// forward it anyway: the server runs it after the client reported a
    /// timeout.
    DelayPastTimeout,
    /// Reply with this status (502, 503) without forwarding.
    Status(u16),
    /// Forward, then send the reply's head and half of its body, then close.
    TruncatedBody,
    /// Forward, then send the reply's head and part of its body, then reset
    /// the connection (RST): a cursor cut in the middle.
    ResetMidBody,
    /// Forward, then answer with bytes that are not HTTP.
    Garbage,
}

impl Fault {
    /// Every fault, with both gateway statuses.
    pub const ALL: [Fault; 9] = [
        Fault::Refuse,
        Fault::DropBeforeForward,
        Fault::DropAfterForward,
        Fault::DelayPastTimeout,
        Fault::Status(502),
        Fault::Status(503),
        Fault::TruncatedBody,
        Fault::ResetMidBody,
        Fault::Garbage,
    ];

    /// Whether the request reaches the server (so a write in it is applied).
    pub fn reaches_server(self) -> bool {
        matches!(
            self,
            Fault::DropAfterForward
                | Fault::DelayPastTimeout
                | Fault::TruncatedBody
                | Fault::ResetMidBody
                | Fault::Garbage
        )
    }
}

/// Longest time the proxy waits for anything (a hang guard, never a pace).
const GUARD: Duration = Duration::from_secs(30);

/// Largest request or reply the proxy handles.
const MAX_BYTES: usize = 64 * 1024 * 1024;

#[derive(Default)]
struct State {
    armed: Mutex<Option<Fault>>,
    /// Requests forwarded after their client had given up.
    late_forwards: AtomicU64,
}

enum Control {
    /// Stop listening; reply once the listener is closed.
    Close(std::sync::mpsc::Sender<()>),
    /// Listen again on the same port; reply once bound.
    Open(std::sync::mpsc::Sender<std::io::Result<()>>),
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<State>,
    control: tokio::sync::mpsc::UnboundedSender<Control>,
    refusing: AtomicBool,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FaultProxy {
    /// Start a proxy on 127.0.0.1 in front of `upstream`.
    pub fn start(upstream: SocketAddr) -> FaultProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fault-proxy")
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let (control, commands) = tokio::sync::mpsc::unbounded_channel();
        runtime.spawn(accept_loop(
            listener,
            addr,
            upstream,
            state.clone(),
            commands,
        ));
        FaultProxy {
            addr,
            state,
            control,
            refusing: AtomicBool::new(false),
            runtime: Some(runtime),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Apply `fault` to the next request (or, for [`Fault::Refuse`], to
    /// every connection until [`FaultProxy::disarm`]).
    pub fn arm(&self, fault: Fault) {
        if fault == Fault::Refuse {
            let (tx, rx) = std::sync::mpsc::channel();
            self.control.send(Control::Close(tx)).unwrap();
            rx.recv_timeout(GUARD).expect("the listener closes");
            self.refusing.store(true, Ordering::SeqCst);
        } else {
            *self.state.armed.lock().unwrap() = Some(fault);
        }
    }

    /// Forward faithfully again.
    pub fn disarm(&self) {
        *self.state.armed.lock().unwrap() = None;
        if self.refusing.swap(false, Ordering::SeqCst) {
            let (tx, rx) = std::sync::mpsc::channel();
            self.control.send(Control::Open(tx)).unwrap();
            rx.recv_timeout(GUARD)
                .expect("the listener reopens")
                .expect("the port is free again");
        }
    }

    /// Requests forwarded after their client had given up, so far.
    pub fn late_forwards(&self) -> u64 {
        self.state.late_forwards.load(Ordering::SeqCst)
    }

    /// Wait (bounded) until `late_forwards()` reaches `n`.
    pub fn wait_late_forwards(&self, n: u64) {
        let deadline = Instant::now() + GUARD;
        while self.late_forwards() < n {
            assert!(Instant::now() < deadline, "the late forward never happened");
            std::thread::yield_now();
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    addr: SocketAddr,
    upstream: SocketAddr,
    state: Arc<State>,
    mut commands: tokio::sync::mpsc::UnboundedReceiver<Control>,
) {
    let mut listener = Some(listener);
    loop {
        let accepted = match &listener {
            Some(l) => tokio::select! {
                a = l.accept() => Some(a),
                c = commands.recv() => { handle(c, &mut listener, addr).await; None }
            },
            None => {
                let c = commands.recv().await;
                if c.is_none() {
                    return;
                }
                handle(c, &mut listener, addr).await;
                None
            }
        };
        if let Some(Ok((sock, _))) = accepted {
            let state = state.clone();
            tokio::spawn(async move {
                let _ = serve(sock, upstream, state).await;
            });
        }
    }
}

async fn handle(c: Option<Control>, listener: &mut Option<TcpListener>, addr: SocketAddr) {
    match c {
        Some(Control::Close(done)) => {
            *listener = None;
            let _ = done.send(());
        }
        Some(Control::Open(done)) => {
            let bound = TcpListener::bind(addr).await;
            let result = bound.map(|l| *listener = Some(l));
            let _ = done.send(result);
        }
        None => {}
    }
}

/// One HTTP message as raw bytes: the head (up to and including the blank
/// line) and the body.
struct Message {
    head: String,
    body: Vec<u8>,
}

impl Message {
    /// The head with every `connection` header replaced by `connection: close`.
    fn head_closing(&self) -> String {
        let mut lines: Vec<&str> = self
            .head
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
            .collect();
        lines.push("connection: close");
        format!("{}\r\n\r\n", lines.join("\r\n"))
    }
}

/// Read a request: head, then a body of `content-length` bytes.
async fn read_request(sock: &mut TcpStream) -> std::io::Result<Message> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let head_end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if buf.len() > MAX_BYTES {
            return Err(std::io::Error::other("request head too large"));
        }
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let len = head
        .to_ascii_lowercase()
        .lines()
        .find_map(|l| {
            l.strip_prefix("content-length:")
                .map(|v| v.trim().to_owned())
        })
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    if len > MAX_BYTES {
        return Err(std::io::Error::other("request body too large"));
    }
    while buf.len() < head_end + len {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(Message {
        head,
        body: buf[head_end..head_end + len].to_vec(),
    })
}

/// Send `req` to the server on a new connection that closes after the reply,
/// and read the whole reply (the close delimits it).
async fn forward(upstream: SocketAddr, req: &Message) -> std::io::Result<Message> {
    let mut up = TcpStream::connect(upstream).await?;
    up.write_all(req.head_closing().as_bytes()).await?;
    up.write_all(&req.body).await?;
    up.flush().await?;
    let mut raw = Vec::new();
    tokio::time::timeout(GUARD, up.read_to_end(&mut raw))
        .await
        .map_err(|_| std::io::Error::other("the server never finished its reply"))??;
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Err(std::io::Error::other("reply without a head"));
    };
    Ok(Message {
        head: String::from_utf8_lossy(&raw[..end + 4]).into_owned(),
        body: raw[end + 4..].to_vec(),
    })
}

/// Wait until the client closes its side (it gave up), bounded.
async fn client_gone(sock: &mut TcpStream) {
    let mut chunk = [0u8; 1024];
    let _ = tokio::time::timeout(GUARD, async {
        loop {
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
}

async fn serve(
    mut sock: TcpStream,
    upstream: SocketAddr,
    state: Arc<State>,
) -> std::io::Result<()> {
    let req = read_request(&mut sock).await?;
    let fault = state.armed.lock().unwrap().take();
    match fault {
        None | Some(Fault::Refuse) => {
            let reply = forward(upstream, &req).await?;
            sock.write_all(reply.head_closing().as_bytes()).await?;
            sock.write_all(&reply.body).await?;
            sock.flush().await?;
            let _ = sock.shutdown().await;
        }
        Some(Fault::DropBeforeForward) => drop(sock),
        Some(Fault::DropAfterForward) => {
            let _ = forward(upstream, &req).await?;
            drop(sock);
        }
        Some(Fault::DelayPastTimeout) => {
            client_gone(&mut sock).await;
            drop(sock);
            let _ = forward(upstream, &req).await;
            state.late_forwards.fetch_add(1, Ordering::SeqCst);
        }
        Some(Fault::Status(status)) => {
            let body = format!("<html><body>{status} from the proxy</body></html>");
            let reply = format!(
                "HTTP/1.1 {status} Gateway Trouble\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(reply.as_bytes()).await?;
            sock.flush().await?;
            let _ = sock.shutdown().await;
        }
        Some(Fault::TruncatedBody) => {
            let reply = forward(upstream, &req).await?;
            sock.write_all(reply.head_closing().as_bytes()).await?;
            sock.write_all(&reply.body[..reply.body.len() / 2]).await?;
            sock.flush().await?;
            let _ = sock.shutdown().await;
        }
        Some(Fault::ResetMidBody) => {
            let reply = forward(upstream, &req).await?;
            sock.write_all(reply.head_closing().as_bytes()).await?;
            sock.write_all(&reply.body[..reply.body.len() / 2]).await?;
            sock.flush().await?;
            sock.set_zero_linger()?;
            drop(sock);
        }
        Some(Fault::Garbage) => {
            let _ = forward(upstream, &req).await?;
            sock.write_all(b"\x00\xff\xfeNOT HTTP AT ALL\r\n\r\n{\"baton\":\x01}")
                .await?;
            sock.flush().await?;
            let _ = sock.shutdown().await;
        }
    }
    Ok(())
}
