//! Replay the real sqld recordings (tests/fixtures/sqld, exchanges 01–49) in
//! order against the reference server and compare each response with sqld's:
//! same status, same kind of body, and for JSON the same shape (keys and value
//! types, recursively; values may differ, batons are mapped).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::common::{Client, Reply, server};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sqld")
}

fn load(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Compare shapes; `where_` names the position for the failure message.
fn same_shape(ours: &Json, theirs: &Json, where_: &str, diffs: &mut Vec<String>) {
    match (ours, theirs) {
        (Json::Object(a), Json::Object(b)) => {
            let mut ka: Vec<&String> = a.keys().collect();
            let mut kb: Vec<&String> = b.keys().collect();
            ka.sort();
            kb.sort();
            if ka != kb {
                diffs.push(format!("{where_}: keys {ka:?} vs sqld {kb:?}"));
                return;
            }
            for (k, v) in a {
                // Not tracked by this server: sqld's replication index.
                if k == "replication_index" {
                    continue;
                }
                same_shape(v, &b[k], &format!("{where_}.{k}"), diffs);
            }
        }
        (Json::Array(a), Json::Array(b)) => {
            if a.len() != b.len() {
                diffs.push(format!("{where_}: {} items vs sqld {}", a.len(), b.len()));
                return;
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                same_shape(x, y, &format!("{where_}[{i}]"), diffs);
            }
        }
        (a, b) => {
            let kind = |v: &Json| match v {
                Json::Null => "null",
                Json::Bool(_) => "bool",
                Json::Number(_) => "number",
                Json::String(_) => "string",
                Json::Array(_) => "array",
                Json::Object(_) => "object",
            };
            if kind(a) != kind(b) {
                diffs.push(format!("{where_}: {} vs sqld {}", kind(a), kind(b)));
            }
        }
    }
}

/// Replace sqld's batons in a request with ours.
fn map_batons(v: &mut Json, batons: &HashMap<String, String>) {
    let ours = match v.get("baton") {
        Some(Json::String(b)) => batons.get(b.as_str()).cloned(),
        _ => None,
    };
    if let Some(ours) = ours {
        v["baton"] = Json::String(ours);
    }
}

fn response_json(reply: &Reply, cursor: bool) -> Option<Json> {
    if cursor && reply.status == 200 {
        let lines: Vec<Json> = reply
            .body
            .lines()
            .map(|l| serde_json::from_str(l).expect("cursor line"))
            .collect();
        return Some(Json::Array(lines));
    }
    serde_json::from_str(&reply.body).ok()
}

#[test]
fn sqld_recordings_replay_with_the_same_shapes() {
    let s = server();
    let c = Client::new(&s);
    let mut batons: HashMap<String, String> = HashMap::new();
    let mut metas: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".meta.json"))
        .collect();
    metas.sort();
    let mut checked = 0;
    let mut diffs = Vec::new();
    for meta_path in metas {
        let name = meta_path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".meta.json", "");
        let n: u32 = name[..2].parse().unwrap();
        // 01–49 ran against the server without auth. 05, 28 and 33 use sqld's
        // legacy `POST /` API, which this server does not have.
        if n > 49 || [5, 28, 33].contains(&n) {
            continue;
        }
        if n == 43 {
            // sqld's stream idled 15 s here; expire ours instead of waiting.
            s.expire_idle_streams();
        }
        let meta = load(&meta_path);
        let path = meta["url"]
            .as_str()
            .unwrap()
            .trim_start_matches("http://127.0.0.1:8080");
        let want_status = meta["status"].as_u64().unwrap() as u16;
        let reply = if meta["method"] == "GET" {
            c.get(path)
        } else {
            let mut request = load(&dir().join(format!("{name}.request.json")));
            let body = match &mut request {
                // A JSON string is a deliberately malformed body, sent verbatim.
                Json::String(raw) => raw.clone(),
                other => {
                    map_batons(other, &batons);
                    other.to_string()
                }
            };
            c.post(path, &body)
        };
        assert_eq!(reply.status, want_status, "exchange {name}: {}", reply.body);
        let theirs = load(&dir().join(format!("{name}.response.json")));
        let cursor = path == "/v3/cursor";
        match (&theirs, response_json(&reply, cursor)) {
            // Text bodies: only the kind matters (messages differ).
            (Json::String(_), _) => assert!(
                !reply.content_type.starts_with("application/json"),
                "exchange {name}: text expected"
            ),
            (Json::Null, _) => {}
            (theirs, Some(ours)) => {
                same_shape(&ours, theirs, &name, &mut diffs);
                // Map sqld's baton to ours for later requests.
                let (their_baton, our_baton) = if cursor {
                    (&theirs[0]["baton"], &ours[0]["baton"])
                } else {
                    (&theirs["baton"], &ours["baton"])
                };
                if let (Some(t), Some(o)) = (their_baton.as_str(), our_baton.as_str()) {
                    batons.insert(t.to_owned(), o.to_owned());
                }
            }
            (_, None) => panic!("exchange {name}: sqld sent JSON, we sent {:?}", reply.body),
        }
        checked += 1;
    }
    assert!(diffs.is_empty(), "shape differences:\n{}", diffs.join("\n"));
    assert_eq!(checked, 46);
}
