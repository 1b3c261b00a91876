//! Property tests (proptest) of the client's decoders: pipeline replies fed
//! to a [`Session`] and cursor bodies fed to a [`CursorReader`], generated
//! well-formed and then mutated (bytes flipped, cut, inserted), split at any
//! points. Nothing panics; every failure is a typed error; a session stays
//! usable after any reply. Case count: `PROPTEST_CASES` (default 256).

use proptest::prelude::*;
use serde_json::{Value as J, json};
use sqlport_core::{Batch, BatchMode, CollectRows, Statement};
use url::Url;

use super::cursor::CursorReader;
use super::request::HttpResponse;
use super::session::{Next, Session};
use crate::proto::Version;
use crate::proto::wire;

/// A JSON value as the wire encodes it.
fn wire_value() -> impl Strategy<Value = J> {
    prop_oneof![
        Just(json!({"type":"null"})),
        any::<i64>().prop_map(|i| json!({"type":"integer","value":i.to_string()})),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!({"type":"float","value":f})),
        any::<String>().prop_map(|s| json!({"type":"text","value":s})),
        prop::collection::vec(any::<u8>(), 0..16).prop_map(|b| {
            use base64::Engine as _;
            json!({"type":"blob","base64":base64::engine::general_purpose::STANDARD_NO_PAD.encode(b)})
        }),
    ]
}

/// A statement result with `width` columns.
fn stmt_result() -> impl Strategy<Value = J> {
    (0usize..4).prop_flat_map(|width| {
        (
            prop::collection::vec(prop::collection::vec(wire_value(), width), 0..4),
            any::<u32>(),
            prop::option::of(any::<i64>()),
        )
            .prop_map(move |(rows, affected, rowid)| {
                let cols: Vec<J> = (0..width)
                    .map(|i| json!({"name": format!("c{i}"), "decltype": null}))
                    .collect();
                json!({"cols": cols, "rows": rows, "affected_row_count": affected,
                       "last_insert_rowid": rowid.map(|r| r.to_string())})
            })
    })
}

