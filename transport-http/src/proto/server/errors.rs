//! Mapping errors to Hrana: in-band error objects ([`map_error`]) and the
//! request-fatal failures ([`Fatal`]).

use sqlport_core::{Error, codes};

use crate::proto::wire;

/// Hrana error codes the server half writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The SQL did not parse.
    SqlParseError,
    /// An empty statement.
    SqlNoStatement,
    /// More than one statement in a `Stmt`.
    SqlManyStatements,
    /// Arguments do not match the SQL parameters.
    ArgsInvalid,
    /// Both `args` and `named_args` given.
    ArgsBothPositionalAndNamed,
    /// More than 50 stored SQL texts in a stream.
    SqlStoreTooMany,
    /// A stored SQL text over 5,000 bytes.
    SqlStoreTooLarge,
    /// The response would exceed the size limit.
    ResponseTooLarge,
    /// The server rolled back a transaction that held the write lock too long.
    TransactionTimeout,
}

impl ErrorCode {
    /// The code as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::SqlParseError => "SQL_PARSE_ERROR",
            ErrorCode::SqlNoStatement => "SQL_NO_STATEMENT",
            ErrorCode::SqlManyStatements => "SQL_MANY_STATEMENTS",
            ErrorCode::ArgsInvalid => "ARGS_INVALID",
            ErrorCode::ArgsBothPositionalAndNamed => "ARGS_BOTH_POSITIONAL_AND_NAMED",
            ErrorCode::SqlStoreTooMany => "SQL_STORE_TOO_MANY",
            ErrorCode::SqlStoreTooLarge => "SQL_STORE_TOO_LARGE",
            ErrorCode::ResponseTooLarge => "RESPONSE_TOO_LARGE",
            ErrorCode::TransactionTimeout => "TRANSACTION_TIMEOUT",
        }
    }

    /// An error object with this code.
    pub fn error(self, message: impl Into<String>) -> wire::Error {
        wire::Error {
            message: message.into(),
            code: Some(self.as_str().to_owned()),
        }
    }
}

/// A failure of the whole HTTP request; the stream is destroyed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fatal {
    /// A protocol error: HTTP 400, text/plain body (the message).
    Protocol(String),
    /// An internal error: HTTP 500, `{"error":"Internal Error: ..."}`.
    Internal(String),
    /// The credentials lack a right a statement needs: HTTP 403,
    /// `{"error":"Authorization forbidden: ..."}`.
    Forbidden(String),
}

impl Fatal {
    /// A protocol error.
    pub fn protocol(message: impl Into<String>) -> Self {
        Fatal::Protocol(message.into())
    }

    /// The HTTP status for this failure.
    pub fn status(&self) -> u16 {
        match self {
            Fatal::Protocol(_) => 400,
            Fatal::Internal(_) => 500,
            Fatal::Forbidden(_) => 403,
        }
    }

    /// The response body: the text for a protocol error, JSON for an internal one.
    pub fn body(&self) -> String {
        match self {
            Fatal::Protocol(m) => m.clone(),
            Fatal::Internal(m) => {
                serde_json::json!({ "error": format!("Internal Error: `{m}`") }).to_string()
            }
            Fatal::Forbidden(m) => {
                serde_json::json!({ "error": format!("Authorization forbidden: {m}") }).to_string()
            }
        }
    }

    /// The response content type.
    pub fn content_type(&self) -> &'static str {
        match self {
            Fatal::Protocol(_) => "text/plain",
            Fatal::Internal(_) | Fatal::Forbidden(_) => "application/json",
        }
    }
}

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fatal::Protocol(m) => write!(f, "protocol error: {m}"),
            Fatal::Internal(m) => write!(f, "internal error: {m}"),
            Fatal::Forbidden(m) => write!(f, "forbidden: {m}"),
        }
    }
}

impl std::error::Error for Fatal {}

/// `true` for a SQLite error that is really a parse error (sqld parses SQL
/// itself and reports these as `SQL_PARSE_ERROR`): SQLite's tokenizer and
/// parser messages, not run-time errors that merely mention a syntax error
/// (such as an FTS5 query's).
fn is_parse_error(message: &str) -> bool {
    let m = message.trim();
    (m.starts_with("near ") && m.ends_with("syntax error"))
        || m == "incomplete input"
        || m.starts_with("unrecognized token")
}

