//! The server's shared state, router and run loop ([`serve`], [`BoundServer`]).

use std::future::Future;
use std::hash::RandomState;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use hyper::body::Incoming;
use hyper::server::conn::http1::Builder;
use hyper_util::rt::{TokioIo, TokioTimer};
use sqlport_core::LocalTarget;
use sqlport_http::proto::server::{Limits, Version};
use sqlport_local::{LocalConfig, LocalConnector};
use tokio::sync::{Semaphore, watch};

use super::auth::Authenticator;
use super::config::ServerConfig;
use super::control::ServerFlags;
use super::executor::ConnSettings;
use super::handlers;
use super::registry::Registry;
use super::write_timeout::WriteTimeout;

/// State shared by every request of one server.
pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    pub(crate) connector: LocalConnector,
    pub(crate) registry: Arc<Registry>,
    pub(crate) auth: Option<Authenticator>,
    pub(crate) limits: Limits,
    pub(crate) settings: ConnSettings,
    pub(crate) flags: Arc<ServerFlags>,
    /// The pool of SQL work: one permit per request running SQL.
    pub(crate) pool: Arc<Semaphore>,
    /// Keys for hashing clients (tokens, addresses) for the per-client quota.
    pub(crate) client_keys: RandomState,
    pub(crate) requests: AtomicU64,
    pub(crate) connections: AtomicUsize,
    /// TCP connections accepted since the start (served ones, not the ones
    /// refused at the connection limit).
    pub(crate) accepted: AtomicU64,
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
        // A writer waits for the write lock until a transaction that holds it
        // too long has been rolled back, but never past the statement timeout
        // (SQLite's busy wait cannot be interrupted).
        let sweep = sweep_interval(&config);
        let busy_timeout = (config.transaction_timeout + sweep * 2 + Duration::from_secs(1))
            .min(config.statement_timeout);
        let local = LocalConfig::default().busy_timeout(busy_timeout);
        let connector = LocalConnector::open(&target, local).map_err(|e| {
            tracing::error!(error = %e, "cannot open the database");
            io::Error::other(format!("cannot open the database: {e}"))
        })?;
        let auth = config
            .auth
            .as_ref()
            .map(|a| Authenticator::new(a, config.jwt_require_exp))
            .transpose()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(Arc::new(Shared {
            registry: Arc::new(Registry::new(
                config.idle_timeout,
                config.max_streams.max(1),
                config.max_streams_per_client.max(1),
                config.transaction_timeout,
            )),
            limits: Limits {
                max_response_bytes: config.max_response_bytes,
                max_line_bytes: config.max_response_bytes,
            },
            settings: ConnSettings {
                statement_timeout: config.statement_timeout,
                max_value_bytes: config.max_value_bytes,
            },
            flags: Arc::new(ServerFlags::new(config.max_total_response_bytes)),
            pool: Arc::new(Semaphore::new(
                config
                    .max_concurrent_requests
                    .clamp(1, Semaphore::MAX_PERMITS),
            )),
            client_keys: RandomState::new(),
            connector,
            auth,
            requests: AtomicU64::new(0),
            connections: AtomicUsize::new(0),
            accepted: AtomicU64::new(0),
            _scratch: scratch,
            config,
        }))
    }

    /// Expire idle streams now (all of them when `force`), rolling back their
    /// connections on the calling thread; also roll back transactions that
    /// held the write lock too long while a writer waits.
    pub(crate) fn expire(&self, force: bool) {
        let expired = self.registry.expire(force, self.flags.writer_waiting());
        if !expired.is_empty() {
            tracing::debug!(count = expired.len(), "expired idle streams");
        }
        drop(expired);
    }
}

/// Count every request, and log method, path and status (never headers, so
/// never a token). A refused request whose body may not have been read gets
/// `Connection: close`: the server will not reuse that connection, and
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
            StatusCode::UNAUTHORIZED
                | StatusCode::FORBIDDEN
                | StatusCode::NOT_FOUND
                | StatusCode::METHOD_NOT_ALLOWED
                | StatusCode::REQUEST_TIMEOUT
                | StatusCode::PAYLOAD_TOO_LARGE
                | StatusCode::TOO_MANY_REQUESTS
                | StatusCode::SERVICE_UNAVAILABLE
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
        .route("/", get(handlers::root))
        .route("/health", get(handlers::health))
        .route("/version", get(handlers::version));
    if c.enable_v2 {
        app = app.route("/v2", get(handlers::hello)).route(
            "/v2/pipeline",
            post(|s: State<Arc<Shared>>, r: Request| handlers::pipeline(s, r, Version::V2)),
        );
    }
    if c.enable_v3 {
        app = app
            .route("/v3", get(handlers::hello))
            .route(
                "/v3/pipeline",
                post(|s: State<Arc<Shared>>, r: Request| handlers::pipeline(s, r, Version::V3)),
            )
            .route("/v3/cursor", post(handlers::cursor));
    }
    if c.enable_v1 {
        app = app
            .route("/v1", get(handlers::hello_v1))
            .route("/v1/execute", post(handlers::v1_execute))
            .route("/v1/batch", post(handlers::v1_batch));
    }
    // As on sqld: permissive CORS on every route (so browser clients work,
    // and preflights are answered), but not on the 404 of unknown paths.
    let cors = tower_http::cors::CorsLayer::new()
        .allow_methods(tower_http::cors::AllowMethods::any())
        .allow_headers(tower_http::cors::Any)
        .allow_origin(tower_http::cors::Any);
    app.layer(cors)
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            count_requests,
        ))
        .with_state(shared)
}