/// What the operation is.
#[derive(Debug, Clone)]
enum Op {
    Execute(&'static str),
    Batch(BatchMode, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        prop::sample::select(vec![
            "SELECT 1",
            "INSERT INTO t VALUES (1)",
            "BEGIN",
            "COMMIT",
            "ROLLBACK",
            "PRAGMA foreign_keys = OFF",
            "SAVEPOINT s",
            "RELEASE s",
        ])
        .prop_map(Op::Execute),
        (
            prop::sample::select(vec![
                BatchMode::StopOnError,
                BatchMode::ContinueOnError,
                BatchMode::Atomic(sqlport_core::TransactionBehavior::Deferred),
            ]),
            1usize..4
        )
            .prop_map(|(m, n)| Op::Batch(m, n)),
    ]
}

fn start(s: &mut Session, op: &Op) -> sqlport_core::Result<Next> {
    match op {
        Op::Execute(sql) => s.execute(&Statement::new(*sql)),
        Op::Batch(mode, n) => s.batch(&Batch::new(
            (0..*n).map(|i| Statement::new(format!("INSERT INTO t VALUES ({i})"))),
            *mode,
        )),
    }
}

/// A well-formed reply to the pipeline `body`, every request answered with
/// a response of its type built from `results`.
fn reply_to(body: &J, results: &[J], autocommit: bool, baton: Option<&str>) -> J {
    let mut k = 0;
    let mut next_result = || {
        k += 1;
        results
            .get(k % results.len().max(1))
            .cloned()
            .unwrap_or(json!({"cols":[],"rows":[],"affected_row_count":0,"last_insert_rowid":null}))
    };
    let reqs = body["requests"].as_array().cloned().unwrap_or_default();
    let out: Vec<J> = reqs
        .iter()
        .map(|r| {
            let response = match r["type"].as_str().unwrap_or("") {
                "execute" => json!({"type":"execute","result":next_result()}),
                "batch" => {
                    let n = r["batch"]["steps"].as_array().map_or(0, Vec::len);
                    let steps: Vec<J> = (0..n).map(|_| next_result()).collect();
                    json!({"type":"batch","result":{"step_results":steps,"step_errors":vec![J::Null; n]}})
                }
                "get_autocommit" => json!({"type":"get_autocommit","is_autocommit":autocommit}),
                "describe" => json!({"type":"describe","result":{"params":[],"cols":[],"is_explain":false,"is_readonly":true}}),
                t => json!({ "type": t }),
            };
            json!({"type":"ok","response":response})
        })
        .collect();
    json!({"baton": baton, "base_url": null, "results": out})
}

/// Mutations of a byte string.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![
                    any::<u8>(),
                    prop::sample::select(b"{}[]\",:\n0-e.9\\".to_vec())
                ],
                1..8
            )
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..16).prop_map(|(i, n)| Mutation::Remove(i, n)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                if let Some(x) = bytes.get_mut(i % len) {
                    *x ^= b | 1;
                }
            }
            Mutation::Cut(i) => bytes.truncate(i % len),
            Mutation::Insert(i, b) => {
                let at = (i % len).min(bytes.len());
                bytes.splice(at..at, b.iter().copied());
            }
            Mutation::Remove(i, n) => {
                let at = (i % len).min(bytes.len());
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

/// Split `bytes` at the given points.
fn chunks(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut out = Vec::new();
    let mut last = 0;
    for p in points {
        out.push(bytes[last..p].to_vec());
        last = p;
    }
    out.push(bytes[last..].to_vec());
    out
}

/// A cursor body: line 1, then the steps' entries.
fn cursor_body() -> impl Strategy<Value = (usize, String, u64)> {
    (1usize..4, prop::collection::vec((0usize..3, prop::collection::vec(wire_value(), 0..3), any::<bool>()), 1..4))
        .prop_map(|(_, steps)| {
            let mut lines = vec![json!({"baton":"b","base_url":null}).to_string()];
            let mut rows_of_last = 0u64;
            for (i, (width, cells, fail)) in steps.iter().enumerate() {
                if *fail {
                    lines.push(json!({"type":"step_error","step":i,"error":{"message":"m","code":"SQLITE_CONSTRAINT"}}).to_string());
                    continue;
                }
                let cols: Vec<J> = (0..*width).map(|c| json!({"name": format!("c{c}")})).collect();
                lines.push(json!({"type":"step_begin","step":i,"cols":cols}).to_string());
                let mut n = 0;
                if *width > 0 {
                    for chunk in cells.chunks(*width) {
                        if chunk.len() == *width {
                            lines.push(json!({"type":"row","row":chunk}).to_string());
                            n += 1;
                        }
                    }
                }
                if i + 1 == steps.len() {
                    rows_of_last = n;
                }
                lines.push(json!({"type":"step_end","affected_row_count":0,"last_insert_rowid":null}).to_string());
            }
            lines.push(json!({"type":"replication_index","replication_index":1}).to_string());
            (steps.len(), lines.join("\n") + "\n", rows_of_last)
        })
}

proptest! {
    /// Any reply (well-formed, mutated, any status) to any operation, in or
    /// out of a transaction: no panic, and the session goes on.
    #[test]
    fn pipeline_replies_never_panic(
        v3 in any::<bool>(),
        in_tx in any::<bool>(),
        op in op(),
        results in prop::collection::vec(stmt_result(), 1..3),
        autocommit in any::<bool>(),
        keep_baton in any::<bool>(),
        status in prop::sample::select(vec![200u16, 200, 200, 400, 401, 403, 404, 500, 502, 503]),
        mutations in prop::collection::vec(mutation(), 0..4),
    ) {
        let version = if v3 { Version::V3 } else { Version::V2 };
        let mut s = Session::new(Url::parse("http://db.test/").unwrap(), version);
        if in_tx {
            let _ = s.execute(&Statement::new("BEGIN"));
        }
        let Ok(Next::Send(req)) = start(&mut s, &op) else { return Ok(()); };
        let body: J = serde_json::from_slice(&req.body).unwrap();
        let reply = reply_to(&body, &results, autocommit, keep_baton.then_some("b1"));
        let bytes = mutate(serde_json::to_vec(&reply).unwrap(), &mutations);
        let mut next = s.on_response(HttpResponse { status, body: bytes.clone() });
        // Follow-up requests (a retry, a describe) get the same treatment, bounded.
        for _ in 0..8 {
            match next {
                Ok(Next::Send(req)) => {
                    let body: J = serde_json::from_slice(&req.body).unwrap();
                    let reply = reply_to(&body, &results, autocommit, None);
                    next = s.on_response(HttpResponse { status: 200, body: serde_json::to_vec(&reply).unwrap() });
                }
                _ => break,
            }
        }
        // Still usable: a new operation starts (or is refused with a typed
        // error while a lost transaction waits for its ROLLBACK).
        match s.execute(&Statement::new("SELECT 1")) {
            Ok(_) => {}
            Err(e) => prop_assert!(e.is_transaction_lost(), "{e:?}"),
        }
    }

    /// Arbitrary bytes as a pipeline reply.
    #[test]
    fn garbage_pipeline_replies_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), status in any::<u16>()) {
        let mut s = Session::new(Url::parse("http://db.test/").unwrap(), Version::V3);
        let _ = s.execute(&Statement::new("SELECT 1")).unwrap();
        let _ = s.on_response(HttpResponse { status, body: bytes });
        let _ = s.execute(&Statement::new("SELECT 1")).unwrap();
    }

    /// A well-formed cursor body split anywhere gives the same rows.
    #[test]
    fn cursor_bodies_split_anywhere((steps, body, rows) in cursor_body(), cuts in prop::collection::vec(any::<usize>(), 0..6)) {
        let mut reader = CursorReader::new(steps, steps - 1);
        let mut sink = CollectRows::default();
        for chunk in chunks(body.as_bytes(), &cuts) {
            reader.feed(&chunk, &mut sink).unwrap();
        }
        let out = reader.finish(&mut sink).unwrap();
        prop_assert_eq!(out.steps.len(), steps);
        prop_assert_eq!(sink.rows.len() as u64, rows);
    }

    /// Mutated cursor bodies, split anywhere: a result or a typed error.
    #[test]
    fn mutated_cursor_bodies_never_panic(
        (steps, body, _) in cursor_body(),
        target in 0usize..4,
        mutations in prop::collection::vec(mutation(), 1..5),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let bytes = mutate(body.into_bytes(), &mutations);
        let mut reader = CursorReader::new(steps, target % steps);
        let mut sink = CollectRows::default();
        for chunk in chunks(&bytes, &cuts) {
            if reader.feed(&chunk, &mut sink).is_err() {
                return Ok(());
            }
        }
        let _ = reader.finish(&mut sink);
    }

    /// Wire values: any JSON in a value's place decodes or fails cleanly;
    /// the values the client encodes decode to themselves.
    #[test]
    fn wire_values_decode_cleanly(
        t in prop::sample::select(vec!["null", "integer", "float", "text", "blob", "other", ""]),
        value in prop_oneof![Just(J::Null), any::<i64>().prop_map(J::from), any::<f64>().prop_map(J::from), any::<String>().prop_map(J::from), any::<bool>().prop_map(J::from)],
        base64 in prop_oneof![Just(J::Null), "[A-Za-z0-9+/=]{0,12}".prop_map(J::from), any::<String>().prop_map(J::from)],
        good in wire_value(),
    ) {
        let odd = json!({"type": t, "value": value, "base64": base64});
        let _ = serde_json::from_value::<wire::Value>(odd);
        let decoded: wire::Value = serde_json::from_value(good.clone()).unwrap();
        let core = sqlport_core::Value::from(decoded);
        let again = serde_json::to_value(super::codec::encode_value(&core).unwrap()).unwrap();
        let back: wire::Value = serde_json::from_value(again).unwrap();
        prop_assert_eq!(sqlport_core::Value::from(back), core);
    }
}
