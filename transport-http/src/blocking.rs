//! The blocking backend (ureq): send the bytes the protocol core builds, feed
//! status and body back.

use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use sqlport_core::{
    AuthToken, Batch, BatchResult, Capabilities, Connector, Error, RemoteTarget, Result, ResultSet,
    RowSink, Statement, Summary, Transport,
};
use url::Url;

use crate::common::{self, CLIENT_VERSION, MAX_BODY_BYTES, Negotiated};
use crate::config::{HttpConfig, ProtocolVersion};
use crate::proto::client::{
    HttpRequest, HttpResponse, MAX_REQUESTS_PER_OPERATION, Method, Next, Output, Session, Version,
    cursor_read_error, too_many_requests,
};

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
    setting: ProtocolVersion,
    version: Negotiated,
}

impl std::fmt::Debug for HttpConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = &self.inner;
        common::fmt_connector(f, "HttpConnector", &i.base, i.token.as_ref(), i.setting)
    }
}

impl HttpConnector {
    /// A connector for `target`. The token in `config` wins over the URL's.
    /// No request is sent yet.
    pub fn new(target: &RemoteTarget, config: HttpConfig) -> Result<Self> {
        let (base, token) = common::base_and_token(target, &config)?;
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.request_timeout))
            .timeout_per_read(Some(config.read_timeout))
            .max_redirects(0)
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                    .build(),
            )
            .build();
        Ok(HttpConnector {
            inner: Arc::new(Inner {
                agent: ureq::Agent::new_with_config(agent_config),
                base,
                token,
                setting: config.version,
                version: Negotiated::new(config.version),
            }),
        })
    }

    /// Open a connection (negotiating the protocol version first if this is
    /// the connector's first connection and no version was forced).
    pub fn connect_http(&self) -> Result<HttpTransport> {
        let version = self.inner.negotiate()?;
        Ok(HttpTransport {
            inner: self.inner.clone(),
            session: Session::new(self.inner.base.clone(), version),
        })
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
    fn negotiate(&self) -> Result<Version> {
        if let Some(v) = self.version.get() {
            return Ok(v);
        }
        for (candidate, req) in Negotiated::probes(&self.base) {
            let resp = self
                .send(&req, &common::request_span(&req))
                .map_err(|(e, _)| e)?;
            let status = resp.status().as_u16();
            let body = resp
                .into_body()
                .into_with_config()
                .limit(64 * 1024)
                .read_to_vec()
                .unwrap_or_default();
            if let Some(v) = self.version.on_probe(candidate, status, &body)? {
                return Ok(v);
            }
        }
        Ok(self.version.fallback())
    }

    /// Send one request inside `span`; the reply's body is left unread.
    fn send(
        &self,
        req: &HttpRequest,
        span: &tracing::Span,
    ) -> std::result::Result<ureq::http::Response<ureq::Body>, SendError> {
        let _enter = span.enter();
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
        match result {
            Ok(resp) => {
                span.record("status", resp.status().as_u16());
                Ok(resp)
            }
            Err(e) => {
                let mapped = map_error(e);
                tracing::debug!(error = %mapped.0, reached_server = mapped.1, "HTTP request failed");
                Err(mapped)
            }
        }
    }

    fn with_headers<B>(&self, rb: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        let rb = rb.header("x-libsql-client-version", CLIENT_VERSION);
        match common::authorization(self.token.as_ref()) {
            Some(h) => rb.header("authorization", h),
            None => rb,
        }
    }

    /// Send a request and read the whole reply.
    fn exchange(&self, req: &HttpRequest) -> std::result::Result<HttpResponse, SendError> {
        let started = Instant::now();
        let span = common::request_span(req);
        let resp = self.send(req, &span)?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .into_with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
            .map_err(|e| (map_error(e).0, true))?;
        common::record_done(&span, body.len(), started);
        Ok(HttpResponse { status, body })
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

/// Whether reading a body failed because a timeout fired (ureq wraps its
/// own error in the `io::Error` a body reader returns).
fn is_timeout(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<ureq::Error>())
            .is_some_and(|u| matches!(u, ureq::Error::Timeout(_)))
}

/// A blocking connection to a remote database: one Hrana stream, kept only
/// while it holds state. See the crate docs for the round-trip budget.
pub struct HttpTransport {
    inner: Arc<Inner>,
    session: Session,
}

impl std::fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        common::fmt_transport(f, "HttpTransport", &self.inner.base, &self.session)
    }
}

