//! Structural comparison of two replies to the same request.
//!
//! Compared: the HTTP status; the class of the content type (JSON, text,
//! none); `access-control-allow-origin`; whether the body was cut short;
//! JSON bodies (and each line of a cursor body) key by key and value by
//! value. Masked, because they are not part of the contract:
//! - `baton`: only whether there is one (each server makes its own);
//! - `replication_index` (pipeline results and the cursor's entry): not at all;
//! - `query_duration_ms`, `rows_read`, `rows_written`: only that they are
//!   numbers (timings, and libSQL's own statement counters);
//! - `message` of an error object and the `error` text of an HTTP error body:
//!   only that they are strings (free text; the error `code` is compared);
//! - text bodies of errors, except the baton errors clients tell apart
//!   (`Received ...`); the text of `GET /version`.

use serde_json::Value as Json;

use crate::http::Reply;

/// One difference between the two replies.
#[derive(Debug, Clone)]
pub struct Diff {
    /// Where: `status`, `content-type`, `body.results[0].response...`.
    pub path: String,
    /// sqld's side, rendered.
    pub sqld: String,
    /// The reference server's side, rendered.
    pub reference: String,
}

/// What a reply's body is, after parsing.
#[derive(Debug, Clone, PartialEq)]
enum Body {
    Empty,
    Json(Json),
    /// A `/v3/cursor` body: one JSON value per line.
    Lines(Vec<Json>),
    Text(String),
}

fn content_class(reply: &Reply) -> String {
    let ct = reply.header("content-type").unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "" => "none".into(),
        "application/json" => "json".into(),
        "text/plain" => "text".into(),
        other => other.to_owned(),
    }
}

fn body_of(reply: &Reply, path: &str) -> Body {
    if reply.body.is_empty() {
        return Body::Empty;
    }
    let text = reply.text();
    if path.ends_with("/cursor") && reply.status == 200 {
        let mut lines = Vec::new();
        for line in text.split_terminator('\n') {
            match serde_json::from_str::<Json>(line) {
                Ok(v) => lines.push(v),
                Err(_) => return Body::Text(text),
            }
        }
        return Body::Lines(lines);
    }
    match serde_json::from_str::<Json>(&text) {
        Ok(v) => Body::Json(v),
        Err(_) => Body::Text(text),
    }
}

fn render(v: &Json) -> String {
    let s = v.to_string();
    if s.len() > 300 {
        let mut end = 300;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s
    }
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// Numbers are equal when they are the same integer, or the same f64.
fn same_number(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x == y;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.to_bits() == y.to_bits() || x == y,
        _ => false,
    }
}

/// Compare `sqld` with `ours` at `path`, where `key` is the key that holds
/// them (if any) and `entry_type` the `type` of the object holding them.
fn walk(sqld: &Json, ours: &Json, path: &str, key: Option<&str>, diffs: &mut Vec<Diff>) {
    let push = |diffs: &mut Vec<Diff>| {
        diffs.push(Diff {
            path: path.to_owned(),
            sqld: render(sqld),
            reference: render(ours),
        })
    };
    match key {
        Some("replication_index") => return,
        Some("baton") => {
            if sqld.is_null() != ours.is_null() || kind(sqld) != kind(ours) {
                push(diffs);
            }
            return;
        }
        Some("query_duration_ms" | "rows_read" | "rows_written") => {
            if kind(sqld) != kind(ours) {
                push(diffs);
            }
            return;
        }
        Some("message" | "error") if sqld.is_string() => {
            if !ours.is_string() {
                push(diffs);
            }
            return;
        }
        _ => {}
    }
    match (sqld, ours) {
        (Json::Object(a), Json::Object(b)) => {
            let mut ka: Vec<&String> = a.keys().collect();
            let mut kb: Vec<&String> = b.keys().collect();
            ka.sort();
            kb.sort();
            if ka != kb {
                diffs.push(Diff {
                    path: format!("{path} (keys)"),
                    sqld: format!("{ka:?}"),
                    reference: format!("{kb:?}"),
                });
            }
            for (k, v) in a {
                if let Some(w) = b.get(k) {
                    walk(v, w, &format!("{path}.{k}"), Some(k), diffs);
                }
            }
        }
        (Json::Array(a), Json::Array(b)) => {
            if a.len() != b.len() {
                diffs.push(Diff {
                    path: format!("{path} (length)"),
                    sqld: format!("{} items: {}", a.len(), render(sqld)),
                    reference: format!("{} items: {}", b.len(), render(ours)),
                });
                return;
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                walk(x, y, &format!("{path}[{i}]"), None, diffs);
            }
        }
        (Json::Number(a), Json::Number(b)) => {
            if !same_number(a, b) {
                push(diffs);
            }
        }
        (a, b) => {
            if a != b {
                push(diffs);
            }
        }
    }
}

