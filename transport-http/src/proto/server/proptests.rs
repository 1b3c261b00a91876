//! Property tests of the server's request decoder and request loop: bodies of
//! `/v2|v3/pipeline`, `/v3/cursor`, `/v1/execute` and `/v1/batch` — random
//! bytes, JSON generated from the protocol's vocabulary, and valid bodies
//! mutated byte by byte — never panic, and what decodes runs (against the
//! scripted executor) without panicking either.
//!
//! 256 cases per property by default; set `PROPTEST_CASES` for more (e.g.
//! `PROPTEST_CASES=100000 cargo test -p sqlport-http --lib proptests`).

use proptest::prelude::*;
use serde_json::{Value as Json, json};

use super::tests::Fake;
use super::*;
use crate::proto::wire;

/// Run `body` through every decoder and, where it decodes, through the
/// request loop. Only panics matter: every outcome is allowed.
fn exercise(body: &[u8]) {
    let limits = Limits {
        max_response_bytes: 4096,
        max_line_bytes: 512,
    };
    for version in [Version::V2, Version::V3] {
        if let Ok(req) = decode_pipeline(body) {
            let mut stream = ServerStream::new();
            let mut exec = Fake::new();
            if let Ok(out) = stream.run_pipeline(version, &req.requests, &mut exec, &limits) {
                let text = out.encode(req.baton.as_deref(), None);
                let _: wire::PipelineResponse =
                    serde_json::from_str(&text).expect("the server's own reply decodes");
            }
        }
    }
    if let Ok(req) = decode_cursor(body) {
        let stream = ServerStream::new();
        let mut exec = Fake::new();
        if let Ok(prepared) = prepare_cursor(&stream, &req.batch, &mut exec) {
            let mut lines = 0usize;
            let _ =
                prepared
                    .with_max_line_bytes(limits.max_line_bytes)
                    .run(&mut exec, &mut |line| {
                        let _: wire::CursorEntry =
                            serde_json::from_str(&line).expect("the server's own entry decodes");
                        lines += 1;
                        lines < 10_000
                    });
        }
    }
    let _ = run_v1_execute(body, &mut Fake::new(), &limits);
    let _ = run_v1_batch(body, &mut Fake::new(), &limits);
}

/// SQL the scripted executor knows, and some it does not.
fn sql() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(json!("select 1")),
        Just(json!("select 2;")),
        Just(json!("fail")),
        Just(json!("big")),
        Just(json!("begin")),
        Just(json!("commit")),
        Just(json!("broken")),
        Just(json!("selec")),
        Just(json!("nosuchtable")),
        Just(json!("")),
        Just(json!(null)),
        any::<String>().prop_map(Json::from),
    ]
}

fn value() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(json!({"type": "null"})),
        any::<i64>().prop_map(|i| json!({"type": "integer", "value": i.to_string()})),
        any::<String>().prop_map(|s| json!({"type": "integer", "value": s})),
        any::<f64>().prop_map(|f| json!({"type": "float", "value": f})),
        any::<String>().prop_map(|s| json!({"type": "text", "value": s})),
        any::<String>().prop_map(|s| json!({"type": "blob", "base64": s})),
        any::<String>().prop_map(|t| json!({"type": t})),
    ]
}

fn stmt() -> impl Strategy<Value = Json> {
    (
        sql(),
        proptest::option::of(any::<i32>()),
        proptest::collection::vec(value(), 0..3),
        proptest::collection::vec((any::<String>(), value()), 0..2),
        any::<bool>(),
    )
        .prop_map(|(sql, sql_id, args, named, want_rows)| {
            let mut m = serde_json::Map::new();
            if !sql.is_null() {
                m.insert("sql".into(), sql);
            }
            if let Some(id) = sql_id {
                m.insert("sql_id".into(), json!(id));
            }
            m.insert("args".into(), Json::Array(args));
            m.insert(
                "named_args".into(),
                Json::Array(
                    named
                        .into_iter()
                        .map(|(name, value)| json!({"name": name, "value": value}))
                        .collect(),
                ),
            );
            m.insert("want_rows".into(), json!(want_rows));
            Json::Object(m)
        })
}