impl HttpTransport {
    /// The negotiated protocol version.
    pub fn version(&self) -> Version {
        self.session.version()
    }

    /// Send what the session asks for and feed every reply back; the
    /// session bounds the requests ([`MAX_REQUESTS_PER_OPERATION`]).
    fn drive(&mut self, mut next: Next) -> Result<Output> {
        for _ in 0..=MAX_REQUESTS_PER_OPERATION {
            let req = match next {
                Next::Done(out) => return Ok(out),
                Next::Send(req) => req,
            };
            next = match self.inner.exchange(&req) {
                Ok(resp) => self.session.on_response(resp)?,
                Err((e, reached)) => self.session.on_transport_error(e, reached)?,
            };
        }
        Err(too_many_requests())
    }

    fn cursor(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        let mut next = self.session.cursor(stmt)?;
        for _ in 0..=MAX_REQUESTS_PER_OPERATION {
            let req = match next {
                Next::Send(req) => req,
                Next::Done(_) => {
                    return Err(Error::Protocol("cursor finished without a body".into()));
                }
            };
            let started = Instant::now();
            let span = common::request_span(&req);
            let resp = match self.inner.send(&req, &span) {
                Ok(r) => r,
                Err((e, reached)) => {
                    next = self.session.on_transport_error(e, reached)?;
                    continue;
                }
            };
            let status = resp.status().as_u16();
            if !(200..300).contains(&status) {
                let body = resp
                    .into_body()
                    .into_with_config()
                    .limit(MAX_BODY_BYTES)
                    .read_to_vec()
                    .unwrap_or_default();
                next = self.session.on_response(HttpResponse { status, body })?;
                continue;
            }
            let mut reader = self.session.cursor_reader()?;
            let mut body = resp.into_body().into_with_config().limit(u64::MAX).reader();
            let mut buf = vec![0u8; 64 * 1024];
            let mut received = 0usize;
            let read_error = loop {
                match body.read(&mut buf) {
                    Ok(0) => break None,
                    Ok(n) => {
                        received += n;
                        let chunk = buf.get(..n).unwrap_or_default();
                        if let Some(done) = self.session.cursor_chunk(&mut reader, chunk, sink) {
                            common::record_done(&span, received, started);
                            return done;
                        }
                    }
                    Err(e) => {
                        break Some(cursor_read_error(is_timeout(&e), e));
                    }
                }
            };
            common::record_done(&span, received, started);
            return self.session.cursor_finish(reader, read_error, sink);
        }
        Err(too_many_requests())
    }
}

impl Transport for HttpTransport {
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        let next = self.session.execute(stmt)?;
        self.drive(next)?.into_rows()
    }

    fn query_stream(&mut self, stmt: &Statement, sink: &mut dyn RowSink) -> Result<Summary> {
        if self.session.supports_cursor() && !self.session.is_closed() {
            self.cursor(stmt, sink)
        } else {
            let rs = self.execute(stmt)?;
            sqlport_core::transport::feed(rs, sink)
        }
    }

    fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        let next = self.session.batch(batch)?;
        self.drive(next)?.into_batch()
    }

    fn is_autocommit(&self) -> bool {
        self.session.is_autocommit()
    }

    fn capabilities(&self) -> Capabilities {
        common::capabilities(self.session.version())
    }

    fn close(&mut self) -> Result<()> {
        let next = self.session.close()?;
        self.drive(next).map(|_| ())
    }
}

impl Drop for HttpTransport {
    fn drop(&mut self) {
        if let Some(req) = self.session.close_on_drop() {
            // Best effort: the server rolls back what the stream left open.
            let _ = self.inner.exchange(&req);
        }
    }
}
