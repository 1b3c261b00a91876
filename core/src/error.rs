//! The one error type of sqlport, with SQLite and Hrana codes.

use std::fmt;

use crate::value::Type;

/// `Result` with sqlport's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// SQLite result codes used by sqlport (primary and the common extended ones).
///
/// Primary codes are the low 8 bits of an extended code.
pub mod codes {
    /// Generic error (also syntax errors and "no such table").
    pub const SQLITE_ERROR: i32 = 1;
    /// Internal logic error.
    pub const SQLITE_INTERNAL: i32 = 2;
    /// Access permission denied.
    pub const SQLITE_PERM: i32 = 3;
    /// Callback requested an abort.
    pub const SQLITE_ABORT: i32 = 4;
    /// The database file is locked.
    pub const SQLITE_BUSY: i32 = 5;
    /// A table in the database is locked.
    pub const SQLITE_LOCKED: i32 = 6;
    /// Out of memory.
    pub const SQLITE_NOMEM: i32 = 7;
    /// Attempt to write a read-only database.
    pub const SQLITE_READONLY: i32 = 8;
    /// Interrupted.
    pub const SQLITE_INTERRUPT: i32 = 9;
    /// Disk I/O error.
    pub const SQLITE_IOERR: i32 = 10;
    /// The database disk image is malformed.
    pub const SQLITE_CORRUPT: i32 = 11;
    /// Unknown opcode / not found.
    pub const SQLITE_NOTFOUND: i32 = 12;
    /// Database is full.
    pub const SQLITE_FULL: i32 = 13;
    /// Unable to open the database file.
    pub const SQLITE_CANTOPEN: i32 = 14;
    /// Locking protocol error.
    pub const SQLITE_PROTOCOL: i32 = 15;
    /// The database schema changed.
    pub const SQLITE_SCHEMA: i32 = 17;
    /// String or blob exceeds the size limit.
    pub const SQLITE_TOOBIG: i32 = 18;
    /// Constraint violation.
    pub const SQLITE_CONSTRAINT: i32 = 19;
    /// Data type mismatch.
    pub const SQLITE_MISMATCH: i32 = 20;
    /// Library used incorrectly.
    pub const SQLITE_MISUSE: i32 = 21;
    /// Large file support missing.
    pub const SQLITE_NOLFS: i32 = 22;
    /// Authorization denied.
    pub const SQLITE_AUTH: i32 = 23;
    /// Bind parameter index out of range.
    pub const SQLITE_RANGE: i32 = 25;
    /// Not a database file.
    pub const SQLITE_NOTADB: i32 = 26;

    /// `CHECK` constraint failed.
    pub const SQLITE_CONSTRAINT_CHECK: i32 = 275;
    /// `FOREIGN KEY` constraint failed.
    pub const SQLITE_CONSTRAINT_FOREIGNKEY: i32 = 787;
    /// `NOT NULL` constraint failed.
    pub const SQLITE_CONSTRAINT_NOTNULL: i32 = 1299;
    /// `PRIMARY KEY` constraint failed.
    pub const SQLITE_CONSTRAINT_PRIMARYKEY: i32 = 1555;
    /// `UNIQUE` constraint failed.
    pub const SQLITE_CONSTRAINT_UNIQUE: i32 = 2067;
    /// Rowid not unique.
    pub const SQLITE_CONSTRAINT_ROWID: i32 = 2579;
    /// A trigger's `RAISE` failed.
    pub const SQLITE_CONSTRAINT_TRIGGER: i32 = 1811;
    /// WAL snapshot conflict.
    pub const SQLITE_BUSY_SNAPSHOT: i32 = 517;

