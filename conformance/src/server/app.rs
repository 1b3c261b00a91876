//! The server's shared state, router and run loop ([`serve`], [`BoundServer`]).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use sqlport_core::LocalTarget;
use sqlport_http::proto::server::{Limits, Version};
use sqlport_local::{LocalConfig, LocalConnector};

use super::auth::Authenticator;
use super::config::ServerConfig;
use super::handlers;
use super::registry::Registry;

/// State shared by every request of one server.
pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    pub(crate) connector: LocalConnector,
    pub(crate) registry: Arc<Registry>,
    pub(crate) auth: Option<Authenticator>,
    pub(crate) limits: Limits,
    pub(crate) requests: AtomicU64,
    /// Holds the temporary database behind `:memory:`; deleted on drop.
    _scratch: Option<tempfile::TempDir>,
}

impl Shared {
    /// Open the database and check the auth configuration.
    ///
    /// `:memory:` is served from a fresh WAL database in a temporary directory
    /// (deleted with the server): one database shared by every stream, where,
    /// as on sqld, a writer does not block readers (SQLite's in-memory
    /// databases would make readers wait for the writer's lock).
    pub(crate) fn new(config: ServerConfig) -> io::Result<Arc<Shared>> {
        let (target, scratch) = match &config.database {
            LocalTarget::Memory => {
                let dir = tempfile::Builder::new()
                    .prefix("sqlport-server-")
                    .tempdir()?;
                (LocalTarget::Path(dir.path().join("memory.db")), Some(dir))
            }
            other => (other.clone(), None),
        };
        let connector = LocalConnector::open(&target, LocalConfig::default())
            .map_err(|e| io::Error::other(format!("cannot open the database: {e}")))?;
        let auth = config
            .auth
            .as_ref()
            .map(Authenticator::new)
            .transpose()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(Arc::new(Shared {
            registry: Arc::new(Registry::new(
                config.idle_timeout,
                config.max_streams.max(1),
            )),
            limits: Limits {
                max_response_bytes: config.max_response_bytes,
            },
            connector,
            auth,
            requests: AtomicU64::new(0),
            _scratch: scratch,
            config,
        }))
    }

    /// Expire idle streams now (all of them when `force`), rolling back their
    /// connections on the calling thread.
    pub(crate) fn expire(&self, force: bool) {
        let expired = self.registry.expire(force);
        if !expired.is_empty() {
            tracing::debug!(count = expired.len(), "expired idle streams");
        }
        drop(expired);
    }
}

/// Count every request, and log method, path and status (never headers, so
/// never a token). A refused request whose body was not read (404, 405, 413)
/// gets `Connection: close`: the server will not reuse that connection, and
/// saying so keeps clients from sending their next request into it.
async fn count_requests(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let has_body = req.headers().contains_key(header::TRANSFER_ENCODING)
        || req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let mut response = next.run(req).await;
    let status = response.status();
    if has_body
        && matches!(
            status,
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED | StatusCode::PAYLOAD_TOO_LARGE
        )
    {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    tracing::debug!(%method, %path, status = status.as_u16(), "request");
    response
}

/// Build the router for `shared`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let c = &shared.config;
    let mut app = Router::new()
        .route("/health", get(handlers::health))
        .route("/version", get(handlers::version));
    if c.enable_v2 {
        app = app.route("/v2", get(handlers::hello)).route(
            "/v2/pipeline",
            post(|s: State<Arc<Shared>>, h, b| handlers::pipeline(s, h, b, Version::V2)),
        );
    }
    if c.enable_v3 {
        app = app
            .route("/v3", get(handlers::hello))
            .route(
                "/v3/pipeline",
                post(|s: State<Arc<Shared>>, h, b| handlers::pipeline(s, h, b, Version::V3)),
            )
            .route("/v3/cursor", post(handlers::cursor));
    }
    if c.enable_v1 {
        app = app
            .route("/v1", get(handlers::hello_v1))
            .route("/v1/execute", post(handlers::v1_execute))
            .route("/v1/batch", post(handlers::v1_batch));
    }
    app.fallback(|| async { StatusCode::NOT_FOUND })
        .layer(DefaultBodyLimit::max(c.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            count_requests,
        ))
        .with_state(shared)
}

/// How often idle streams are looked for.
fn sweep_interval(idle: Duration) -> Duration {
    (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(1))
}

/// Serve on `listener` until `shutdown` resolves; in-flight requests then get
/// up to 5 s to finish.
pub(crate) async fn run_on(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let sweeper = {
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(sweep_interval(shared.config.idle_timeout));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let shared = Arc::clone(&shared);
                // Dropping connections rolls back: keep it off the async workers.
                let _ = tokio::task::spawn_blocking(move || shared.expire(false)).await;
            }
        })
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        let _ = stop_tx.send(());
    };
    let app = router(Arc::clone(&shared));
    // Cursor lines are small writes: without TCP_NODELAY, Nagle's algorithm
    // holds them back waiting for the client's (delayed) ACKs.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(signal)
        .into_future();
    let grace = async move {
        if stop_rx.await.is_ok() {
            tokio::time::sleep(Duration::from_secs(5)).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let result = tokio::select! {
        r = server => r,
        () = grace => Ok(()),
    };
    sweeper.abort();
    let streams = shared.registry.clear();
    let _ = tokio::task::spawn_blocking(move || drop(streams)).await;
    result
}

/// A server bound to its address but not yet serving (the CLI prints the
/// address first).
pub struct BoundServer {
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
}

impl BoundServer {
    /// Open the database and bind `config.listen`.
    pub async fn bind(config: ServerConfig) -> io::Result<BoundServer> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let shared = Shared::new(config)?;
        Ok(BoundServer { listener, shared })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serve until `shutdown` resolves.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        run_on(self.listener, self.shared, shutdown).await
    }
}

/// Run the reference server with `config` until `shutdown` resolves.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use sqlport_conformance::server::{serve, ServerConfig};
/// serve(ServerConfig::default(), async { let _ = tokio::signal::ctrl_c().await; }).await
/// # }
/// ```
pub async fn serve(
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    BoundServer::bind(config).await?.run(shutdown).await
}