fn cond() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        (0u32..6).prop_map(|s| json!({"type": "ok", "step": s})),
        (0u32..6).prop_map(|s| json!({"type": "error", "step": s})),
        Just(json!({"type": "is_autocommit"})),
        any::<String>().prop_map(|t| json!({"type": t})),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner
                .clone()
                .prop_map(|c| json!({"type": "not", "cond": c})),
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|cs| json!({"type": "and", "conds": cs})),
            proptest::collection::vec(inner, 0..4)
                .prop_map(|cs| json!({"type": "or", "conds": cs})),
        ]
    })
}

fn batch() -> impl Strategy<Value = Json> {
    proptest::collection::vec((stmt(), proptest::option::of(cond())), 0..6).prop_map(|steps| {
        json!({"steps": steps.into_iter().map(|(stmt, condition)| {
            json!({"stmt": stmt, "condition": condition})
        }).collect::<Vec<_>>()})
    })
}

fn request() -> impl Strategy<Value = Json> {
    prop_oneof![
        stmt().prop_map(|s| json!({"type": "execute", "stmt": s})),
        batch().prop_map(|b| json!({"type": "batch", "batch": b})),
        (sql(), proptest::option::of(any::<i32>()))
            .prop_map(|(sql, id)| json!({"type": "sequence", "sql": sql, "sql_id": id})),
        (sql(), proptest::option::of(any::<i32>()))
            .prop_map(|(sql, id)| json!({"type": "describe", "sql": sql, "sql_id": id})),
        (any::<i32>(), sql())
            .prop_map(|(id, sql)| json!({"type": "store_sql", "sql_id": id, "sql": sql})),
        (0i32..4).prop_map(|id| json!({"type": "close_sql", "sql_id": id})),
        Just(json!({"type": "get_autocommit"})),
        Just(json!({"type": "close"})),
        any::<String>().prop_map(|t| json!({"type": t})),
    ]
}

/// Whole bodies of every endpoint.
fn body() -> impl Strategy<Value = Json> {
    let baton = proptest::option::of(any::<String>());
    prop_oneof![
        (baton.clone(), proptest::collection::vec(request(), 0..6))
            .prop_map(|(b, reqs)| json!({"baton": b, "requests": reqs})),
        (baton, batch()).prop_map(|(b, batch)| json!({"baton": b, "batch": batch})),
        stmt().prop_map(|s| json!({"stmt": s})),
        batch().prop_map(|b| json!({"batch": b})),
    ]
}

/// Arbitrary JSON from the protocol's words.
fn loose_json() -> impl Strategy<Value = Json> {
    let words = prop_oneof![
        Just("type"),
        Just("requests"),
        Just("baton"),
        Just("stmt"),
        Just("sql"),
        Just("sql_id"),
        Just("args"),
        Just("named_args"),
        Just("batch"),
        Just("steps"),
        Just("condition"),
        Just("step"),
        Just("cond"),
        Just("conds"),
        Just("value"),
        Just("execute"),
        Just("close"),
        Just("sequence"),
        Just("describe"),
        Just("store_sql"),
        Just("integer"),
        Just("text"),
        Just("blob"),
        Just("base64"),
    ];
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(|f| json!(f)),
        words.clone().prop_map(Json::from),
        any::<String>().prop_map(Json::from),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            proptest::collection::vec((words.clone(), inner), 0..6).prop_map(|kv| {
                Json::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }

    #[test]
    fn generated_bodies_never_panic(body in body()) {
        exercise(body.to_string().as_bytes());
    }

    #[test]
    fn loose_json_never_panics(body in loose_json()) {
        exercise(body.to_string().as_bytes());
    }

    #[test]
    fn mutated_bodies_never_panic(
        body in body(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut bytes = body.to_string().into_bytes();
        for (at, byte, op) in edits {
            if bytes.is_empty() {
                bytes.push(byte);
                continue;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => bytes.insert(i, byte),
                _ => { bytes.remove(i); }
            }
        }
        exercise(&bytes);
    }
}
