//! The async backend (reqwest): send the bytes the protocol core builds, feed
//! status and body back. Natively async; never blocks the executor.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use futures_util::StreamExt as _;
use sqlport_core::{
    AsyncConnector, AsyncTransport, AuthToken, Batch, BatchResult, Capabilities, Error,
    RemoteTarget, Result, ResultSet, RowSink, Statement, Summary,
};
use tracing::Instrument as _;
use url::Url;

use crate::common::{self, CLIENT_VERSION, MAX_BODY_BYTES, Negotiated};
use crate::config::{HttpConfig, ProtocolVersion};
use crate::proto::client::{
    HttpRequest, HttpResponse, MAX_REQUESTS_PER_OPERATION, Method, Next, Output, Session, Version,
    cursor_read_error, too_many_requests,
};

/// Opens async HTTP connections to one remote database. One reqwest client
/// (connection pool) per connector, shared by its connections; the protocol
/// version is negotiated once, on the first connect.
///
/// ```no_run
/// # async fn demo() -> sqlport_core::Result<()> {
/// use sqlport_core::{AsyncTransport, RemoteTarget, Statement};
/// use sqlport_http::{AsyncHttpConnector, HttpConfig};
/// let target = RemoteTarget { url: "http://127.0.0.1:8080".parse().unwrap(), auth_token: None };
/// let connector = AsyncHttpConnector::new(&target, HttpConfig::default())?;
/// let mut conn = connector.connect_http().await?;
/// let rows = conn.execute(&Statement::new("SELECT 1")).await?;
/// assert_eq!(rows.rows.len(), 1);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AsyncHttpConnector {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    /// The whole-request timeout of every request but a streamed cursor.
    request_timeout: std::time::Duration,
    base: Url,
    token: Option<AuthToken>,
    setting: ProtocolVersion,
    version: Negotiated,
}

impl std::fmt::Debug for AsyncHttpConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = &self.inner;
        common::fmt_connector(
            f,
            "AsyncHttpConnector",
            &i.base,
            i.token.as_ref(),
            i.setting,
        )
    }
}

/// Why a request failed: the error, and whether it may have reached the server.
type SendError = (Error, bool);

impl AsyncHttpConnector {
    /// A connector for `target`. The token in `config` wins over the URL's.
    /// No request is sent yet.
    pub fn new(target: &RemoteTarget, config: HttpConfig) -> Result<Self> {
        let (base, token) = common::base_and_token(target, &config)?;
        // No client-wide total timeout: it would cut a long cursor. Each
        // request but a streamed cursor gets `request_timeout`; every read
        // (headers included) gets the idle timeout.
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(Error::transport)?;
        Ok(AsyncHttpConnector {
            inner: Arc::new(Inner {
                client,
                request_timeout: config.request_timeout,
                base,
                token,
                setting: config.version,
                version: Negotiated::new(config.version),
            }),
        })
    }

    /// Open a connection (negotiating the protocol version first if this is
    /// the connector's first connection and no version was forced).
    pub async fn connect_http(&self) -> Result<AsyncHttpTransport> {
        let version = self.inner.negotiate().await?;
        Ok(AsyncHttpTransport {
            inner: self.inner.clone(),
            session: Session::new(self.inner.base.clone(), version),
        })
    }
}

#[async_trait]
impl AsyncConnector for AsyncHttpConnector {
    async fn connect(&self) -> Result<Box<dyn AsyncTransport>> {
        Ok(Box::new(self.connect_http().await?))
    }
}

impl Inner {
    async fn negotiate(&self) -> Result<Version> {
        if let Some(v) = self.version.get() {
            return Ok(v);
        }
        for (candidate, req) in Negotiated::probes(&self.base) {
            let resp = self
                .send(&req, &common::request_span(&req))
                .await
                .map_err(|(e, _)| e)?;
            let status = resp.status().as_u16();
            let body = read_limited(resp).await.unwrap_or_default();
            if let Some(v) = self.version.on_probe(candidate, status, &body)? {
                return Ok(v);
            }
        }
        Ok(self.version.fallback())
    }

    /// Send one request inside `span`; the reply's body is left unread.
    async fn send(
        &self,
        req: &HttpRequest,
        span: &tracing::Span,
    ) -> std::result::Result<reqwest::Response, SendError> {
        let mut rb = match req.method {
            Method::Get => self.client.get(&req.url),
            Method::Post => self
                .client
                .post(&req.url)
                .header("content-type", "application/json")
                .body(req.body.clone()),
        };
        if !req.streaming {
            rb = rb.timeout(self.request_timeout);
        }
        rb = rb.header("x-libsql-client-version", CLIENT_VERSION);
        if let Some(h) = common::authorization(self.token.as_ref()) {
            rb = rb.header("authorization", h);
        }
        let result = rb.send().instrument(span.clone()).await;
        match result {
            Ok(resp) => {
                span.record("status", resp.status().as_u16());
                Ok(resp)
            }
            Err(e) => {
                let mapped = map_error(e);
                let _g = span.enter();
                tracing::debug!(error = %mapped.0, reached_server = mapped.1, "HTTP request failed");
                Err(mapped)
            }
        }
    }