/// A cursor's `replication_index` entry (masked whole).
fn is_replication_entry(v: &Json) -> bool {
    v.get("type").and_then(Json::as_str) == Some("replication_index")
}

/// Compare two replies to the request `method path`.
pub fn compare(method: &str, path: &str, sqld: &Reply, ours: &Reply) -> Vec<Diff> {
    let mut diffs = Vec::new();
    let mut push = |p: &str, a: String, b: String| {
        diffs.push(Diff {
            path: p.to_owned(),
            sqld: a,
            reference: b,
        })
    };
    if sqld.status != ours.status {
        push(
            "status",
            format!("{} {}", sqld.status, snippet(sqld)),
            format!("{} {}", ours.status, snippet(ours)),
        );
    }
    let (ca, cb) = (content_class(sqld), content_class(ours));
    if ca != cb {
        push("content-type", ca, cb);
    }
    let (oa, ob) = (
        sqld.header("access-control-allow-origin"),
        ours.header("access-control-allow-origin"),
    );
    if oa != ob {
        push(
            "header access-control-allow-origin",
            format!("{oa:?}"),
            format!("{ob:?}"),
        );
    }
    if sqld.truncated != ours.truncated {
        push(
            "body cut short",
            sqld.truncated.to_string(),
            ours.truncated.to_string(),
        );
    }
    let (ba, bb) = (body_of(sqld, path), body_of(ours, path));
    match (&ba, &bb) {
        (Body::Json(a), Body::Json(b)) => walk(a, b, "body", None, &mut diffs),
        (Body::Lines(a), Body::Lines(b)) => {
            let a: Vec<&Json> = a.iter().filter(|v| !is_replication_entry(v)).collect();
            let b: Vec<&Json> = b.iter().filter(|v| !is_replication_entry(v)).collect();
            if a.len() != b.len() {
                diffs.push(Diff {
                    path: "body (cursor lines)".into(),
                    sqld: a.iter().map(|v| render(v)).collect::<Vec<_>>().join("\n"),
                    reference: b.iter().map(|v| render(v)).collect::<Vec<_>>().join("\n"),
                });
            } else {
                for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                    walk(x, y, &format!("line[{i}]"), None, &mut diffs);
                }
            }
        }
        (Body::Text(a), Body::Text(b)) => {
            let compared = if sqld.status / 100 == 2 {
                !(method == "GET" && path == "/version")
            } else {
                a.starts_with("Received ")
            };
            if compared && a.trim() != b.trim() {
                diffs.push(Diff {
                    path: "body (text)".into(),
                    sqld: a.clone(),
                    reference: b.clone(),
                });
            }
        }
        (Body::Empty, Body::Empty) => {}
        (a, b) => diffs.push(Diff {
            path: "body (kind)".into(),
            sqld: format!("{a:?}"),
            reference: format!("{b:?}"),
        }),
    }
    diffs
}

/// The start of a reply's body, for messages.
pub fn snippet(r: &Reply) -> String {
    let t = r.text();
    let t = t.trim();
    if t.len() > 160 {
        let mut end = 160;
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &t[..end])
    } else {
        t.to_owned()
    }
}
