//! Deserialize a [`Row`] into any `serde::Deserialize` type (feature `serde`):
//! a struct or map by column name, a tuple or sequence by position.

use crate::error::{Error, Result};
use crate::result::Row;

impl Row {
    /// Deserialize this row, e.g. into a struct whose fields are column names.
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        Err(Error::Unsupported(
            "row deserialization not implemented yet".into(),
        ))
    }
}