    /// Send a request and read the whole reply.
    async fn exchange(&self, req: &HttpRequest) -> std::result::Result<HttpResponse, SendError> {
        let started = Instant::now();
        let span = common::request_span(req);
        let resp = self.send(req, &span).await?;
        let status = resp.status().as_u16();
        let body = read_limited(resp).await?;
        common::record_done(&span, body.len(), started);
        Ok(HttpResponse { status, body })
    }
}

async fn read_limited(resp: reqwest::Response) -> std::result::Result<Vec<u8>, SendError> {
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| (map_error(e).0, true))?;
        if (body.len() + chunk.len()) as u64 > MAX_BODY_BYTES {
            return Err((
                Error::Protocol(format!("reply body larger than {MAX_BODY_BYTES} bytes")),
                true,
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn map_error(e: reqwest::Error) -> SendError {
    // The URL carries no token, but an error need not repeat it either.
    let e = e.without_url();
    if e.is_connect() {
        let err = if e.is_timeout() {
            Error::Timeout(format!("connect timeout: {e}"))
        } else {
            Error::transport(e)
        };
        return (err, false);
    }
    if e.is_timeout() {
        return (Error::Timeout(e.to_string()), true);
    }
    (Error::transport(e), true)
}

/// An async connection to a remote database: one Hrana stream, kept only
/// while it holds state. See the crate docs for the round-trip budget.
pub struct AsyncHttpTransport {
    inner: Arc<Inner>,
    session: Session,
}

impl std::fmt::Debug for AsyncHttpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        common::fmt_transport(f, "AsyncHttpTransport", &self.inner.base, &self.session)
    }
}

impl AsyncHttpTransport {
    /// The negotiated protocol version.
    pub fn version(&self) -> Version {
        self.session.version()
    }

    /// Send what the session asks for and feed every reply back; the
    /// session bounds the requests ([`MAX_REQUESTS_PER_OPERATION`]).
    async fn drive(&mut self, mut next: Next) -> Result<Output> {
        for _ in 0..=MAX_REQUESTS_PER_OPERATION {
            let req = match next {
                Next::Done(out) => return Ok(out),
                Next::Send(req) => req,
            };
            next = match self.inner.exchange(&req).await {
                Ok(resp) => self.session.on_response(resp)?,
                Err((e, reached)) => self.session.on_transport_error(e, reached)?,
            };
        }
        Err(too_many_requests())
    }

    async fn cursor(
        &mut self,
        stmt: &Statement,
        sink: &mut (dyn RowSink + Send),
    ) -> Result<Summary> {
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
            let resp = match self.inner.send(&req, &span).await {
                Ok(r) => r,
                Err((e, reached)) => {
                    next = self.session.on_transport_error(e, reached)?;
                    continue;
                }
            };
            let status = resp.status().as_u16();
            if !resp.status().is_success() {
                let body = read_limited(resp).await.unwrap_or_default();
                next = self.session.on_response(HttpResponse { status, body })?;
                continue;
            }
            let mut reader = self.session.cursor_reader()?;
            let mut body = resp.bytes_stream();
            let mut received = 0usize;
            let read_error = loop {
                match body.next().await {
                    None => break None,
                    Some(Ok(chunk)) => {
                        received += chunk.len();
                        if let Some(done) = self.session.cursor_chunk(&mut reader, &chunk, sink) {
                            common::record_done(&span, received, started);
                            return done;
                        }
                    }
                    Some(Err(e)) => {
                        let timed_out = e.is_timeout();
                        break Some(cursor_read_error(timed_out, e.without_url()));
                    }
                }
            };
            common::record_done(&span, received, started);
            return self.session.cursor_finish(reader, read_error, sink);
        }
        Err(too_many_requests())
    }
}

#[async_trait]
impl AsyncTransport for AsyncHttpTransport {
    async fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        let next = self.session.execute(stmt)?;
        self.drive(next).await?.into_rows()
    }

    async fn query_stream(
        &mut self,
        stmt: &Statement,
        sink: &mut (dyn RowSink + Send),
    ) -> Result<Summary> {
        if self.session.supports_cursor() && !self.session.is_closed() {
            self.cursor(stmt, sink).await
        } else {
            let rs = self.execute(stmt).await?;
            sqlport_core::transport::feed(rs, sink)
        }
    }

    async fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        let next = self.session.batch(batch)?;
        self.drive(next).await?.into_batch()
    }

    fn is_autocommit(&self) -> bool {
        self.session.is_autocommit()
    }

    fn capabilities(&self) -> Capabilities {
        common::capabilities(self.session.version())
    }

    fn enqueue(&mut self, stmt: Statement) {
        self.session.enqueue(stmt);
    }

    async fn close(&mut self) -> Result<()> {
        let next = self.session.close()?;
        self.drive(next).await.map(|_| ())
    }
}

impl Drop for AsyncHttpTransport {
    fn drop(&mut self) {
        let Some(req) = self.session.close_on_drop() else {
            return;
        };
        // Best effort: the server rolls back what the stream left open (and
        // expires the stream anyway if this never arrives).
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let inner = self.inner.clone();
            handle.spawn(async move {
                let _ = inner.exchange(&req).await;
            });
        }
    }
}
