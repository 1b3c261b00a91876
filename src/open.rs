//! NAME → connector: the one place that picks a transport, among those compiled in.

use std::sync::Arc;

use sqlport_core::{AsyncConnector, Connector, LocalTarget, RemoteTarget, Result, Target};

use crate::options::OpenOptions;

/// The blocking connector for `name`.
pub(crate) fn blocking_connector(name: &str, options: &OpenOptions) -> Result<Arc<dyn Connector>> {
    match Target::parse(name)? {
        Target::Local(local) => local_connector(&local, options),
        Target::Remote(remote) => remote_blocking_connector(&remote, options),
    }
}

/// The async connector for `name`.
pub(crate) fn async_connector(
    name: &str,
    options: &OpenOptions,
) -> Result<Arc<dyn AsyncConnector>> {
    match Target::parse(name)? {
        Target::Local(local) => async_local_connector(&local, options),
        Target::Remote(remote) => remote_async_connector(&remote, options),
    }
}

#[cfg(not(all(feature = "local", feature = "http-blocking")))]
fn missing_feature(what: &str, feature: &str) -> sqlport_core::Error {
    sqlport_core::Error::Unsupported(format!(
        "{what}, but sqlport was built without the `{feature}` feature: enable it in Cargo.toml \
         (sqlport = {{ features = [\"{feature}\"] }})"
    ))
}

cfg_if::cfg_if! {
    if #[cfg(feature = "local")] {
        fn local_config(options: &OpenOptions) -> sqlport_local::LocalConfig {
            sqlport_local::LocalConfig::default().busy_timeout(options.busy_timeout).read_only(options.read_only).create(options.create).statement_cache_capacity(options.statement_cache_capacity)
        }

        fn local_connector(target: &LocalTarget, options: &OpenOptions) -> Result<Arc<dyn Connector>> {
            let connector = sqlport_local::LocalConnector::open(target, local_config(options))?;
            Ok(Arc::new(connector))
        }

        fn async_local_connector(target: &LocalTarget, options: &OpenOptions) -> Result<Arc<dyn AsyncConnector>> {
            let connector = sqlport_local::LocalConnector::open(target, local_config(options))?;
            Ok(Arc::new(sqlport_local::async_connector(connector)))
        }
    } else {
        fn local_connector(_: &LocalTarget, _: &OpenOptions) -> Result<Arc<dyn Connector>> {
            Err(missing_feature("this NAME is a local SQLite database", "local"))
        }

        fn async_local_connector(_: &LocalTarget, _: &OpenOptions) -> Result<Arc<dyn AsyncConnector>> {
            Err(missing_feature("this NAME is a local SQLite database", "local"))
        }
    }
}

#[cfg(any(feature = "http-blocking", feature = "http-async"))]
fn http_config(options: &OpenOptions) -> sqlport_http::HttpConfig {
    sqlport_http::HttpConfig::default()
        .auth_token(options.auth_token.clone())
        .connect_timeout(options.connect_timeout)
        .request_timeout(options.request_timeout)
        .read_timeout(options.read_timeout)
        .version(options.protocol)
        .extra_root_certs(options.extra_root_certs.clone())
        .keep_idle_stream(options.keep_idle_stream)
}

cfg_if::cfg_if! {
    if #[cfg(feature = "http-blocking")] {
        fn remote_blocking_connector(target: &RemoteTarget, options: &OpenOptions) -> Result<Arc<dyn Connector>> {
            Ok(Arc::new(sqlport_http::HttpConnector::new(target, http_config(options))?))
        }
    } else {
        fn remote_blocking_connector(_: &RemoteTarget, _: &OpenOptions) -> Result<Arc<dyn Connector>> {
            Err(missing_feature("this NAME is a remote libSQL database", "http-blocking"))
        }
    }
}

cfg_if::cfg_if! {
    if #[cfg(feature = "http-async")] {
        fn remote_async_connector(target: &RemoteTarget, options: &OpenOptions) -> Result<Arc<dyn AsyncConnector>> {
            Ok(Arc::new(sqlport_http::AsyncHttpConnector::new(target, http_config(options))?))
        }
    } else if #[cfg(feature = "http-blocking")] {
        fn remote_async_connector(target: &RemoteTarget, options: &OpenOptions) -> Result<Arc<dyn AsyncConnector>> {
            // No native async backend: run the blocking one on worker threads.
            let connector = sqlport_http::HttpConnector::new(target, http_config(options))?;
            Ok(Arc::new(sqlport_core::AsyncOverBlockingConnector::new(connector)))
        }
    } else {
        fn remote_async_connector(_: &RemoteTarget, _: &OpenOptions) -> Result<Arc<dyn AsyncConnector>> {
            Err(missing_feature("this NAME is a remote libSQL database", "http-async"))
        }
    }
}