/// Map an executor error to a Hrana error object, as sqld would send it:
/// SQLite failures as `SQLITE_<PRIMARY>` (generic `SQLITE_ERROR` as
/// `SQLITE_UNKNOWN`, syntax errors as `SQL_PARSE_ERROR`), statement-count and
/// argument errors by their codes. Errors that no statement can cause (I/O,
/// closed connection, ...) are [`Fatal::Internal`].
pub fn map_error(err: &Error) -> Result<wire::Error, Fatal> {
    Ok(match err.root() {
        Error::Sqlite(e) => {
            let primary = e.code & 0xff;
            if primary == codes::SQLITE_ERROR && is_parse_error(&e.message) {
                ErrorCode::SqlParseError
                    .error(format!("SQL string could not be parsed: {}", e.message))
            } else {
                let code = match primary {
                    codes::SQLITE_ERROR => "SQLITE_UNKNOWN",
                    c => codes::primary_name(c).unwrap_or("SQLITE_UNKNOWN"),
                };
                wire::Error {
                    message: format!("SQLite error: {}", e.message),
                    code: Some(code.to_owned()),
                }
            }
        }
        Error::MultipleStatements(m) => ErrorCode::SqlManyStatements
            .error(format!("SQL string contains more than one statement: {m}")),
        Error::NoStatement(m) => ErrorCode::SqlNoStatement
            .error(format!("SQL string does not contain any statement: {m}")),
        Error::InvalidArguments(m) => {
            ErrorCode::ArgsInvalid.error(format!("Arguments do not match SQL parameters: {m}"))
        }
        e @ Error::Conversion { .. } => {
            ErrorCode::ArgsInvalid.error(format!("Arguments do not match SQL parameters: {e}"))
        }
        Error::TransactionTimeout(m) => {
            ErrorCode::TransactionTimeout.error(format!("Transaction timed out: {m}"))
        }
        Error::Remote { code, message } => wire::Error {
            message: message.clone(),
            code: Some(code.clone()),
        },
        other => return Err(Fatal::Internal(other.to_string())),
    })
}

/// `true` when `err` maps to an error sqld finds while parsing, before any
/// statement of a batch or sequence runs.
pub(crate) fn is_parse_time(err: &wire::Error) -> bool {
    matches!(
        err.code.as_deref(),
        Some("SQL_PARSE_ERROR" | "SQL_NO_STATEMENT" | "SQL_MANY_STATEMENTS")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(e: &Error) -> String {
        map_error(e).unwrap().code.unwrap()
    }

    #[test]
    fn sqlite_codes_map_like_sqld() {
        assert_eq!(
            code(&Error::sqlite(
                19,
                Some(2067),
                "UNIQUE constraint failed: t.x"
            )),
            "SQLITE_CONSTRAINT"
        );
        assert_eq!(
            code(&Error::sqlite(1, None, "no such table: nope")),
            "SQLITE_UNKNOWN"
        );
        assert_eq!(
            code(&Error::sqlite(1, None, "near \"selec\": syntax error")),
            "SQL_PARSE_ERROR"
        );
        assert_eq!(
            code(&Error::sqlite(1, None, "incomplete input")),
            "SQL_PARSE_ERROR"
        );
        assert_eq!(
            code(&Error::sqlite(5, Some(517), "database is locked")),
            "SQLITE_BUSY"
        );
        assert_eq!(
            code(&Error::sqlite(18, None, "string or blob too big")),
            "SQLITE_TOOBIG"
        );
        let token = Error::sqlite(1, None, "unrecognized token: \"'abc\"");
        assert_eq!(code(&token), "SQL_PARSE_ERROR");
        let fts = Error::sqlite(1, None, "fts5: syntax error near \"x\"");
        assert_eq!(code(&fts), "SQLITE_UNKNOWN");
    }

    #[test]
    fn statement_errors_map_to_hrana_codes() {
        assert_eq!(
            code(&Error::MultipleStatements("a; b".into())),
            "SQL_MANY_STATEMENTS"
        );
        assert_eq!(code(&Error::NoStatement("".into())), "SQL_NO_STATEMENT");
        assert_eq!(code(&Error::InvalidArguments("x".into())), "ARGS_INVALID");
        let batch = Error::Batch {
            step: 2,
            source: Box::new(Error::NoStatement(String::new())),
        };
        assert_eq!(code(&batch), "SQL_NO_STATEMENT");
    }

    #[test]
    fn other_errors_are_internal() {
        let fatal = map_error(&Error::Closed).unwrap_err();
        assert_eq!(fatal.status(), 500);
        let body: serde_json::Value = serde_json::from_str(&fatal.body()).unwrap();
        assert!(body["error"].is_string());
        assert_eq!(Fatal::protocol("x").status(), 400);
        assert_eq!(Fatal::protocol("x").content_type(), "text/plain");
    }
}
