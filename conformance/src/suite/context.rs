//! [`Ctx`]: what a case gets, a database of the transport under test.

use sqlport::blocking::{Connection, Database};
use sqlport::{Capabilities, Capability};

use super::check::Failure;

/// A case's view of the transport under test: a database (fresh where the
/// subject can make one) and the transport's capabilities.
#[derive(Debug)]
pub struct Ctx {
    db: Database,
    caps: Capabilities,
}

impl Ctx {
    /// A context over `db`, whose connections report `caps`.
    pub fn new(db: Database, caps: Capabilities) -> Ctx {
        Ctx { db, caps }
    }

    /// Open a new connection.
    pub fn connect(&self) -> Result<Connection, Failure> {
        self.db
            .connect()
            .map_err(|e| Failure::new(None, "a new connection", super::check::describe_error(&e)))
    }

    /// The database.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The transport's capabilities.
    pub fn capabilities(&self) -> Capabilities {
        self.caps
    }

    /// Whether the transport has `cap`.
    pub fn has(&self, cap: Capability) -> bool {
        self.caps.has(cap)
    }
}