    /// The `SQLITE_*` name of a primary code (`SQLITE_ERROR` for 1), if known.
    pub fn primary_name(code: i32) -> Option<&'static str> {
        Some(match code & 0xff {
            0 => "SQLITE_OK",
            1 => "SQLITE_ERROR",
            2 => "SQLITE_INTERNAL",
            3 => "SQLITE_PERM",
            4 => "SQLITE_ABORT",
            5 => "SQLITE_BUSY",
            6 => "SQLITE_LOCKED",
            7 => "SQLITE_NOMEM",
            8 => "SQLITE_READONLY",
            9 => "SQLITE_INTERRUPT",
            10 => "SQLITE_IOERR",
            11 => "SQLITE_CORRUPT",
            12 => "SQLITE_NOTFOUND",
            13 => "SQLITE_FULL",
            14 => "SQLITE_CANTOPEN",
            15 => "SQLITE_PROTOCOL",
            16 => "SQLITE_EMPTY",
            17 => "SQLITE_SCHEMA",
            18 => "SQLITE_TOOBIG",
            19 => "SQLITE_CONSTRAINT",
            20 => "SQLITE_MISMATCH",
            21 => "SQLITE_MISUSE",
            22 => "SQLITE_NOLFS",
            23 => "SQLITE_AUTH",
            24 => "SQLITE_FORMAT",
            25 => "SQLITE_RANGE",
            26 => "SQLITE_NOTADB",
            27 => "SQLITE_NOTICE",
            28 => "SQLITE_WARNING",
            _ => return None,
        })
    }

    /// The primary code for a `SQLITE_*` name as sent by sqld. sqld names
    /// `SQLITE_ERROR` "`SQLITE_UNKNOWN`"; both map to 1.
    pub fn from_name(name: &str) -> Option<i32> {
        if name == "SQLITE_UNKNOWN" {
            return Some(SQLITE_ERROR);
        }
        (1..=28).find(|&c| primary_name(c) == Some(name))
    }
}

/// A failure reported by SQLite (locally, or by a server in a Hrana error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteError {
    /// Primary result code (`SQLITE_CONSTRAINT` = 19, ...), see [`codes`].
    pub code: i32,
    /// Extended result code (`SQLITE_CONSTRAINT_UNIQUE` = 2067, ...) where the
    /// transport knows it. sqld sends only primary codes, so it is `None` over HTTP.
    pub extended_code: Option<i32>,
    /// SQLite's message.
    pub message: String,
    /// The server's error code as sent (e.g. `"SQLITE_CONSTRAINT"`,
    /// `"SQL_PARSE_ERROR"`), for remote errors.
    pub remote_code: Option<String>,
}

impl fmt::Display for SqliteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = codes::primary_name(self.code).unwrap_or("SQLITE_?");
        write!(f, "{} ({}", self.message, name)?;
        if let Some(ext) = self.extended_code {
            write!(f, ", extended {ext}")?;
        }
        if let Some(rc) = &self.remote_code {
            if rc != name {
                write!(f, ", server code {rc}")?;
            }
        }
        f.write_str(")")
    }
}

/// Why a value could not be converted to or from a Rust type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConversionError {
    /// The value has another storage class than the Rust type accepts
    /// (`NULL` into a non-`Option` type is this too).
    #[error("expected {expected}, found {found}")]
    InvalidType {
        /// What the Rust type accepts.
        expected: &'static str,
        /// What the value was.
        found: Type,
    },
    /// The value does not fit the Rust type (never truncated).
    #[error("value {value} out of range for {target}")]
    OutOfRange {
        /// The value, as text.
        value: String,
        /// The Rust type.
        target: &'static str,
    },
    /// A NaN or infinite float cannot be bound as a parameter.
    #[error("non-finite float {0} cannot be bound (write 9e999 in SQL for infinity)")]
    NonFinite(f64),
    /// A conversion defined outside sqlport failed.
    #[error("{0}")]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

