//! Request sequences and their replay on both servers.
//!
//! A [`Seq`] is a list of HTTP requests. Pipeline and cursor bodies name
//! their stream instead of carrying a baton: `"baton": "@a"` is stream `a`'s
//! current baton (`null` before its first request), `"@a~"` the latest baton
//! of `a` that is no longer current (an already-used baton, or the one a
//! `close` ended). Each server keeps its own batons; a reply's baton becomes
//! the stream's current one.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

use crate::compare::{Diff, compare, snippet};
use crate::http::{Client, Open, Reply, Request};

/// Which pair of servers a sequence runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// No authentication.
    Plain,
    /// JWTs signed by the test's own key.
    Auth,
    /// JWTs of the recorded exchanges (`fixtures/auth/public.pem`).
    RecordedAuth,
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum Action {
    /// Send a request to both servers and compare the replies.
    Send(Request),
    /// Wait until `stream` has been idle at least this long on both servers
    /// (for idle expiry).
    IdleFor(String, Duration),
    /// Read a cursor only up to line 1 (its new baton) while its batch
    /// still runs, send `during` (on the cursor's stream, with that baton)
    /// on another connection, then send `then`, and only then wait for
    /// `during`'s reply and read the cursor to its end. Each server does the
    /// whole exchange in turn; the three replies are compared.
    Overlap {
        cursor: Request,
        during: Request,
        then: Request,
    },
    /// Read a cursor up to line 1 and `lines` more lines, then close the
    /// connection. The lines read are compared.
    Abandon { cursor: Request, lines: usize },
}

/// One step of a sequence.
#[derive(Debug, Clone)]
pub struct Step {
    pub label: String,
    pub action: Action,
}

/// A named request sequence.
#[derive(Debug, Clone)]
pub struct Seq {
    pub name: String,
    pub group: Group,
    pub steps: Vec<Step>,
    /// Headers added to every request (a token).
    auth: Vec<(String, String)>,
}

/// A pipeline request of `type`.
pub fn req(kind: &str) -> Json {
    json!({ "type": kind })
}

/// An `execute` request.
pub fn exec(sql: &str) -> Json {
    json!({"type": "execute", "stmt": {"sql": sql}})
}

/// An `execute` request with positional arguments.
pub fn exec_args(sql: &str, args: Json) -> Json {
    json!({"type": "execute", "stmt": {"sql": sql, "args": args}})
}

/// An `execute` request with named arguments (`[[name, value], ...]`).
pub fn exec_named(sql: &str, named: &[(&str, Json)]) -> Json {
    let named: Vec<Json> = named
        .iter()
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect();
    json!({"type": "execute", "stmt": {"sql": sql, "named_args": named}})
}

/// A `batch` request.
pub fn batch(steps: Json) -> Json {
    json!({"type": "batch", "batch": {"steps": steps}})
}

/// A batch step without a condition.
pub fn step(sql: &str) -> Json {
    json!({"stmt": {"sql": sql}})
}

/// A batch step with a condition.
pub fn step_if(sql: &str, cond: Json) -> Json {
    json!({"stmt": {"sql": sql}, "condition": cond})
}

/// `{"type":"ok","step":n}`.
pub fn ok(n: u32) -> Json {
    json!({"type": "ok", "step": n})
}

/// `{"type":"error","step":n}`.
pub fn err(n: u32) -> Json {
    json!({"type": "error", "step": n})
}

/// `{"type":"not","cond":c}`.
pub fn not(c: Json) -> Json {
    json!({"type": "not", "cond": c})
}

/// A `close` request.
pub fn close() -> Json {
    req("close")
}

/// A `get_autocommit` request.
pub fn autocommit() -> Json {
    req("get_autocommit")
}

/// `{"type":"integer","value":"v"}`.
pub fn int(v: i64) -> Json {
    json!({"type": "integer", "value": v.to_string()})
}

/// `{"type":"text","value":v}`.
pub fn text(v: &str) -> Json {
    json!({"type": "text", "value": v})
}

/// `{"type":"float","value":v}`.
pub fn float(v: f64) -> Json {
    json!({"type": "float", "value": v})
}

/// `{"type":"null"}`.
pub fn nil() -> Json {
    json!({"type": "null"})
}

/// `{"type":"blob","base64":b}`.
pub fn blob(b64: &str) -> Json {
    json!({"type": "blob", "base64": b64})
}

impl Seq {
    pub fn new(name: impl Into<String>, group: Group) -> Self {
        Seq {
            name: name.into(),
            group,
            steps: Vec::new(),
            auth: Vec::new(),
        }
    }

