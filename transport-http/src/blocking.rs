//! The blocking backend (ureq): one I/O loop, [`HttpTransport::drive`], that
//! sends the requests the protocol core builds and feeds status and body
//! chunks back. Everything else (versions, retries, cursors) is the core's.

use std::io::Read;
use std::sync::Arc;

use sqlport_core::{
    AuthToken, Batch, BatchResult, Capabilities, Connector, Error, RemoteTarget, Result, ResultSet,
    RowSink, Statement, Summary, Transport,
};
use url::Url;

use crate::config::HttpConfig;
use crate::proto::client::{
    HttpRequest, MAX_REQUESTS_PER_OPERATION, Method, Negotiated, Next, Output, Reply, Session,
    Version, too_many_requests,
};
use crate::redact;
use crate::sink::NoRows;
use crate::target::{self, CLIENT_VERSION};
use crate::trace::RequestTrace;

/// The most idle keep-alive connections an [`HttpConnector`] keeps for
/// later requests (each is one socket; ureq closes them after 15 s idle).
const MAX_IDLE_HTTP_CONNECTIONS: usize = 256;

/// Opens blocking HTTP connections to one remote database. One ureq agent
/// (connection pool) per connector, shared by its connections; the protocol
/// version is negotiated once, on the first connect.
///
/// ```no_run
/// use sqlport_core::{RemoteTarget, Statement, Transport};
/// use sqlport_http::{HttpConfig, HttpConnector};
/// let target = RemoteTarget { url: "http://127.0.0.1:8080".parse().unwrap(), auth_token: None };
/// let connector = HttpConnector::new(&target, HttpConfig::default())?;
/// let mut conn = connector.connect_http()?;
/// let rows = conn.execute(&Statement::new("SELECT 1"))?;
/// assert_eq!(rows.rows.len(), 1);
/// # Ok::<(), sqlport_core::Error>(())
/// ```
#[derive(Clone)]
pub struct HttpConnector {
    inner: Arc<Inner>,
}

struct Inner {
    agent: ureq::Agent,
    base: Url,
    token: Option<AuthToken>,
    setting: Option<Version>,
    versions: Arc<Negotiated>,
    /// [`HttpConfig::keep_idle_stream`].
    keep_idle: bool,
}

impl std::fmt::Debug for HttpConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = &self.inner;
        redact::fmt_connector(f, "HttpConnector", &i.base, i.token.as_ref(), i.setting)
    }
}

impl HttpConnector {
    /// A connector for `target`. The token in `config` wins over the URL's.
    /// No request is sent yet.
    pub fn new(target: &RemoteTarget, config: HttpConfig) -> Result<Self> {
        let (base, token) = target::base_and_token(target, &config)?;
        let roots: Vec<ureq::tls::Certificate<'static>> =
            crate::tls::trusted_roots(&config.extra_root_certs)?
                .iter()
                .map(|der| ureq::tls::Certificate::from_der(der.as_ref()).to_owned())
                .collect();
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.request_timeout))
            .timeout_per_read(Some(config.read_timeout))
            .max_redirects(0)
            // ureq keeps 3 idle connections per host by default: a pool of
            // more connections used from as many threads would then open
            // a new TCP connection for most requests (about 2.5× the client
            // CPU per query at 16 threads, BENCHMARKS.md). Keep as many as
            // reqwest would (it has no per-host limit), bounded.
            .max_idle_connections(MAX_IDLE_HTTP_CONNECTIONS)
            .max_idle_connections_per_host(MAX_IDLE_HTTP_CONNECTIONS)
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
                    .build(),
            )
            .build();
        Ok(HttpConnector {
            inner: Arc::new(Inner {
                agent: ureq::Agent::with_parts(
                    agent_config,
                    ureq::unversioned::transport::DefaultConnector::default(),
                    crate::resolve::CachingResolver::new(),
                ),
                base,
                token,
                setting: config.version,
                versions: Arc::new(Negotiated::new(config.version)),
                keep_idle: config.keep_idle_stream,
            }),
        })
    }

    /// Open a connection (negotiating the protocol version first if this is
    /// the connector's first connection and no version was forced).
    pub fn connect_http(&self) -> Result<HttpTransport> {
        let (session, next) = Session::connect(
            self.inner.base.clone(),
            &self.inner.versions,
            self.inner.keep_idle,
        );
        let mut conn = HttpTransport {
            inner: self.inner.clone(),
            session,
            read_buf: Vec::new(),
        };
        conn.drive(next, &mut NoRows)?;
        Ok(conn)
    }
}

impl Connector for HttpConnector {
    fn connect(&self) -> Result<Box<dyn Transport>> {
        Ok(Box::new(self.connect_http()?))
    }
}

/// Why a request failed: the error, and whether it may have reached the server.
type SendError = (Error, bool);

impl Inner {
    /// Send one request; the reply's body is left unread.
    fn send(
        &self,
        req: &HttpRequest,
        trace: &RequestTrace,
    ) -> std::result::Result<ureq::http::Response<ureq::Body>, SendError> {
        let _enter = trace.span.enter();
        let result = match req.method {
            Method::Get => self.with_headers(self.agent.get(&req.url)).call(),
            Method::Post => {
                let mut rb = self.agent.post(&req.url);
                if req.streaming {
                    // A streamed cursor has no whole-request deadline: the
                    // connect and per-read idle timeouts bound it.
                    rb = rb.config().timeout_global(None).build();
                }
                self.with_headers(rb)
                    .header("content-type", "application/json")
                    .send(&req.body[..])
            }
        };
        result.map_err(|e| {
            let mapped = map_error(e);
            trace.failed(&mapped.0, mapped.1);
            mapped
        })
    }

