//! Response helpers: sqld's error shapes, and internal errors that never show
//! the server's file paths (details go to the server's log only).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sqlport_http::proto::server::Fatal;

use super::registry::Refusal;

/// A `text/plain` response.
pub(crate) fn text(status: StatusCode, body: impl Into<String>) -> Response {
    let mut r = (status, body.into()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

/// An `application/json` response.
pub(crate) fn json(status: StatusCode, body: String) -> Response {
    let body = if status == StatusCode::INTERNAL_SERVER_ERROR {
        scrub_paths(&body)
    } else {
        body
    };
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `{"error": message}` (sqld's shape for HTTP-level errors).
pub(crate) fn error_json(status: StatusCode, message: String) -> Response {
    json(status, serde_json::json!({ "error": message }).to_string())
}

/// A request-fatal protocol or internal error.
pub(crate) fn fatal(f: &Fatal) -> Response {
    let status = StatusCode::from_u16(f.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if f.content_type() == "text/plain" {
        text(status, f.body())
    } else {
        json(status, f.body())
    }
}

/// A 500 for a failure of the server itself: the detail (which may name
/// files) is logged; the client gets only `what`.
pub(crate) fn internal(what: &'static str, detail: impl std::fmt::Display) -> Response {
    tracing::error!(%detail, "{what}");
    error_json(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("Internal Error: `{what}`"),
    )
}

/// 401 with sqld's prefix.
pub(crate) fn unauthorized(message: &str) -> Response {
    error_json(
        StatusCode::UNAUTHORIZED,
        format!("Unauthorized: `{message}`"),
    )
}

/// Too many requests at once (the pool of SQL work is full).
pub(crate) fn busy() -> Response {
    error_json(
        StatusCode::SERVICE_UNAVAILABLE,
        "Too many concurrent requests: the server is busy, try again".into(),
    )
}

/// Why a baton or a new stream was refused.
pub(crate) fn refusal(r: Refusal, max_streams: usize, max_per_client: usize) -> Response {
    match r {
        Refusal::Invalid => text(StatusCode::BAD_REQUEST, "Received an invalid baton"),
        Refusal::Stale => text(
            StatusCode::BAD_REQUEST,
            "Received a baton that has already been used",
        ),
        Refusal::Expired => json(
            StatusCode::BAD_REQUEST,
            r#"{"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"}"#
                .into(),
        ),
        Refusal::TooMany => error_json(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many concurrent requests: at most {max_streams} streams may be open"),
        ),
        Refusal::Occupied => error_json(
            StatusCode::SERVICE_UNAVAILABLE,
            "The stream's connection is still busy with a cursor: try again".into(),
        ),
        Refusal::TooManyForClient => error_json(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many concurrent requests: one client may hold at most {max_per_client} streams"
            ),
        ),
    }
}

/// Replace anything that looks like a file path (`/a/b`, `C:\a`) with
/// `<path>`: a 500 carries a message from deep inside the server, and must
/// not tell a client where the server keeps its files.
pub(crate) fn scrub_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest
            .char_indices()
            .find(|&(i, c)| {
                let tail = &rest[i..];
                (c == '/' && looks_like_unix_path(tail)) || looks_like_windows_path(tail)
            })
            .map(|(i, _)| i);
        let Some(start) = start else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ')' | ','))
            .unwrap_or(tail.len());
        out.push_str("<path>");
        rest = &tail[end..];
    }
    out
}

fn looks_like_unix_path(tail: &str) -> bool {
    // `/x/y`: a slash, a name, another slash.
    for (name, c) in tail.chars().skip(1).enumerate() {
        if c == '/' {
            return name > 0;
        }
        if c.is_whitespace() || matches!(c, '"' | '\'' | '`') {
            return false;
        }
    }
    false
}

fn looks_like_windows_path(tail: &str) -> bool {
    let b = tail.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_scrubbed() {
        assert_eq!(
            scrub_paths("unable to open database file: /tmp/sqlport-x/db.sqlite (SQLITE_CANTOPEN)"),
            "unable to open database file: <path> (SQLITE_CANTOPEN)"
        );
        assert_eq!(scrub_paths("at `C:\\data\\x.db`"), "at `<path>`");
        assert_eq!(
            scrub_paths("near \"/\": syntax error"),
            "near \"/\": syntax error"
        );
        assert_eq!(scrub_paths("1/2 and a/b"), "1/2 and a/b");
        assert_eq!(scrub_paths("'/home/u/x'"), "'<path>'");
        assert_eq!(scrub_paths(""), "");
    }
}
