//! The NAME grammar behind [`Target::parse`](crate::Target::parse).

use crate::error::{Error, Result};
use crate::name::Target;

pub(crate) fn parse(name: &str) -> Result<Target> {
    Err(Error::InvalidName {
        name: name.to_owned(),
        reason: "not implemented yet".into(),
    })
}