/// Which part of the API an [`Error`] belongs to; compare kinds (and codes) in
/// tests, never message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// SQLite reported a failure; see [`Error::sqlite_code`].
    Sqlite,
    /// More than one statement in one SQL string.
    MultipleStatements,
    /// An SQL string with no statement in it.
    NoStatement,
    /// Parameters do not match the statement (count, unknown name, mixed styles).
    InvalidArguments,
    /// A database NAME/URL could not be understood.
    InvalidName,
    /// A value could not be converted.
    Conversion,
    /// A column index or name does not exist in a row.
    InvalidColumn,
    /// A query expected to return a row returned none.
    NoRows,
    /// A query expected to return at most one row returned more.
    TooManyRows,
    /// No pooled connection became available within the pool's acquire timeout.
    PoolTimeout,
    /// The transport cannot do this.
    Unsupported,
    /// [`Error::InvalidCertificate`].
    InvalidCertificate,
    /// The server sent something that is not valid protocol.
    Protocol,
    /// The server answered with an HTTP error status.
    Http,
    /// The server refused the credentials (HTTP 401/403).
    Auth,
    /// A connect or request timeout fired.
    Timeout,
    /// The remote stream expired while idle.
    StreamExpired,
    /// The server rolled back a transaction that held the write lock too long.
    TransactionTimeout,
    /// The connection's transaction was lost (see [`Error::TransactionLost`]).
    TransactionLost,
    /// Another error code from the server (RESPONSE_TOO_LARGE, BLOCKED, ...).
    Remote,
    /// An I/O error.
    Io,
    /// The connection is closed.
    Closed,
    /// An error from a third-party transport.
    Transport,
}