/// How often idle streams and long-held write locks are looked for.
fn sweep_interval(config: &ServerConfig) -> Duration {
    (config.idle_timeout.min(config.transaction_timeout) / 4)
        .clamp(Duration::from_millis(50), Duration::from_secs(1))
}

/// Serve one accepted connection until it ends, or until `stop` says so
/// (then finish the request in flight and close).
async fn serve_connection(
    tcp: tokio::net::TcpStream,
    write_timeout: Duration,
    peer: SocketAddr,
    app: Router,
    builder: Builder,
    mut stop: watch::Receiver<bool>,
) {
    // Cursor lines are small writes: without TCP_NODELAY, Nagle's algorithm
    // holds them back waiting for the client's (delayed) ACKs.
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY");
    }
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let mut app = app.clone();
        async move { tower_service::Service::call(&mut app, req).await }
    });
    // hyper has no write timeout: a client that stops reading a reply is
    // cut off by this wrapper, and the reply dropped.
    let io = TokioIo::new(WriteTimeout::new(tcp, write_timeout));
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        () = async { let _ = stop.wait_for(|s| *s).await; } => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Wait up to `limit` for every connection task to end.
async fn drain(
    tasks: &mut tokio::task::JoinSet<()>,
    limit: Duration,
) -> Result<(), tokio::time::error::Elapsed> {
    tokio::time::timeout(limit, async { while tasks.join_next().await.is_some() {} }).await
}

/// Serve on `listener` until `shutdown` resolves. Then no new connection is
/// accepted; running requests get half the grace period to finish, after
/// which their statements are interrupted, and the server is gone within the
/// grace period.
pub(crate) async fn run_on(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let sweeper = {
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(sweep_interval(&shared.config));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let shared = Arc::clone(&shared);
                // Dropping connections rolls back: keep it off the async workers.
                let _ = tokio::task::spawn_blocking(move || shared.expire(false)).await;
            }
        })
    };
    let app = router(Arc::clone(&shared));
    // HTTP/1.1 only (what every Hrana client speaks over http://): its
    // header-read timeout also closes connections that send nothing, and
    // keep-alive connections idle that long.
    let mut builder = Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(shared.config.header_read_timeout)
        .keep_alive(true);
    let connections = Arc::new(Semaphore::new(
        shared
            .config
            .max_connections
            .clamp(1, Semaphore::MAX_PERMITS),
    ));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of file descriptors, say: wait a little.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
                    tracing::debug!(%peer, "connection limit reached; closing a new connection");
                    drop(tcp);
                    continue;
                };
                let shared_count = Arc::clone(&shared);
                shared_count.connections.fetch_add(1, Ordering::SeqCst);
                shared_count.accepted.fetch_add(1, Ordering::Relaxed);
                let (app, builder, stop) = (app.clone(), builder.clone(), stop_rx.clone());
                let write_timeout = shared.config.write_timeout;
                tasks.spawn(async move {
                    serve_connection(tcp, write_timeout, peer, app, builder, stop).await;
                    shared_count.connections.fetch_sub(1, Ordering::SeqCst);
                    drop(permit);
                });
                while tasks.try_join_next().is_some() {}
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let half = shared.config.shutdown_grace / 2;
    if drain(&mut tasks, half).await.is_err() {
        tracing::info!("requests still running after half the grace period; interrupting them");
    }
    // Interrupt whatever still runs (and anything a connection might start).
    shared.flags.stop();
    if drain(&mut tasks, half).await.is_err() {
        tracing::warn!("connections still open at the end of the grace period; dropping them");
    }
    tasks.abort_all();
    sweeper.abort();
    let streams = shared.registry.clear();
    let _ = tokio::time::timeout(half, tokio::task::spawn_blocking(move || drop(streams))).await;
    drop(stop_tx);
    Ok(())
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
