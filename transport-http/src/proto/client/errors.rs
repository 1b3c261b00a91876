//! Mapping Hrana error codes and HTTP error replies to sqlport's [`Error`].

use sqlport_core::{Error, SqliteError, codes};

use crate::proto::wire;

/// Turn an in-band Hrana error object (a per-request error, a batch step error
/// or a cursor `step_error`) into the core error.
///
/// - `SQLITE_*` becomes [`Error::Sqlite`] with the primary code
///   (`SQLITE_UNKNOWN` is 1) and `remote_code` kept;
/// - `SQL_PARSE_ERROR` and `SQL_INPUT_ERROR` become [`Error::Sqlite`] with code
///   1 (`SQLITE_ERROR`), so a syntax error has one primary code everywhere;
/// - `SQL_MANY_STATEMENTS`, `SQL_NO_STATEMENT`, `ARGS_*`, `STREAM_EXPIRED` and
///   `TRANSACTION_TIMEOUT` get their own variants;
/// - anything else is [`Error::Remote`].
pub fn hrana_error(err: &wire::Error) -> Error {
    let message = err.message.clone();
    let Some(code) = err.code.as_deref() else {
        return Error::Remote {
            code: String::new(),
            message,
        };
    };
    let sqlite = |primary: i32| {
        Error::Sqlite(SqliteError {
            code: primary,
            extended_code: None,
            message: message.clone(),
            remote_code: Some(code.to_owned()),
        })
    };
    match code {
        "SQL_PARSE_ERROR" | "SQL_INPUT_ERROR" => sqlite(codes::SQLITE_ERROR),
        "SQL_MANY_STATEMENTS" => Error::MultipleStatements(message),
        "SQL_NO_STATEMENT" => Error::NoStatement(message),
        "ARGS_INVALID" | "ARGS_BOTH_POSITIONAL_AND_NAMED" => Error::InvalidArguments(message),
        "STREAM_EXPIRED" => Error::StreamExpired {
            in_transaction: false,
        },
        "TRANSACTION_TIMEOUT" => Error::TransactionTimeout(message),
        c if c.starts_with("SQLITE_") => match codes::from_name(c) {
            Some(primary) => sqlite(primary),
            // An extended name (`SQLITE_CONSTRAINT_UNIQUE`) if a server ever
            // sends one: keep the primary part.
            None => match c
                .match_indices('_')
                .nth(1)
                .and_then(|(i, _)| codes::from_name(c.get(..i)?))
            {
                Some(primary) => sqlite(primary),
                None => Error::Remote {
                    code: code.to_owned(),
                    message,
                },
            },
        },
        _ => Error::Remote {
            code: code.to_owned(),
            message,
        },
    }
}

/// The body of a non-2xx reply, parsed leniently (docs/PROTOCOL.md §8.2): Hrana JSON
/// with `message` (and optional `code`), else JSON `{"error": "..."}`, else the
/// trimmed text, else empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    /// Hrana error code, if the body carried one.
    pub code: Option<String>,
    /// Message (possibly empty).
    pub message: String,
}

/// Longest message kept from an error body (HTML error pages can be large).
const MAX_MESSAGE: usize = 1024;

/// Parse an error body leniently; never fails.
pub fn parse_error_body(body: &[u8]) -> ErrorBody {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(obj) = v.as_object() {
            if let Some(msg) = obj.get("message").and_then(|m| m.as_str()) {
                return ErrorBody {
                    code: obj.get("code").and_then(|c| c.as_str()).map(str::to_owned),
                    message: truncate(msg),
                };
            }
            if let Some(msg) = obj.get("error").and_then(|m| m.as_str()) {
                return ErrorBody {
                    code: None,
                    message: truncate(msg),
                };
            }
        }
    }
    ErrorBody {
        code: None,
        message: truncate(String::from_utf8_lossy(body).trim()),
    }
}

fn truncate(s: &str) -> String {
    if s.len() <= MAX_MESSAGE {
        return s.to_owned();
    }
    let mut end = MAX_MESSAGE;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", s.get(..end).unwrap_or_default())
}

/// Whether an error reply means "this baton no longer names a live stream",
/// which sqld reports *before* running anything: `STREAM_EXPIRED`, "invalid
/// baton", "baton that has already been used".
pub fn is_lost_stream(status: u16, body: &ErrorBody) -> bool {
    if status != 400 {
        return false;
    }
    if body.code.as_deref() == Some("STREAM_EXPIRED") {
        return true;
    }
    let m = body.message.to_ascii_lowercase();
    m.contains("invalid baton") || (m.contains("baton") && m.contains("already been used"))
}