/// The error type of every sqlport crate.
///
/// Compare [`Error::kind`], [`Error::sqlite_code`], [`Error::extended_code`] and
/// [`Error::remote_code`], never the message text. No variant ever contains an
/// auth token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SQLite failed (locally, or on the server).
    #[error("SQLite error: {0}")]
    Sqlite(SqliteError),
    /// The SQL string holds more than one statement.
    #[error("more than one statement in one SQL string: {0}")]
    MultipleStatements(String),
    /// The SQL string holds no statement.
    #[error("no statement in SQL string: {0}")]
    NoStatement(String),
    /// Parameters do not match the statement.
    #[error("invalid arguments: {0}")]
    InvalidArguments(String),
    /// The database NAME/URL could not be understood (the auth token is redacted).
    #[error("invalid database name {name:?}: {reason}")]
    InvalidName {
        /// The name as given, with any auth token redacted.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A value could not be converted to or from a Rust type.
    #[error("conversion failed{}: {source}", context.as_deref().map(|c| format!(" for {c}")).unwrap_or_default())]
    Conversion {
        /// Which column or parameter, when known.
        context: Option<String>,
        /// What went wrong.
        source: ConversionError,
    },
    /// A column index or name that a row does not have.
    #[error("no such column: {0}")]
    InvalidColumn(String),
    /// A query that must return a row (`query_row`, `query_one`,
    /// `query_scalar`) returned none.
    #[error("query returned no rows")]
    NoRows,
    /// A query that must return at most one row (`query_one`, `query_opt`,
    /// `query_scalar`) returned more than one.
    #[error("query returned more than one row")]
    TooManyRows,
    /// No pooled connection became available within the pool's acquire
    /// timeout (all `max_size` connections stayed in use).
    #[error("timed out after {waited:?} waiting for a pooled connection")]
    PoolTimeout {
        /// How long the caller waited.
        waited: std::time::Duration,
    },
    /// The transport does not support this operation.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A root certificate given in the options could not be read (not PEM,
    /// or a `CERTIFICATE` block that does not decode).
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),
    /// The peer broke the protocol (undecodable or inconsistent reply).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The server answered with an HTTP error status.
    #[error("HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Http {
        /// HTTP status.
        status: u16,
        /// Hrana error code, if the body carried one.
        code: Option<String>,
        /// Message from the body.
        message: String,
    },
    /// The server refused the request's credentials.
    #[error("authentication failed (HTTP {status}): {message}")]
    Auth {
        /// HTTP status (401 or 403).
        status: u16,
        /// What to check.
        message: String,
    },
    /// A timeout fired.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The remote stream expired while idle. Inside a transaction, the
    /// transaction is lost and nothing was replayed.
    #[error("the remote stream expired{}", if *in_transaction { " inside a transaction: the transaction was rolled back by the server" } else { "" })]
    StreamExpired {
        /// Whether a transaction was open (and so was lost).
        in_transaction: bool,
    },
    /// The server rolled back the transaction (Hrana `TRANSACTION_TIMEOUT`).
    #[error("transaction timed out on the server: {0}")]
    TransactionTimeout(String),
    /// The transaction open on this connection was lost: the server or SQLite
    /// rolled it back (stream expired, request failed or timed out inside it,
    /// connection reset, a cancelled operation, an error SQLite answers by
    /// rolling back). Every statement, batch and query fails with this error,
    /// and nothing is sent, until the caller ends the transaction with
    /// `ROLLBACK` (the `Transaction`/`Savepoint` guards do so when rolled back
    /// or dropped). Nothing of the transaction was committed.
    #[error(
        "the transaction was lost (rolled back by the server or by SQLite); nothing runs on this \
         connection until the transaction is ended with ROLLBACK (roll back or drop the guard)"
    )]
    TransactionLost,
    /// Another error code from the server.
    #[error("server error {code}: {message}")]
    Remote {
        /// Hrana error code (e.g. `RESPONSE_TOO_LARGE`).
        code: String,
        /// Message.
        message: String,
    },
    /// A step of a batch failed; for an atomic batch nothing was committed.
    #[error("batch step {step} failed: {source}")]
    Batch {
        /// Index of the failing step (0-based, in the caller's list).
        step: usize,
        /// Why it failed.
        source: Box<Error>,
    },
    /// An I/O error.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The connection was closed.
    #[error("connection closed")]
    Closed,
    /// An error from a third-party transport.
    #[error("transport error: {0}")]
    Transport(Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// A SQLite failure with primary and optional extended code.
    pub fn sqlite(code: i32, extended_code: Option<i32>, message: impl Into<String>) -> Self {
        Error::Sqlite(SqliteError {
            code,
            extended_code,
            message: message.into(),
            remote_code: None,
        })
    }

    /// Wrap an error from a third-party transport.
    pub fn transport(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::Transport(err.into())
    }

    /// A conversion failure with optional context ("column 2 (`name`)").
    pub fn conversion(context: Option<String>, source: ConversionError) -> Self {
        Error::Conversion { context, source }
    }

    /// The innermost error (looks through [`Error::Batch`]).
    pub fn root(&self) -> &Error {
        match self {
            Error::Batch { source, .. } => source.root(),
            e => e,
        }
    }

    /// What kind of error this is (looks through [`Error::Batch`]).
    pub fn kind(&self) -> ErrorKind {
        match self.root() {
            Error::Sqlite(_) => ErrorKind::Sqlite,
            Error::MultipleStatements(_) => ErrorKind::MultipleStatements,
            Error::NoStatement(_) => ErrorKind::NoStatement,
            Error::InvalidArguments(_) => ErrorKind::InvalidArguments,
            Error::InvalidName { .. } => ErrorKind::InvalidName,
            Error::Conversion { .. } => ErrorKind::Conversion,
            Error::InvalidColumn(_) => ErrorKind::InvalidColumn,
            Error::NoRows => ErrorKind::NoRows,
            Error::TooManyRows => ErrorKind::TooManyRows,
            Error::PoolTimeout { .. } => ErrorKind::PoolTimeout,
            Error::Unsupported(_) => ErrorKind::Unsupported,
            Error::InvalidCertificate(_) => ErrorKind::InvalidCertificate,
            Error::Protocol(_) => ErrorKind::Protocol,
            Error::Http { .. } => ErrorKind::Http,
            Error::Auth { .. } => ErrorKind::Auth,
            Error::Timeout(_) => ErrorKind::Timeout,
            Error::StreamExpired { .. } => ErrorKind::StreamExpired,
            Error::TransactionTimeout(_) => ErrorKind::TransactionTimeout,
            Error::TransactionLost => ErrorKind::TransactionLost,
            Error::Remote { .. } => ErrorKind::Remote,
            Error::Io(_) => ErrorKind::Io,
            Error::Closed => ErrorKind::Closed,
            Error::Transport(_) | Error::Batch { .. } => ErrorKind::Transport,
        }
    }

    /// The SQLite failure, if this is one (looks through [`Error::Batch`]).
    pub fn as_sqlite(&self) -> Option<&SqliteError> {
        match self.root() {
            Error::Sqlite(e) => Some(e),
            _ => None,
        }
    }

    /// SQLite primary result code, if SQLite failed.
    pub fn sqlite_code(&self) -> Option<i32> {
        self.as_sqlite().map(|e| e.code)
    }

    /// SQLite extended result code, where the transport reports one.
    pub fn extended_code(&self) -> Option<i32> {
        self.as_sqlite().and_then(|e| e.extended_code)
    }

    /// The server's error code string (Hrana `code`), for remote errors.
    pub fn remote_code(&self) -> Option<&str> {
        match self.root() {
            Error::Sqlite(e) => e.remote_code.as_deref(),
            Error::Http { code, .. } => code.as_deref(),
            Error::Remote { code, .. } => Some(code),
            Error::StreamExpired { .. } => Some("STREAM_EXPIRED"),
            _ => None,
        }
    }

    /// Index of the failing batch step, for batch errors.
    pub fn failed_step(&self) -> Option<usize> {
        match self {
            Error::Batch { step, .. } => Some(*step),
            _ => None,
        }
    }

    /// A constraint violation (UNIQUE, NOT NULL, CHECK, FOREIGN KEY, ...).
    pub fn is_constraint(&self) -> bool {
        self.sqlite_code() == Some(codes::SQLITE_CONSTRAINT)
    }

    /// Which constraint a constraint violation broke, the same on every
    /// transport; `None` for any other error. See [`Constraint`] for how it is
    /// told without extended codes (sqld sends primary codes only).
    pub fn constraint(&self) -> Option<Constraint> {
        let e = self.as_sqlite()?;
        if e.code != codes::SQLITE_CONSTRAINT {
            return None;
        }
        Some(match e.extended_code {
            Some(codes::SQLITE_CONSTRAINT_UNIQUE) => Constraint::Unique,
            Some(codes::SQLITE_CONSTRAINT_PRIMARYKEY | codes::SQLITE_CONSTRAINT_ROWID) => {
                Constraint::PrimaryKey
            }
            Some(codes::SQLITE_CONSTRAINT_NOTNULL) => Constraint::NotNull,
            Some(codes::SQLITE_CONSTRAINT_CHECK) => Constraint::Check,
            Some(codes::SQLITE_CONSTRAINT_FOREIGNKEY) => Constraint::ForeignKey,
            Some(_) => Constraint::Other,
            None => Constraint::from_message(&e.message),
        })
    }

    /// A `UNIQUE` or `PRIMARY KEY` constraint failed (a primary key is a
    /// unique constraint, and a remote server's reply cannot tell them apart:
    /// both read "UNIQUE constraint failed: ..."). The same answer on every
    /// transport.
    ///
    /// ```
    /// # let db = sqlport_core::Error::sqlite(19, None, "SQLite error: UNIQUE constraint failed: t.x");
    /// # let local = sqlport_core::Error::sqlite(19, Some(1555), "UNIQUE constraint failed: t.id");
    /// assert!(db.is_unique_violation() && local.is_unique_violation());
    /// ```
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self.constraint(),
            Some(Constraint::Unique | Constraint::PrimaryKey | Constraint::UniqueOrPrimaryKey)
        )
    }

    /// A `FOREIGN KEY` constraint failed (on every transport).
    pub fn is_foreign_key_violation(&self) -> bool {
        self.constraint() == Some(Constraint::ForeignKey)
    }

    /// A `NOT NULL` constraint failed (on every transport).
    pub fn is_not_null_violation(&self) -> bool {
        self.constraint() == Some(Constraint::NotNull)
    }

    /// A `CHECK` constraint failed (on every transport).
    pub fn is_check_violation(&self) -> bool {
        self.constraint() == Some(Constraint::Check)
    }

    /// Whether a `PRIMARY KEY` constraint failed, when that can be known:
    /// `Some(true)` or `Some(false)` where the error carries SQLite's extended
    /// code (local connections), `None` for a unique-shaped violation without
    /// one (remote: sqld sends "UNIQUE constraint failed: ..." for both, with the
    /// primary code only). Any other error is `Some(false)`.
    /// [`Error::is_unique_violation`] is `true` for both everywhere.
    pub fn is_primary_key_violation(&self) -> Option<bool> {
        match self.constraint() {
            Some(Constraint::PrimaryKey) => Some(true),
            Some(Constraint::UniqueOrPrimaryKey) => None,
            _ => Some(false),
        }
    }

    /// The database was busy or locked.
    pub fn is_busy(&self) -> bool {
        matches!(
            self.sqlite_code(),
            Some(codes::SQLITE_BUSY) | Some(codes::SQLITE_LOCKED)
        )
    }

    /// The server refused the credentials.
    pub fn is_auth(&self) -> bool {
        self.kind() == ErrorKind::Auth
    }

    /// A timeout (client side, or the server's transaction timeout).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Timeout | ErrorKind::TransactionTimeout
        )
    }

    /// The remote stream expired.
    pub fn is_stream_expired(&self) -> bool {
        self.kind() == ErrorKind::StreamExpired
    }

    /// The connection's transaction was lost ([`Error::TransactionLost`]).
    pub fn is_transaction_lost(&self) -> bool {
        self.kind() == ErrorKind::TransactionLost
    }
}

