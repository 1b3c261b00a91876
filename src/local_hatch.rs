//! The local transport's escape hatch: the rusqlite connection behind a
//! local sqlport connection.

use sqlport_core::{Error, Result, Transport};
use sqlport_local::LocalTransport;

/// Run `f` on the rusqlite connection of `transport`, if it is local and open.
pub(crate) fn with_local<R>(
    transport: &mut dyn Transport,
    f: impl FnOnce(&mut sqlport_local::rusqlite::Connection) -> R,
) -> Result<R> {
    let local = transport
        .as_any_mut()
        .and_then(|any| any.downcast_mut::<LocalTransport>())
        .ok_or_else(|| {
            Error::Unsupported("the rusqlite connection exists only for local databases".into())
        })?;
    if local.is_closed() {
        return Err(Error::Closed);
    }
    Ok(f(local.raw()))
}