/// The error for a non-2xx reply that is not a lost stream: 401/403 are
/// [`Error::Auth`], everything else [`Error::Http`].
pub fn http_error(status: u16, body: ErrorBody) -> Error {
    match status {
        401 | 403 => Error::Auth {
            status,
            message: format!(
                "the server refused the credentials{}; check that an auth token is configured, \
                 that it has not expired, and that it has the permissions this statement needs \
                 (server said: {})",
                if status == 403 {
                    " (permission denied)"
                } else {
                    ""
                },
                if body.message.is_empty() {
                    "nothing"
                } else {
                    &body.message
                }
            ),
        },
        _ => Error::Http {
            status,
            code: body.code,
            message: body.message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlport_core::ErrorKind;

    fn e(code: &str) -> Error {
        hrana_error(&wire::Error {
            message: "m".into(),
            code: Some(code.into()),
        })
    }

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(e("SQLITE_CONSTRAINT").sqlite_code(), Some(19));
        assert_eq!(
            e("SQLITE_CONSTRAINT").remote_code(),
            Some("SQLITE_CONSTRAINT")
        );
        assert_eq!(e("SQLITE_UNKNOWN").sqlite_code(), Some(1));
        assert_eq!(e("SQL_PARSE_ERROR").sqlite_code(), Some(1));
        assert_eq!(e("SQL_PARSE_ERROR").remote_code(), Some("SQL_PARSE_ERROR"));
        assert_eq!(e("SQL_INPUT_ERROR").sqlite_code(), Some(1));
        assert_eq!(e("SQLITE_CONSTRAINT_UNIQUE").sqlite_code(), Some(19));
        assert_eq!(
            e("SQL_MANY_STATEMENTS").kind(),
            ErrorKind::MultipleStatements
        );
        assert_eq!(e("SQL_NO_STATEMENT").kind(), ErrorKind::NoStatement);
        assert_eq!(e("ARGS_INVALID").kind(), ErrorKind::InvalidArguments);
        assert_eq!(
            e("ARGS_BOTH_POSITIONAL_AND_NAMED").kind(),
            ErrorKind::InvalidArguments
        );
        assert_eq!(e("STREAM_EXPIRED").kind(), ErrorKind::StreamExpired);
        assert_eq!(
            e("TRANSACTION_TIMEOUT").kind(),
            ErrorKind::TransactionTimeout
        );
        assert_eq!(e("RESPONSE_TOO_LARGE").kind(), ErrorKind::Remote);
        assert_eq!(e("SQLITE_BOGUS").kind(), ErrorKind::Remote);
        let no_code = hrana_error(&wire::Error {
            message: "x".into(),
            code: None,
        });
        assert_eq!(no_code.kind(), ErrorKind::Remote);
    }

    #[test]
    fn error_bodies_parse_leniently() {
        let b = parse_error_body(br#"{"message":"gone","code":"STREAM_EXPIRED"}"#);
        assert_eq!(b.code.as_deref(), Some("STREAM_EXPIRED"));
        assert!(is_lost_stream(400, &b));
        let b = parse_error_body(br#"{"error":"Unauthorized: x"}"#);
        assert_eq!(b.code, None);
        assert_eq!(b.message, "Unauthorized: x");
        let b = parse_error_body(b"  Received an invalid baton\n");
        assert_eq!(b.message, "Received an invalid baton");
        assert!(is_lost_stream(400, &b));
        assert!(is_lost_stream(
            400,
            &parse_error_body(b"Received a baton that has already been used")
        ));
        assert!(!is_lost_stream(500, &b));
        let b = parse_error_body(b"");
        assert_eq!(b.message, "");
        let b = parse_error_body(&[0xff, 0xfe, b'<', b'h']);
        assert!(!b.message.is_empty());
        let long = "é".repeat(5000);
        assert!(parse_error_body(long.as_bytes()).message.len() <= MAX_MESSAGE + 4);
        let b = parse_error_body(br#"[1,2]"#);
        assert_eq!(b.message, "[1,2]");
    }

    #[test]
    fn statuses_map_to_kinds() {
        let body = || parse_error_body(b"<html>oops</html>");
        assert_eq!(http_error(401, body()).kind(), ErrorKind::Auth);
        assert_eq!(http_error(403, body()).kind(), ErrorKind::Auth);
        let e = http_error(500, parse_error_body(br#"{"message":"m","code":"X"}"#));
        assert_eq!(e.kind(), ErrorKind::Http);
        assert_eq!(e.remote_code(), Some("X"));
    }
}
