//! The async backend (reqwest): one I/O loop, [`AsyncHttpTransport::drive`],
//! that sends the requests the protocol core builds and feeds status and
//! body chunks back. Natively async; never blocks the executor.

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::StreamExt as _;
use sqlport_core::{
    AsyncConnector, AsyncTransport, AuthToken, Batch, BatchResult, Capabilities, Error,
    RemoteTarget, Result, ResultSet, RowSink, Statement, Summary,
};
use tracing::Instrument as _;
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
    setting: Option<Version>,
    versions: Arc<Negotiated>,
    /// [`HttpConfig::keep_idle_stream`].
    keep_idle: bool,
}

impl std::fmt::Debug for AsyncHttpConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = &self.inner;
        let name = "AsyncHttpConnector";
        redact::fmt_connector(f, name, &i.base, i.token.as_ref(), i.setting)
    }
}

/// Why a request failed: the error, and whether it may have reached the server.
type SendError = (Error, bool);

impl AsyncHttpConnector {
    /// A connector for `target`. The token in `config` wins over the URL's.
    /// No request is sent yet.
    pub fn new(target: &RemoteTarget, config: HttpConfig) -> Result<Self> {
        let (base, token) = target::base_and_token(target, &config)?;
        // No client-wide total timeout: it would cut a long cursor. Each
        // request but a streamed cursor gets `request_timeout`; every read
        // (headers included) gets the idle timeout.
        let mut builder = reqwest::Client::builder().tls_built_in_root_certs(false);
        for der in crate::tls::trusted_roots(&config.extra_root_certs)? {
            let cert = reqwest::Certificate::from_der(der.as_ref())
                .map_err(|e| Error::InvalidCertificate(e.to_string()))?;
            builder = builder.add_root_certificate(cert);
        }
        let client = builder
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
                versions: Arc::new(Negotiated::new(config.version)),
                keep_idle: config.keep_idle_stream,
            }),
        })
    }

    /// Open a connection (negotiating the protocol version first if this is
    /// the connector's first connection and no version was forced).
    pub async fn connect_http(&self) -> Result<AsyncHttpTransport> {
        let (session, next) = Session::connect(
            self.inner.base.clone(),
            &self.inner.versions,
            self.inner.keep_idle,
        );
        let inner = self.inner.clone();
        let mut conn = AsyncHttpTransport { inner, session };
        conn.drive(next, &mut NoRows).await?;
        Ok(conn)
    }
}

#[async_trait]
impl AsyncConnector for AsyncHttpConnector {
    async fn connect(&self) -> Result<Box<dyn AsyncTransport>> {
        Ok(Box::new(self.connect_http().await?))
    }
}

impl Inner {
    /// Send one request; the reply's body is left unread.
    async fn send(
        &self,
        req: &HttpRequest,
        trace: &RequestTrace,
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
        if let Some(h) = target::authorization(self.token.as_ref()) {
            rb = rb.header("authorization", h);
        }
        let sent = rb.send().instrument(trace.span.clone()).await;
        sent.map_err(|e| {
            let mapped = map_error(e);
            trace.failed(&mapped.0, mapped.1);
            mapped
        })
    }
}

/// Feed a reply's body to `reply` until it ends or `reply` stops;
/// `Some(error)` when reading failed.
async fn read_body(
    resp: reqwest::Response,
    reply: &mut Reply,
    sink: &mut (dyn RowSink + Send),
) -> Option<Error> {
    let mut body = resp.bytes_stream();
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(bytes) if reply.feed(&bytes, sink).is_break() => return None,
            Ok(_) if sink.wants_pause() => sqlport_core::relay::yield_once().await,
            Ok(_) => {}
            Err(e) => return Some(map_error(e).0),
        }
    }
    None
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
        redact::fmt_transport(f, "AsyncHttpTransport", &self.inner.base, &self.session)
    }
}

impl AsyncHttpTransport {
    /// The negotiated protocol version.
    pub fn version(&self) -> Version {
        self.session.version()
    }

    /// The I/O loop: send what the session asks for and feed every reply
    /// back (a cursor's rows go to `sink`); the session bounds the requests
    /// ([`MAX_REQUESTS_PER_OPERATION`]).
    async fn drive(
        &mut self,
        next: Result<Next>,
        sink: &mut (dyn RowSink + Send),
    ) -> Result<Output> {
        let mut next = next?;
        for _ in 0..=MAX_REQUESTS_PER_OPERATION {
            let Next::Send(req) = next else {
                return next.into_output();
            };
            let trace = RequestTrace::start(&req);
            let sent = self.inner.send(&req, &trace).await;
            next = match sent {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    trace.status(status);
                    let mut reply = self.session.reply(status);
                    let read_error = read_body(resp, &mut reply, sink).await;
                    trace.done(reply.received());
                    self.session.on_reply(reply, read_error, sink)?
                }
                Err((e, reached)) => self.session.on_transport_error(e, reached)?,
            };
        }
        Err(too_many_requests())
    }
}

#[async_trait]
impl AsyncTransport for AsyncHttpTransport {
    async fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        let next = self.session.execute(stmt);
        self.drive(next, &mut NoRows).await?.into_rows()
    }

    async fn query_stream(
        &mut self,
        stmt: &Statement,
        sink: &mut (dyn RowSink + Send),
    ) -> Result<Summary> {
        let next = self.session.query_stream(stmt);
        self.drive(next, sink).await?.into_summary()
    }

    async fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        let next = self.session.batch(batch);
        self.drive(next, &mut NoRows).await?.into_batch()
    }

    fn is_autocommit(&self) -> bool {
        self.session.is_autocommit()
    }

    fn capabilities(&self) -> Capabilities {
        self.session.capabilities()
    }

    fn enqueue(&mut self, stmt: Statement) {
        self.session.enqueue(stmt);
    }

    async fn close(&mut self) -> Result<()> {
        let next = self.session.close();
        self.drive(next, &mut NoRows).await.map(|_| ())
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
                let trace = RequestTrace::start(&req);
                let _ = inner.send(&req, &trace).await;
            });
        }
    }
}
