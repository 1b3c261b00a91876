//! The exchanges recorded from a real sqld (`tests/fixtures/sqld`), replayed
//! against both servers: the recordings' requests, in their order, with
//! their batons turned into stream references.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value as Json;

use crate::sequence::{Group, Seq};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sqld")
}

fn load(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every recorded exchange: (number, name).
fn exchanges() -> Vec<(u32, String)> {
    let mut out: Vec<(u32, String)> = std::fs::read_dir(dir())
        .expect("fixtures/sqld")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let name = name.strip_suffix(".meta.json")?.to_owned();
            let n: u32 = name.get(..2)?.parse().ok()?;
            Some((n, name))
        })
        .collect();
    out.sort();
    out
}

/// The batons the recordings' responses gave out: baton → stream reference.
struct Batons {
    by_baton: HashMap<String, String>,
    streams: usize,
}

impl Batons {
    /// The reference for a recorded request baton: the stream it belongs to,
    /// `~` when it is no longer that stream's latest.
    fn reference(&self, baton: &str, latest: &HashMap<String, String>) -> Json {
        match self.by_baton.get(baton) {
            Some(stream) => {
                if latest.get(stream).map(String::as_str) == Some(baton) {
                    Json::String(format!("@{stream}"))
                } else {
                    Json::String(format!("@{stream}~"))
                }
            }
            // Never handed out (garbage): sent as it is.
            None => Json::String(baton.to_owned()),
        }
    }
}

/// Build one sequence from exchanges `select`; `idle_before` maps an exchange
/// to the idle time (on the stream its baton names) waited before it.
fn build(
    name: &str,
    group: Group,
    select: impl Fn(u32) -> bool,
    idle_before: &[(u32, Duration)],
) -> Seq {
    let mut seq = Seq::new(name, group);
    let mut batons = Batons {
        by_baton: HashMap::new(),
        streams: 0,
    };
    let mut latest: HashMap<String, String> = HashMap::new();
    for (n, name) in exchanges() {
        if !select(n) {
            continue;
        }
        let meta = load(&dir().join(format!("{name}.meta.json")));
        let method: &'static str = match meta["method"].as_str() {
            Some("GET") => "GET",
            Some("OPTIONS") => "OPTIONS",
            _ => "POST",
        };
        let url = meta["url"].as_str().unwrap_or("");
        let path = url
            .split_once("//")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
            .unwrap_or_else(|| "/".into());
        let headers: Vec<(String, String)> = meta["request_headers"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let request = load(&dir().join(format!("{name}.request.json")));
        let mut stream_used = None;
        let body = match request {
            Json::Null => None,
            // A JSON string is a deliberately malformed body, sent verbatim.
            Json::String(raw) => Some(raw),
            mut v => {
                if let Some(b) = v.get("baton").and_then(Json::as_str).map(str::to_owned) {
                    let r = batons.reference(&b, &latest);
                    stream_used = r
                        .as_str()
                        .map(|s| s.trim_start_matches('@').trim_end_matches('~').to_owned());
                    v["baton"] = r;
                } else if v.is_object()
                    && (path.ends_with("/pipeline") || path.ends_with("/cursor"))
                {
                    // A new stream: track it under the exchange's number.
                    batons.streams += 1;
                    let s = format!("r{n}");
                    v["baton"] = Json::String(format!("@{s}"));
                    stream_used = Some(s);
                }
                Some(v.to_string())
            }
        };
        if let Some((_, d)) = idle_before.iter().find(|(k, _)| *k == n) {
            if let Some(s) = &stream_used {
                seq.idle(&format!("idle before {name}"), s, *d);
            }
        }
        let header_refs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        seq.send(&name, method, &path, &header_refs, body);
        // The baton sqld answered with belongs to the stream used.
        let response = load(&dir().join(format!("{name}.response.json")));
        let answered = match &response {
            Json::Array(lines) => lines.first().and_then(|l| l.get("baton")).cloned(),
            other => other.get("baton").cloned(),
        };
        match (answered, &stream_used) {
            (Some(Json::String(b)), Some(s)) => {
                batons.by_baton.insert(b.clone(), s.clone());
                latest.insert(s.clone(), b);
            }
            // The stream ended (`close`): its last baton is no longer current.
            (Some(Json::Null), Some(s)) => {
                latest.remove(s);
            }
            _ => {}
        }
    }
    seq
}

/// Exchanges 01–49 without 42–44 (sqld without auth).
pub fn plain() -> Seq {
    build(
        "recorded::plain_01_49",
        Group::Plain,
        |n| n <= 49 && !(42..=44).contains(&n),
        &[],
    )
}

/// Exchanges 42–44: a transaction left idle past the expiry (12 s).
pub fn expiry() -> Seq {
    build(
        "recorded::stream_expiry_42_44",
        Group::Plain,
        |n| (42..=44).contains(&n),
        &[(43, Duration::from_secs(12))],
    )
}

/// Exchanges 50–67 (sqld with the recordings' JWT key).
pub fn auth() -> Seq {
    build(
        "recorded::auth_50_67",
        Group::RecordedAuth,
        |n| n >= 50,
        &[],
    )
}