/// Which constraint a violation broke ([`Error::constraint`]).
///
/// Local connections know SQLite's extended result code
/// (`SQLITE_CONSTRAINT_UNIQUE`, `_PRIMARYKEY`, `_NOTNULL`, `_CHECK`,
/// `_FOREIGNKEY`) and answer from it. Remote servers (sqld, Turso, the
/// reference server) send only the primary code `SQLITE_CONSTRAINT`, so there
/// the kind is read from the shape of SQLite's message, which SQLite words
/// the same for every version sqld ships: `UNIQUE constraint failed: t.c`,
/// `NOT NULL constraint failed: t.c`, `CHECK constraint failed: name`,
/// `FOREIGN KEY constraint failed` (sqld prefixes `SQLite error: `). A primary
/// key conflict reads `UNIQUE constraint failed` too, so remotely it is
/// [`Constraint::UniqueOrPrimaryKey`]. A trigger's `RAISE(ABORT, msg)` whose
/// message imitates one of these shapes would be read as that kind remotely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Constraint {
    /// `UNIQUE` (known from the extended code).
    Unique,
    /// `PRIMARY KEY` (known from the extended code).
    PrimaryKey,
    /// `UNIQUE` or `PRIMARY KEY`: a remote reply, which cannot tell them apart.
    UniqueOrPrimaryKey,
    /// `NOT NULL`.
    NotNull,
    /// `CHECK`.
    Check,
    /// `FOREIGN KEY`.
    ForeignKey,
    /// Another constraint (a trigger's `RAISE`, ...).
    Other,
}

