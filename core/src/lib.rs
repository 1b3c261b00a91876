//! # sqlport-core
//!
//! The shared vocabulary of sqlport: [`Value`] and conversions ([`ToSql`],
//! [`FromSql`]), [`Statement`]s with [`Params`], results ([`ResultSet`], [`Row`]),
//! the one [`Error`] type, NAME parsing ([`Target`]), and the transport traits
//! ([`Transport`], [`AsyncTransport`], [`Connector`], [`AsyncConnector`]) with
//! their [contract](transport).
//!
//! Applications use the `sqlport` facade; transport authors implement the
//! traits here and prove them with `sqlport-conformance`.
#![forbid(unsafe_code)]

pub mod async_over_blocking;
pub mod capability;
pub mod convert;
pub mod describe;
pub mod error;
pub mod name;
mod name_parse;
pub mod params;
pub mod prepared;
pub mod protocol;
pub mod relay;
pub mod result;
pub mod secret;
#[cfg(feature = "serde")]
pub mod serde_row;
pub mod split;
pub mod sql;
pub mod statement;
pub mod transport;
pub mod tx_gate;
pub mod types;
pub mod value;

#[cfg(test)]
mod proptests;

pub use async_over_blocking::{AsyncOverBlocking, AsyncOverBlockingConnector};
pub use capability::{Capabilities, Capability};
pub use convert::{FromSql, ToSql, ToSqlOutput};
pub use describe::Description;
pub use error::{
    Constraint, ConversionError, Error, ErrorKind, OptionalExt, Result, SqliteError, codes,
};
pub use name::{LocalTarget, RemoteTarget, Target};
pub use params::{IntoParams, Params, ParamsRef, named_params_from_iter, params_from_iter};
pub use prepared::{GenericHandle, PreparedHandle};
pub use protocol::HranaVersion;
pub use result::{CollectRows, Column, ColumnIndex, ResultSet, Row, RowRef, RowSink, Summary};
pub use secret::AuthToken;
pub use statement::{Batch, BatchMode, BatchResult, Statement, StepResult, TransactionBehavior};
pub use transport::{AsyncConnector, AsyncTransport, BlockingFn, Connector, Transport};
pub use value::{Type, Value, ValueRef};