    fn with_headers<B>(&self, rb: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        let rb = rb.header("x-libsql-client-version", CLIENT_VERSION);
        match target::authorization(self.token.as_ref()) {
            Some(h) => rb.header("authorization", h),
            None => rb,
        }
    }
}

/// The size of a connection's body read buffer.
const READ_BUF: usize = 64 * 1024;

/// Feed a reply's body to `reply` until it ends or `reply` stops, reading
/// through `buf` (sized on first use); `Some(error)` when reading failed.
fn read_body(
    resp: ureq::http::Response<ureq::Body>,
    reply: &mut Reply,
    sink: &mut dyn RowSink,
    buf: &mut Vec<u8>,
) -> Option<Error> {
    let mut body = resp.into_body().into_with_config().limit(u64::MAX).reader();
    if buf.len() != READ_BUF {
        buf.resize(READ_BUF, 0);
    }
    loop {
        match body.read(buf) {
            Ok(0) => return None,
            Ok(n) => {
                if reply
                    .feed(buf.get(..n).unwrap_or_default(), sink)
                    .is_break()
                {
                    return None;
                }
            }
            Err(e) => return Some(read_error(e)),
        }
    }
}

fn map_error(e: ureq::Error) -> SendError {
    use ureq::Timeout as T;
    match e {
        ureq::Error::Timeout(t @ (T::Resolve | T::Connect)) => {
            (Error::Timeout(format!("{t} timeout (connect)")), false)
        }
        ureq::Error::Timeout(t) => (Error::Timeout(format!("{t} timeout")), true),
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => (Error::transport(e), false),
        ureq::Error::Io(io) => {
            let reached = !matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::AddrNotAvailable
            );
            (Error::Io(io), reached)
        }
        other => (Error::transport(other), true),
    }
}

/// A failed read of a reply body (ureq wraps its own error, a timeout
/// included, in the `io::Error` a body reader returns).
fn read_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::TimedOut {
        return Error::Timeout(format!("reading the reply: {e}"));
    }
    let wraps_ureq = e
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<ureq::Error>().is_some());
    if wraps_ureq {
        if let Some(Ok(u)) = e.into_inner().map(|inner| inner.downcast::<ureq::Error>()) {
            return map_error(*u).0;
        }
        return Error::Protocol("unreadable reply body".into());
    }
    Error::Io(e)
}

/// A blocking connection to a remote database: one Hrana stream, kept only
/// while it holds state. See the crate docs for the round-trip budget.
pub struct HttpTransport {
    inner: Arc<Inner>,
    session: Session,
    /// The buffer reply bodies are read into: allocated (and zeroed) on the
    /// first reply, then reused by every request of the connection.
    read_buf: Vec<u8>,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        redact::fmt_transport(f, "HttpTransport", &self.inner.base, &self.session)
    }
}

impl HttpTransport {
    /// The negotiated protocol version.
    pub fn version(&self) -> Version {
        self.session.version()
    }

    /// The I/O loop: send what the session asks for and feed every reply
    /// back (a cursor's rows go to `sink`); the session bounds the requests
    /// ([`MAX_REQUESTS_PER_OPERATION`]).
    fn drive(&mut self, next: Result<Next>, sink: &mut dyn RowSink) -> Result<Output> {
        let mut next = next?;
        for _ in 0..=MAX_REQUESTS_PER_OPERATION {
            let Next::Send(req) = next else {
                return next.into_output();
            };
            let trace = RequestTrace::start(&req);
            next = match self.inner.send(&req, &trace) {
                Err((e, reached)) => self.session.on_transport_error(e, reached)?,
                Ok(resp) => {
                    trace.status(resp.status().as_u16());
                    let mut reply = self.session.reply(resp.status().as_u16());
                    let read_error = read_body(resp, &mut reply, sink, &mut self.read_buf);
                    trace.done(reply.received());
                    self.session.on_reply(reply, read_error, sink)?
                }
            };
        }
        Err(too_many_requests())
    }
}

impl Transport for HttpTransport {
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        let next = self.session.execute(stmt);
        self.drive(next, &mut NoRows)?.into_rows()
    }

    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        let next = self.session.query_stream(stmt);
        self.drive(next, sink)?.into_summary()
    }

    fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        let next = self.session.batch(batch);
        self.drive(next, &mut NoRows)?.into_batch()
    }

    fn is_autocommit(&self) -> bool {
        self.session.is_autocommit()
    }

    fn capabilities(&self) -> Capabilities {
        self.session.capabilities()
    }

    fn close(&mut self) -> Result<()> {
        let next = self.session.close();
        self.drive(next, &mut NoRows).map(|_| ())
    }
}

impl Drop for HttpTransport {
    fn drop(&mut self) {
        if let Some(req) = self.session.close_on_drop() {
            // Best effort: the server rolls back what the stream left open.
            let _ = self.inner.send(&req, &RequestTrace::start(&req));
        }
    }
}