impl Constraint {
    /// The kind a message without an extended code shows.
    fn from_message(message: &str) -> Constraint {
        let m = message.strip_prefix("SQLite error: ").unwrap_or(message);
        if m.starts_with("UNIQUE constraint failed") {
            Constraint::UniqueOrPrimaryKey
        } else if m.starts_with("NOT NULL constraint failed") {
            Constraint::NotNull
        } else if m.starts_with("CHECK constraint failed") {
            Constraint::Check
        } else if m.starts_with("FOREIGN KEY constraint failed") {
            Constraint::ForeignKey
        } else {
            Constraint::Other
        }
    }
}

/// `.optional()` on a query's result, as rusqlite's `OptionalExtension`: a
/// [`Error::NoRows`] becomes `Ok(None)`, any other error stays an error.
///
/// ```
/// use sqlport_core::{Error, OptionalExt};
/// let none: Result<i64, Error> = Err(Error::NoRows);
/// assert_eq!(none.optional().unwrap(), None);
/// assert!(Err::<i64, _>(Error::TooManyRows).optional().is_err());
/// ```
pub trait OptionalExt<T> {
    /// `Ok(Some(v))`, `Ok(None)` for [`Error::NoRows`], or the error.
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExt<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl From<ConversionError> for Error {
    fn from(source: ConversionError) -> Self {
        Error::Conversion {
            context: None,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_names() {
        assert_eq!(codes::from_name("SQLITE_CONSTRAINT"), Some(19));
        assert_eq!(codes::from_name("SQLITE_UNKNOWN"), Some(1));
        assert_eq!(codes::from_name("SQLITE_NOPE"), None);
        assert_eq!(
            codes::primary_name(codes::SQLITE_CONSTRAINT_UNIQUE),
            Some("SQLITE_CONSTRAINT")
        );
    }

    #[test]
    fn constraint_kinds_from_codes_and_messages() {
        use Constraint as C;
        let local = |ext, msg: &str| Error::sqlite(19, Some(ext), msg);
        let remote = |msg: &str| Error::sqlite(19, None, format!("SQLite error: {msg}"));
        let cases = [
            (local(2067, "UNIQUE constraint failed: t.x"), C::Unique),
            (local(1555, "UNIQUE constraint failed: t.id"), C::PrimaryKey),
            (
                local(2579, "UNIQUE constraint failed: t.rowid"),
                C::PrimaryKey,
            ),
            (local(1299, "NOT NULL constraint failed: t.x"), C::NotNull),
            (local(275, "CHECK constraint failed: positive"), C::Check),
            (local(787, "FOREIGN KEY constraint failed"), C::ForeignKey),
            (
                local(1811, "UNIQUE constraint failed: not really"),
                C::Other,
            ),
            (
                remote("UNIQUE constraint failed: t.x"),
                C::UniqueOrPrimaryKey,
            ),
            (remote("NOT NULL constraint failed: t.x"), C::NotNull),
            (remote("CHECK constraint failed: positive"), C::Check),
            (remote("FOREIGN KEY constraint failed"), C::ForeignKey),
            (remote("boom"), C::Other),
            (
                Error::sqlite(19, None, "NOT NULL constraint failed: t.x"),
                C::NotNull,
            ),
        ];
        for (e, want) in cases {
            assert_eq!(e.constraint(), Some(want), "{e}");
        }
        assert_eq!(
            Error::sqlite(1, None, "UNIQUE constraint failed").constraint(),
            None
        );
        assert_eq!(Error::NoRows.constraint(), None);

        let pk_local = local(1555, "UNIQUE constraint failed: t.id");
        let pk_remote = remote("UNIQUE constraint failed: t.id");
        assert!(pk_local.is_unique_violation() && pk_remote.is_unique_violation());
        assert_eq!(pk_local.is_primary_key_violation(), Some(true));
        assert_eq!(pk_remote.is_primary_key_violation(), None);
        assert_eq!(local(2067, "x").is_primary_key_violation(), Some(false));
        let in_batch = Error::Batch {
            step: 1,
            source: Box::new(remote("FOREIGN KEY constraint failed")),
        };
        assert!(in_batch.is_foreign_key_violation());
        assert!(!in_batch.is_check_violation() && !in_batch.is_not_null_violation());
    }

    #[test]
    fn batch_errors_expose_inner_codes() {
        let e = Error::Batch {
            step: 2,
            source: Box::new(Error::sqlite(
                19,
                Some(2067),
                "UNIQUE constraint failed: t.x",
            )),
        };
        assert_eq!(e.kind(), ErrorKind::Sqlite);
        assert!(e.is_constraint());
        assert_eq!(e.extended_code(), Some(2067));
        assert_eq!(e.failed_step(), Some(2));
    }
}