    /// Send `Authorization: <value>` with every later request (`None`: stop).
    pub fn authorization(&mut self, value: Option<&str>) -> &mut Self {
        self.auth.clear();
        if let Some(v) = value {
            self.auth.push(("Authorization".into(), v.to_owned()));
        }
        self
    }

    /// Send `Authorization: Bearer <token>` with every later request.
    pub fn bearer(&mut self, token: &str) -> &mut Self {
        self.authorization(Some(&format!("Bearer {token}")))
    }

    /// A request with this sequence's headers.
    fn request(
        &self,
        method: &'static str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Request {
        let mut all = self.auth.clone();
        all.extend(
            headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Request {
            method,
            path: path.to_owned(),
            headers: all,
            body,
        }
    }

    /// A JSON `POST` with this sequence's headers.
    fn json_request(&self, path: &str, body: &Json) -> Request {
        self.request(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            Some(body.to_string()),
        )
    }

    /// Append a request.
    pub fn send(
        &mut self,
        label: &str,
        method: &'static str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> &mut Self {
        let req = self.request(method, path, headers, body);
        self.steps.push(Step {
            label: label.to_owned(),
            action: Action::Send(req),
        });
        self
    }

    /// `GET path`.
    pub fn get(&mut self, label: &str, path: &str) -> &mut Self {
        self.send(label, "GET", path, &[], None)
    }

    /// `POST path` with a JSON body.
    pub fn post(&mut self, label: &str, path: &str, body: &Json) -> &mut Self {
        self.send(
            label,
            "POST",
            path,
            &[("Content-Type", "application/json")],
            Some(body.to_string()),
        )
    }

    /// `POST path` with a body sent as it is.
    pub fn post_raw(&mut self, label: &str, path: &str, body: &str) -> &mut Self {
        self.send(
            label,
            "POST",
            path,
            &[("Content-Type", "application/json")],
            Some(body.to_owned()),
        )
    }

    /// A pipeline on `/v{version}/pipeline` on `stream` (`@name`, `@name~`,
    /// or a literal baton).
    pub fn pipeline(
        &mut self,
        label: &str,
        version: u8,
        stream: &str,
        requests: Json,
    ) -> &mut Self {
        let baton = baton_ref(stream);
        self.post(
            label,
            &format!("/v{version}/pipeline"),
            &json!({"baton": baton, "requests": requests}),
        )
    }

    /// A v3 pipeline on stream `stream` (see [`Seq::pipeline`]).
    pub fn v3(&mut self, label: &str, stream: &str, requests: Json) -> &mut Self {
        self.pipeline(label, 3, stream, requests)
    }

    /// One statement on a new stream that closes it.
    pub fn once(&mut self, label: &str, sql: &str) -> &mut Self {
        self.v3(label, "", json!([exec(sql), close()]))
    }

    /// `POST /v3/cursor` on `stream` with these batch steps.
    pub fn cursor(&mut self, label: &str, stream: &str, steps: Json) -> &mut Self {
        let baton = baton_ref(stream);
        self.post(
            label,
            "/v3/cursor",
            &json!({"baton": baton, "batch": {"steps": steps}}),
        )
    }

    /// A cursor on `stream` read only up to line 1 while its batch runs;
    /// meanwhile the v3 pipeline `during` on the same stream (the baton of
    /// line 1), then the v3 pipeline `then` on `other` (see
    /// [`Action::Overlap`]).
    pub fn overlap(
        &mut self,
        label: &str,
        stream: &str,
        steps: Json,
        during: Json,
        other: &str,
        then: Json,
    ) -> &mut Self {
        let cursor = self.json_request(
            "/v3/cursor",
            &json!({"baton": baton_ref(stream), "batch": {"steps": steps}}),
        );
        let during = self.json_request(
            "/v3/pipeline",
            &json!({"baton": baton_ref(stream), "requests": during}),
        );
        let then = self.json_request(
            "/v3/pipeline",
            &json!({"baton": baton_ref(other), "requests": then}),
        );
        self.steps.push(Step {
            label: label.to_owned(),
            action: Action::Overlap {
                cursor,
                during,
                then,
            },
        });
        self
    }

    /// A cursor on `stream` whose reader goes away after line 1 and `lines`
    /// more lines (see [`Action::Abandon`]).
    pub fn abandon(&mut self, label: &str, stream: &str, steps: Json, lines: usize) -> &mut Self {
        let cursor = self.json_request(
            "/v3/cursor",
            &json!({"baton": baton_ref(stream), "batch": {"steps": steps}}),
        );
        self.steps.push(Step {
            label: label.to_owned(),
            action: Action::Abandon { cursor, lines },
        });
        self
    }

    /// Wait until `stream` has been idle `d` on both servers.
    pub fn idle(&mut self, label: &str, stream: &str, d: Duration) -> &mut Self {
        self.steps.push(Step {
            label: label.to_owned(),
            action: Action::IdleFor(stream.trim_start_matches('@').to_owned(), d),
        });
        self
    }

    /// Number of HTTP requests.
    pub fn requests(&self) -> usize {
        self.steps
            .iter()
            .map(|s| match s.action {
                Action::Send(_) | Action::Abandon { .. } => 1,
                Action::Overlap { .. } => 3,
                Action::IdleFor(..) => 0,
            })
            .sum()
    }
}

/// `""` is a new stream (`null`); `"@a"` (stream a, resolved per server
/// when sent) and anything else are kept as they are.
fn baton_ref(stream: &str) -> Json {
    if stream.is_empty() {
        Json::Null
    } else {
        Json::String(stream.to_owned())
    }
}

/// The batons one server gave a stream.
#[derive(Debug, Default)]
struct StreamState {
    current: Option<String>,
    seen: Vec<String>,
    last_used: Option<Instant>,
}

/// One server's side of a replay.
pub struct Side<'a> {
    pub client: &'a Client,
    streams: HashMap<String, StreamState>,
}

