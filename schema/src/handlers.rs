//! Rust handlers for `RunPython` operations, registered under the callable's name.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use sqlport_core::{AsyncTransport, Transport};

use crate::error::{Result, SchemaError};

/// What a handler returns on failure (any error; a `sqlport_core::Error` keeps its codes).
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// A boxed future returned by an async handler.
pub type HandlerFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<(), HandlerError>> + Send + 'a>>;

type BlockingFn =
    Box<dyn Fn(&mut dyn Transport) -> std::result::Result<(), HandlerError> + Send + Sync>;
type AsyncFn = Box<dyn for<'a> Fn(&'a mut dyn AsyncTransport) -> HandlerFuture<'a> + Send + Sync>;

/// The Rust code that stands in for a migration's `RunPython` callables.
///
/// A handler is registered under the callable's dotted name as the migration JSON gives it
/// (`shop.migrations.0002_fill.forwards`) or under its last part (`forwards`). It runs
/// inside the migration's transaction, on the migration's connection: what it writes
/// commits or rolls back with the migration. `migrate` checks that every handler its plan
/// needs is registered (for its flavour, blocking or async) before it runs anything.
///
/// ```
/// use sqlport_core::Statement;
/// use sqlport_schema::Handlers;
/// let mut h = Handlers::new();
/// h.register("fill_labels", |t| {
///     t.execute(&Statement::new("UPDATE shop_tag SET label = upper(label)"))?;
///     Ok(())
/// });
/// assert!(h.has_blocking("shop.migrations.0002_fill.fill_labels"));
/// ```
#[derive(Default)]
pub struct Handlers {
    blocking: HashMap<String, BlockingFn>,
    nonblocking: HashMap<String, AsyncFn>,
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut b: Vec<&String> = self.blocking.keys().collect();
        let mut a: Vec<&String> = self.nonblocking.keys().collect();
        b.sort();
        a.sort();
        f.debug_struct("Handlers")
            .field("blocking", &b)
            .field("async", &a)
            .finish()
    }
}

/// The last dotted part of a callable's name.
fn short(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn failed(name: &str, e: HandlerError) -> SchemaError {
    match e.downcast::<sqlport_core::Error>() {
        Ok(db) => SchemaError::Database(*db),
        Err(e) => SchemaError::Handler {
            name: name.to_string(),
            message: e.to_string(),
        },
    }
}

impl Handlers {
    /// No handlers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a blocking handler (used by [`migrate`](crate::migrate) and the blocking
    /// [`Migrator::run`](crate::Migrator::run)).
    pub fn register<F>(&mut self, name: impl Into<String>, f: F) -> &mut Self
    where
        F: Fn(&mut dyn Transport) -> std::result::Result<(), HandlerError> + Send + Sync + 'static,
    {
        self.blocking.insert(name.into(), Box::new(f));
        self
    }

    /// Registers an async handler (used by the async drivers).
    pub fn register_async<F>(&mut self, name: impl Into<String>, f: F) -> &mut Self
    where
        F: for<'a> Fn(&'a mut dyn AsyncTransport) -> HandlerFuture<'a> + Send + Sync + 'static,
    {
        self.nonblocking.insert(name.into(), Box::new(f));
        self
    }

    fn find<'s, T>(map: &'s HashMap<String, T>, name: &str) -> Option<&'s T> {
        map.get(name).or_else(|| map.get(short(name)))
    }

    /// Whether a blocking handler answers to `name`.
    pub fn has_blocking(&self, name: &str) -> bool {
        Self::find(&self.blocking, name).is_some()
    }

    /// Whether an async handler answers to `name`.
    pub fn has_async(&self, name: &str) -> bool {
        Self::find(&self.nonblocking, name).is_some()
    }

    /// Fails with [`SchemaError::MissingHandler`] on the first name with no handler of
    /// the flavour.
    pub(crate) fn check(&self, names: &[String], blocking: bool) -> Result<()> {
        for n in names {
            let found = if blocking {
                self.has_blocking(n)
            } else {
                self.has_async(n)
            };
            if !found {
                return Err(SchemaError::MissingHandler(n.clone()));
            }
        }
        Ok(())
    }

    pub(crate) fn call_blocking(&self, name: &str, t: &mut dyn Transport) -> Result<()> {
        let f = Self::find(&self.blocking, name)
            .ok_or_else(|| SchemaError::MissingHandler(name.to_string()))?;
        f(t).map_err(|e| failed(name, e))
    }

    pub(crate) async fn call_async(&self, name: &str, t: &mut dyn AsyncTransport) -> Result<()> {
        let f = Self::find(&self.nonblocking, name)
            .ok_or_else(|| SchemaError::MissingHandler(name.to_string()))?;
        f(t).await.map_err(|e| failed(name, e))
    }
}
