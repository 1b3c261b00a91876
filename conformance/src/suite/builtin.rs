//! The built-in subjects: local (blocking and async) and HTTP (blocking and
//! async) against the in-process reference server or any URL.

use std::sync::Arc;

use sqlport::blocking::Database;
use sqlport::{AuthToken, Error, LocalTarget, RemoteTarget, Result, Target};
use sqlport_http::{AsyncHttpConnector, HttpConfig, HttpConnector};
use sqlport_local::{LocalConfig, LocalConnector, async_connector};

use super::blocking_over_async::BlockingOverAsyncConnector;
use super::subject::{Fixture, Subject};
#[cfg(feature = "server")]
use crate::server::{ServerConfig, TestServer};

/// Name of the local blocking subject.
pub const LOCAL: &str = "local";
/// Name of the local async subject.
pub const LOCAL_ASYNC: &str = "local-async";
/// Name of the blocking HTTP subject.
pub const HTTP: &str = "http";
/// Name of the async HTTP subject.
pub const HTTP_ASYNC: &str = "http-async";

fn local_db(target: &LocalTarget) -> Result<Database> {
    Ok(Database::from_connector(LocalConnector::open(
        target,
        LocalConfig::default(),
    )?))
}

fn local_async_db(target: &LocalTarget) -> Result<Database> {
    let connector = async_connector(LocalConnector::open(target, LocalConfig::default())?);
    Ok(Database::from_connector(BlockingOverAsyncConnector::new(
        Arc::new(connector),
    )?))
}

fn http_config(token: Option<AuthToken>) -> HttpConfig {
    HttpConfig::default().auth_token(token)
}

fn http_db(target: &RemoteTarget) -> Result<Database> {
    let connector = HttpConnector::new(target, http_config(target.auth_token.clone()))?;
    Ok(Database::from_connector(connector))
}

fn http_async_db(target: &RemoteTarget) -> Result<Database> {
    let connector = AsyncHttpConnector::new(target, http_config(target.auth_token.clone()))?;
    Ok(Database::from_connector(BlockingOverAsyncConnector::new(
        Arc::new(connector),
    )?))
}

/// The in-process reference server (stopped when dropped).
#[cfg(feature = "server")]
pub type ServerGuard = TestServer;

/// Start an in-process reference server (in-memory database, 127.0.0.1:0).
#[cfg(feature = "server")]
pub fn start_server() -> Result<(TestServer, RemoteTarget)> {
    let server =
        TestServer::start(ServerConfig::default()).map_err(|e| Error::transport(e.to_string()))?;
    let target = remote_target(&server.url().to_string(), None)?;
    Ok((server, target))
}

/// Parse `url` as a remote target, with an optional token.
pub fn remote_target(url: &str, token: Option<AuthToken>) -> Result<RemoteTarget> {
    match Target::parse(url)? {
        Target::Remote(mut remote) => {
            if token.is_some() {
                remote.auth_token = token;
            }
            Ok(remote)
        }
        Target::Local(_) => Err(Error::InvalidName {
            name: url.to_owned(),
            reason: "expected a remote URL".into(),
        }),
    }
}

/// Local, blocking: a fresh in-memory database per case.
pub fn local() -> Subject {
    Subject::isolated(LOCAL, || Ok(Fixture::new(local_db(&LocalTarget::Memory)?)))
}

/// Local through the async transport (worker thread): a fresh in-memory
/// database per case.
pub fn local_async() -> Subject {
    Subject::isolated(LOCAL_ASYNC, || {
        Ok(Fixture::new(local_async_db(&LocalTarget::Memory)?))
    })
}

/// Blocking HTTP against a fresh in-process reference server per case.
#[cfg(feature = "server")]
pub fn http_blocking() -> Subject {
    Subject::isolated(HTTP, || {
        let (server, target) = start_server()?;
        Ok(Fixture::with_guard(http_db(&target)?, server))
    })
}

/// Async HTTP against a fresh in-process reference server per case.
#[cfg(feature = "server")]
pub fn http_async() -> Subject {
    Subject::isolated(HTTP_ASYNC, || {
        let (server, target) = start_server()?;
        Ok(Fixture::with_guard(http_async_db(&target)?, server))
    })
}

/// Blocking HTTP against `target` (one database shared by the cases).
pub fn http_blocking_at(target: RemoteTarget) -> Subject {
    Subject::new(HTTP, move || Ok(Fixture::new(http_db(&target)?)))
}

/// Async HTTP against `target` (one database shared by the cases).
pub fn http_async_at(target: RemoteTarget) -> Subject {
    Subject::new(HTTP_ASYNC, move || {
        Ok(Fixture::new(http_async_db(&target)?))
    })
}

/// Both flavours of the transport a NAME selects: local blocking and async for
/// a local NAME (one database, shared by the cases), HTTP blocking and async
/// for a URL. `token` overrides a token in the URL.
pub fn for_name(name: &str, token: Option<AuthToken>) -> Result<Vec<Subject>> {
    match Target::parse(name)? {
        Target::Local(LocalTarget::Memory) => Ok(vec![local(), local_async()]),
        Target::Local(target) => {
            let blocking = local_db(&target)?;
            let connector = LocalConnector::open(&target, LocalConfig::default())?;
            let bridge = BlockingOverAsyncConnector::new(Arc::new(async_connector(connector)))?;
            let nonblocking = Database::from_connector(bridge);
            Ok(vec![
                Subject::new(LOCAL, move || Ok(Fixture::new(blocking.clone()))),
                Subject::new(LOCAL_ASYNC, move || Ok(Fixture::new(nonblocking.clone()))),
            ])
        }
        Target::Remote(mut remote) => {
            if token.is_some() {
                remote.auth_token = token;
            }
            Ok(vec![
                http_blocking_at(remote.clone()),
                http_async_at(remote),
            ])
        }
    }
}