impl<'a> Side<'a> {
    pub fn new(client: &'a Client) -> Self {
        Side {
            client,
            streams: HashMap::new(),
        }
    }

    /// Fill in the baton; return the stream the reply's baton belongs to.
    fn resolve(&mut self, req: &Request) -> (Request, Option<String>) {
        let mut req = req.clone();
        let Some(body) = &req.body else {
            return (req, None);
        };
        let Ok(mut v) = serde_json::from_str::<Json>(body) else {
            return (req, None);
        };
        let Some(name) = v.get("baton").and_then(Json::as_str).map(str::to_owned) else {
            return (req, None);
        };
        let Some(name) = name.strip_prefix('@') else {
            return (req, None);
        };
        let (stream, stale) = match name.strip_suffix('~') {
            Some(s) => (s.to_owned(), true),
            None => (name.to_owned(), false),
        };
        let state = self.streams.entry(stream.clone()).or_default();
        let baton = if stale {
            state
                .seen
                .iter()
                .rev()
                .find(|b| Some(*b) != state.current.as_ref())
                .cloned()
        } else {
            state.current.clone()
        };
        v["baton"] = baton.map_or(Json::Null, Json::String);
        req.body = Some(v.to_string());
        (req, (!stale).then_some(stream))
    }

    fn update(&mut self, stream: &str, reply: &Reply, cursor: bool) {
        let state = self.streams.entry(stream.to_owned()).or_default();
        state.last_used = Some(Instant::now());
        if reply.status / 100 != 2 {
            return;
        }
        let text = reply.text();
        let head = if cursor {
            text.lines().next().unwrap_or("").to_owned()
        } else {
            text
        };
        if let Ok(v) = serde_json::from_str::<Json>(&head) {
            if let Some(b) = v.get("baton") {
                state.current = b.as_str().map(str::to_owned);
                if let Some(b) = &state.current {
                    state.seen.push(b.clone());
                }
            }
        }
    }

    /// Send one request (batons filled in) and keep the reply's baton.
    pub fn send(&mut self, req: &Request) -> Reply {
        let (req, stream) = self.resolve(req);
        let reply = self.client.send(&req);
        if let Some(s) = stream {
            self.update(&s, &reply, req.path.ends_with("/cursor"));
        }
        reply
    }

    /// Send a cursor request and read its reply up to line 1 (updating the
    /// stream's baton), or up to `more` lines after it.
    fn open_cursor(&mut self, req: &Request, more: usize) -> Open {
        let (req, stream) = self.resolve(req);
        let mut open = self.client.open(&req);
        if open.reply.status == 200 {
            for _ in 0..=more {
                if open.line().is_none() {
                    break;
                }
            }
        }
        if let Some(s) = stream {
            self.update(&s, &open.reply, true);
        }
        open
    }

    /// [`Action::Overlap`] on this server: the replies to `cursor`,
    /// `during` and `then`.
    fn overlap(&mut self, cursor: &Request, during: &Request, then: &Request) -> [Reply; 3] {
        let open = self.open_cursor(cursor, 0);
        let (during, stream) = self.resolve(during);
        let client = self.client.clone();
        let pending = std::thread::spawn(move || client.send(&during));
        let then = self.send(then);
        let during = pending.join().unwrap_or_else(|_| Reply {
            status: 0,
            headers: Vec::new(),
            body: b"the request's thread panicked".to_vec(),
            truncated: true,
        });
        if let Some(s) = stream {
            self.update(&s, &during, false);
        }
        [open.finish(), during, then]
    }

    /// [`Action::Abandon`] on this server: the reply as far as it was read.
    fn abandon(&mut self, cursor: &Request, lines: usize) -> Reply {
        let Open { reply, .. } = self.open_cursor(cursor, lines);
        // The rest of the body is dropped unread: the connection closes.
        reply
    }

    fn idle_since(&self, stream: &str) -> Option<Instant> {
        self.streams.get(stream).and_then(|s| s.last_used)
    }
}

/// A difference found at one step.
#[derive(Debug, Clone)]
pub struct Found {
    pub seq: String,
    pub step: usize,
    pub label: String,
    pub request: String,
    pub diff: Diff,
}

impl std::fmt::Display for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} step {} ({}): {}\n    request: {}\n    sqld:      {}\n    reference: {}",
            self.seq,
            self.step,
            self.label,
            self.diff.path,
            self.request,
            self.diff.sqld,
            self.diff.reference
        )
    }
}

/// Replay `seq` on both servers, step by step; every difference found.
pub fn replay(seq: &Seq, sqld: &mut Side<'_>, ours: &mut Side<'_>) -> Vec<Found> {
    let mut found = Vec::new();
    for (i, step) in seq.steps.iter().enumerate() {
        let mut check = |label: &str, req: &Request, a: &Reply, b: &Reply| {
            for diff in compare(req.method, &req.path, a, b) {
                found.push(Found {
                    seq: seq.name.clone(),
                    step: i,
                    label: label.to_owned(),
                    request: describe_request(req, &diff.path),
                    diff,
                });
            }
            if std::env::var_os("SQLPORT_DIFF_TRACE").is_some() {
                eprintln!(
                    "[{}#{i} {label}] {} {} {}\n  sqld {} {} | ours {} {}",
                    seq.name,
                    req.method,
                    req.path,
                    req.body.as_deref().unwrap_or(""),
                    a.status,
                    snippet(a),
                    b.status,
                    snippet(b)
                );
            }
        };
        match &step.action {
            Action::Send(req) => {
                let a = sqld.send(req);
                let b = ours.send(req);
                check(&step.label, req, &a, &b);
            }
            Action::Overlap {
                cursor,
                during,
                then,
            } => {
                let a = sqld.overlap(cursor, during, then);
                let b = ours.overlap(cursor, during, then);
                for (k, (what, req)) in [("cursor", cursor), ("during", during), ("then", then)]
                    .into_iter()
                    .enumerate()
                {
                    check(&format!("{}: {what}", step.label), req, &a[k], &b[k]);
                }
            }
            Action::Abandon { cursor, lines } => {
                let a = sqld.abandon(cursor, *lines);
                let b = ours.abandon(cursor, *lines);
                check(&step.label, cursor, &a, &b);
            }
            Action::IdleFor(stream, d) => {
                // Bounded: the wait is at most `d` past the later last use.
                let since = [sqld.idle_since(stream), ours.idle_since(stream)]
                    .into_iter()
                    .flatten()
                    .max();
                if let Some(since) = since {
                    let until = since + *d;
                    let now = Instant::now();
                    if until > now {
                        std::thread::sleep(until - now);
                    }
                }
            }
        }
    }
    found
}

/// The request, or for a difference in `results[i]` / `step_results[i]`
/// the request or step it belongs to.
fn describe_request(req: &Request, path: &str) -> String {
    let whole = format!(
        "{} {} {}",
        req.method,
        req.path,
        req.body.as_deref().map(short).unwrap_or_default()
    );
    let Some(body) = req
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str::<Json>(b).ok())
    else {
        return whole;
    };
    let index = |key: &str| -> Option<usize> {
        let rest = path.split(key).nth(1)?;
        rest.split(']').next()?.parse().ok()
    };
    let Some(i) = index("results[") else {
        return whole;
    };
    let Some(r) = body.get("requests").and_then(|r| r.get(i)) else {
        return whole;
    };
    let part = match index("step_results[").or_else(|| index("step_errors[")) {
        Some(k) => r.pointer(&format!("/batch/steps/{k}")).unwrap_or(r),
        None => r,
    };
    format!(
        "{} {} requests[{i}]: {}",
        req.method,
        req.path,
        short(&part.to_string())
    )
}

fn short(s: &str) -> String {
    if s.len() > 400 {
        let mut end = 400;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s.to_owned()
    }
}
