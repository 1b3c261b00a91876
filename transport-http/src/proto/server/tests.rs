//! Unit tests of the pipeline, batch, sequence, cursor and v1 logic against a
//! scripted executor.

use std::sync::Arc;

use serde_json::{Value as Json, json};
use sqlport_core::{Column, Error, ResultSet, Row, Statement, Value};

use super::*;
use crate::proto::wire;

/// A fake connection: `select N` returns N; `fail` is a UNIQUE violation;
/// `big` returns 1 kB; `selec…` is a syntax error; `begin`/`commit` toggle
/// autocommit; `broken` is an internal error. Records what ran.
#[derive(Default)]
pub(super) struct Fake {
    ran: Vec<String>,
    autocommit: bool,
    /// Rows handed to a sink by `many` (a result of a million rows).
    streamed: usize,
}

impl Fake {
    pub(super) fn new() -> Self {
        Fake {
            ran: Vec::new(),
            autocommit: true,
            streamed: 0,
        }
    }
}

/// Rows in the `many` result.
const MANY: usize = 1_000_000;

fn one(v: Value) -> ResultSet {
    let cols: Arc<[Column]> = vec![Column::new("v", None)].into();
    ResultSet {
        rows: vec![Row::new(cols.clone(), vec![v]).unwrap()],
        columns: cols,
        rows_affected: 0,
        last_insert_rowid: None,
        rows_read: None,
        rows_written: None,
    }
}

impl StreamExecutor for Fake {
    fn execute(&mut self, stmt: &Statement) -> sqlport_core::Result<ResultSet> {
        let sql = stmt
            .sql
            .trim()
            .trim_end_matches(';')
            .trim()
            .to_ascii_lowercase();
        self.ran.push(sql.clone());
        if let Some(n) = sql.strip_prefix("select ") {
            return match n.parse::<i64>() {
                Ok(n) => Ok(one(Value::Integer(n))),
                Err(_) => Ok(one(Value::Real(f64::INFINITY))),
            };
        }
        match sql.as_str() {
            "fail" => Err(Error::sqlite(
                19,
                Some(2067),
                "UNIQUE constraint failed: t.x",
            )),
            "big" => Ok(one(Value::Blob(vec![0; 1000]))),
            "begin" => {
                self.autocommit = false;
                Ok(ResultSet::default())
            }
            "commit" => {
                self.autocommit = true;
                Ok(ResultSet::default())
            }
            "broken" => Err(Error::Closed),
            s if s.starts_with("selec") => {
                Err(Error::sqlite(1, None, "near \"selec\": syntax error"))
            }
            _ => Ok(ResultSet::default()),
        }
    }

    fn describe(&mut self, sql: &str) -> sqlport_core::Result<Description> {
        let s = sql.trim().to_ascii_lowercase();
        if s.starts_with("selec") && !s.starts_with("select") {
            return Err(Error::sqlite(1, None, "near \"selec\": syntax error"));
        }
        if s.contains("nosuchtable") {
            return Err(Error::sqlite(1, None, "no such table: nosuchtable"));
        }
        Ok(Description {
            params: vec![None, Some(":a".into())],
            columns: vec![Column::new("v", Some("INT".into()))],
            is_explain: false,
            is_readonly: true,
        })
    }

    fn query_stream(
        &mut self,
        stmt: &Statement,
        sink: &mut dyn sqlport_core::RowSink,
    ) -> sqlport_core::Result<sqlport_core::Summary> {
        // Like SQLite: a run-time failure comes after the columns are known.
        if stmt.sql.trim() == "fail" {
            sink.columns(&Arc::from(Vec::new()))?;
        }
        if stmt.sql.trim() == "many" {
            self.ran.push("many".into());
            let cols: Arc<[Column]> = vec![Column::new("v", None)].into();
            sink.columns(&cols)?;
            for i in 0..MANY {
                self.streamed += 1;
                let row = Row::new(cols.clone(), vec![Value::Integer(i as i64)])?;
                if sink.row(row)?.is_break() {
                    break;
                }
            }
            return Ok(sqlport_core::Summary {
                columns: cols,
                rows_affected: 0,
                last_insert_rowid: None,
                rows_read: None,
                rows_written: None,
            });
        }
        let rs = self.execute(stmt)?;
        sqlport_core::transport::feed(rs, sink)
    }

    fn is_autocommit(&self) -> bool {
        self.autocommit
    }
}

fn pipeline(
    version: Version,
    stream: &mut ServerStream,
    exec: &mut Fake,
    reqs: Json,
) -> Result<Vec<Json>, Fatal> {
    pipeline_limited(version, stream, exec, reqs, Limits::default())
}

fn pipeline_limited(
    version: Version,
    stream: &mut ServerStream,
    exec: &mut Fake,
    reqs: Json,
    limits: Limits,
) -> Result<Vec<Json>, Fatal> {
    let body = json!({"baton": null, "requests": reqs}).to_string();
    let req = decode_pipeline(body.as_bytes())?;
    let out = stream.run_pipeline(version, &req.requests, exec, &limits)?;
    let text = out.encode(None, None);
    let parsed: wire::PipelineResponse =
        serde_json::from_str(&text).expect("response decodes as wire type");
    assert_eq!(parsed.results.len(), req.requests.len());
    let v: Json = serde_json::from_str(&text).unwrap();
    Ok(v["results"].as_array().unwrap().clone())
}

fn code(r: &Json) -> &str {
    r["error"]["code"].as_str().unwrap_or("")
}

#[test]
fn execute_and_errors_in_band() {
    let (mut s, mut e) = (ServerStream::new(), Fake::new());
    let r = pipeline(
        Version::V2,
        &mut s,
        &mut e,
        json!([
            {"type":"execute","stmt":{"sql":"select 1"}},
            {"type":"execute","stmt":{"sql":"fail"}},
            {"type":"execute","stmt":{"sql":"selec 1"}},
            {"type":"execute","stmt":{"sql":"select ?","args":[{"type":"integer","value":"1"}],"named_args":[{"name":"a","value":{"type":"null"}}]}},
            {"type":"execute","stmt":{"sql":"select x"}},
            {"type":"close"}
        ]),
    )
    .unwrap();
    assert_eq!(r[0]["response"]["result"]["rows"][0][0]["value"], "1");
    assert_eq!(code(&r[1]), "SQLITE_CONSTRAINT");
    assert_eq!(code(&r[2]), "SQL_PARSE_ERROR");
    assert_eq!(code(&r[3]), "ARGS_BOTH_POSITIONAL_AND_NAMED");
    assert_eq!(
        r[4]["response"]["result"]["rows"][0][0],
        json!({"type":"float","value":null})
    );
    assert_eq!(r[5]["response"]["type"], "close");
}

#[test]
fn protocol_errors_fail_the_whole_pipeline() {
    let cases = [
        (
            Version::V3,
            json!([{"type":"close"},{"type":"execute","stmt":{"sql":"select 1"}}]),
        ),
        (
            Version::V3,
            json!([{"type":"execute","stmt":{"sql":"select 1","sql_id":1}}]),
        ),
        (Version::V3, json!([{"type":"execute","stmt":{}}])),
        (Version::V3, json!([{"type":"execute","stmt":{"sql_id":9}}])),
        (Version::V3, json!([{"type":"describe","sql_id":9}])),
        (
            Version::V3,
            json!([{"type":"store_sql","sql_id":1,"sql":"x"},{"type":"store_sql","sql_id":1,"sql":"y"}]),
        ),
        (Version::V2, json!([{"type":"get_autocommit"}])),
        (
            Version::V2,
            json!([{"type":"batch","batch":{"steps":[{"stmt":{"sql":"select 1"},"condition":{"type":"is_autocommit"}}]}}]),
        ),
        (
            Version::V3,
            json!([{"type":"batch","batch":{"steps":[{"stmt":{"sql":"select 1"},"condition":{"type":"ok","step":0}}]}}]),
        ),
        (
            Version::V3,
            json!([{"type":"execute","stmt":{"sql":"select 1","args":[{"type":"float","value":null}]}}]),
        ),
    ];
    for (version, reqs) in cases {
        let (mut s, mut e) = (ServerStream::new(), Fake::new());
        let err = pipeline(version, &mut s, &mut e, reqs.clone()).unwrap_err();
        assert!(matches!(err, Fatal::Protocol(_)), "{reqs}: {err:?}");
        assert_eq!(err.status(), 400);
    }
    for body in [
        "",
        "{",
        "[]",
        "{\"requests\":[{\"type\":\"frobnicate\"}]}",
        "{\"requests\":[{\"type\":\"execute\",\"stmt\":{\"sql\":\"x\",\"args\":[{\"type\":\"integer\",\"value\":5}]}}]}",
    ] {
        assert!(
            matches!(decode_pipeline(body.as_bytes()), Err(Fatal::Protocol(_))),
            "{body}"
        );
    }
}

#[test]
fn internal_errors_are_fatal_500() {
    let (mut s, mut e) = (ServerStream::new(), Fake::new());
    let err = pipeline(
        Version::V3,
        &mut s,
        &mut e,
        json!([{"type":"execute","stmt":{"sql":"broken"}}]),
    )
    .unwrap_err();
    assert_eq!(err.status(), 500);
}

#[test]
fn get_autocommit_follows_the_connection() {
    let (mut s, mut e) = (ServerStream::new(), Fake::new());
    let r = pipeline(
        Version::V3,
        &mut s,
        &mut e,
        json!([{"type":"get_autocommit"},{"type":"execute","stmt":{"sql":"begin"}},{"type":"get_autocommit"}]),
    )
    .unwrap();
    assert_eq!(r[0]["response"]["is_autocommit"], true);
    assert_eq!(r[2]["response"]["is_autocommit"], false);
}

#[test]
fn batch_conditions_follow_sqld() {
    let (mut s, mut e) = (ServerStream::new(), Fake::new());
    let r = pipeline(
        Version::V3,
        &mut s,
        &mut e,
        json!([{"type":"batch","batch":{"steps":[
            {"stmt":{"sql":"select 0"}},
            {"stmt":{"sql":"fail"}},
            {"stmt":{"sql":"select 2"},"condition":{"type":"ok","step":0}},
            {"stmt":{"sql":"select 3"},"condition":{"type":"error","step":1}},
            {"stmt":{"sql":"select 4"},"condition":{"type":"ok","step":1}},
            {"stmt":{"sql":"select 5"},"condition":{"type":"error","step":4}},
            {"stmt":{"sql":"select 6"},"condition":{"type":"and","conds":[]}},
            {"stmt":{"sql":"select 7"},"condition":{"type":"or","conds":[]}},
            {"stmt":{"sql":"select 8"},"condition":{"type":"not","cond":{"type":"is_autocommit"}}},
            {"stmt":{"sql":"select 9"},"condition":{"type":"or","conds":[{"type":"ok","step":7},{"type":"is_autocommit"}]}}
        ]}}]),
    )
    .unwrap();
    let res = &r[0]["response"]["result"];
    let ran: Vec<bool> = res["step_results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| !x.is_null())
        .collect();
    assert_eq!(
        ran,
        [
            true, false, true, true, false, true, true, false, false, true
        ]
    );
    assert_eq!(res["step_errors"][1]["code"], "SQLITE_CONSTRAINT");
    assert!(res["step_errors"][4].is_null());
}

#[test]
fn batch_parse_error_fails_before_anything_runs() {
    let (mut s, mut e) = (ServerStream::new(), Fake::new());
    let r = pipeline(
        Version::V3,
        &mut s,
        &mut e,
        json!([{"type":"batch","batch":{"steps":[
            {"stmt":{"sql":"insert"}},
            {"stmt":{"sql":"selec 1"}}
        ]}},
        {"type":"batch","batch":{"steps":[
            {"stmt":{"sql":"create nosuchtable"}},
            {"stmt":{"sql":"select 1"}}
        ]}}]),
    )
    .unwrap();
    assert_eq!(code(&r[0]), "SQL_PARSE_ERROR");
    assert_eq!(r[1]["type"], "ok");
    assert_eq!(e.ran, ["create nosuchtable", "select 1"]);
}

#[test]
fn sequence_stops_at_first_failure_and_checks_parse_first() {
    let (mut s, mut e) = (ServerStream::new(), Fake::new());
    let r = pipeline(
        Version::V3,
        &mut s,
        &mut e,
        json!([
            {"type":"sequence","sql":"select 1; fail; select 3"},
            {"type":"sequence","sql":"select 4; selec 5"},
            {"type":"store_sql","sql_id":3,"sql":"select 6; select 7;"},
            {"type":"sequence","sql_id":3}
        ]),
    )
    .unwrap();
    assert_eq!(code(&r[0]), "SQLITE_CONSTRAINT");
    assert_eq!(code(&r[1]), "SQL_PARSE_ERROR");
    assert_eq!(r[3]["response"]["type"], "sequence");
    assert_eq!(e.ran, ["select 1", "fail", "select 6", "select 7"]);
}

#[test]
fn stored_sql_describe_and_limits() {
    let (mut s, mut e) = (ServerStream::new(), Fake::new());
    let mut reqs: Vec<Json> = (0..51)
        .map(|i| json!({"type":"store_sql","sql_id":i,"sql":format!("select {i}")}))
        .collect();
    reqs.push(json!({"type":"store_sql","sql_id":99,"sql":"x".repeat(5001)}));
    reqs.push(json!({"type":"execute","stmt":{"sql_id":7}}));
    reqs.push(json!({"type":"describe","sql_id":7}));
    reqs.push(json!({"type":"close_sql","sql_id":7}));
    reqs.push(json!({"type":"close_sql","sql_id":12345}));
    let r = pipeline(Version::V3, &mut s, &mut e, Json::Array(reqs)).unwrap();
    assert_eq!(code(&r[50]), "SQL_STORE_TOO_MANY");
    assert_eq!(code(&r[51]), "SQL_STORE_TOO_MANY");
    assert_eq!(r[52]["response"]["result"]["rows"][0][0]["value"], "7");
    let d = &r[53]["response"]["result"];
    assert_eq!(d["params"], json!([{"name":null},{"name":":a"}]));
    assert_eq!(d["cols"], json!([{"name":"v","decltype":"INT"}]));
    assert_eq!(d["is_readonly"], true);
    assert_eq!(r[55]["response"]["type"], "close_sql");
    // Stored SQL persists across pipelines of the stream; closed ids are gone.
    assert!(
        pipeline(
            Version::V3,
            &mut s,
            &mut e,
            json!([{"type":"execute","stmt":{"sql_id":7}}])
        )
        .is_err()
    );
    let r = pipeline(
        Version::V3,
        &mut s,
        &mut e,
        json!([{"type":"execute","stmt":{"sql_id":8}}]),
    )
    .unwrap();
    assert_eq!(r[0]["type"], "ok");
    let mut fresh = ServerStream::new();
    let r = pipeline(
        Version::V3,
        &mut fresh,
        &mut e,
        json!([{"type":"store_sql","sql_id":1,"sql":"x".repeat(5001)}]),
    )
    .unwrap();
    assert_eq!(code(&r[0]), "SQL_STORE_TOO_LARGE");
}

#[test]
fn response_size_is_limited_per_request() {
    let limits = Limits {
        max_response_bytes: 3000,
        ..Limits::default()
    };
    let (mut s, mut e) = (ServerStream::new(), Fake::new());
    let r = pipeline_limited(
        Version::V3,
        &mut s,
        &mut e,
        json!([
            {"type":"execute","stmt":{"sql":"big"}},
            {"type":"execute","stmt":{"sql":"big"}},
            {"type":"execute","stmt":{"sql":"select 1"}},
            {"type":"batch","batch":{"steps":[{"stmt":{"sql":"big"}},{"stmt":{"sql":"big"}}]}}
        ]),
        limits,
    )
    .unwrap();
    assert_eq!(r[0]["type"], "ok");
    assert_eq!(code(&r[1]), "RESPONSE_TOO_LARGE");
    assert_eq!(r[2]["type"], "ok");
    assert_eq!(code(&r[3]), "RESPONSE_TOO_LARGE");
}

#[test]
fn cursor_entries() {
    let (mut s, mut e) = (ServerStream::new(), Fake::new());
    let batch: wire::Batch = serde_json::from_value(json!({"steps":[
        {"stmt":{"sql":"select 1"}},
        {"stmt":{"sql":"fail"}},
        {"stmt":{"sql":"select 3"},"condition":{"type":"ok","step":1}},
        {"stmt":{"sql":"select 4"}}
    ]}))
    .unwrap();
    let out = run_cursor(&mut s, &batch, &mut e).unwrap();
    let body = out.encode(Some("b"), None);
    let lines: Vec<Json> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let types: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "step_begin",
            "row",
            "step_end",
            "step_begin",
            "step_error",
            "step_begin",
            "row",
            "step_end",
            "replication_index"
        ]
    );
    assert_eq!(lines[0]["baton"], "b");
    assert_eq!(lines[4]["step"], 1);
    assert_eq!(lines[5]["step"], 1);
    assert_eq!(lines[6]["step"], 3);
    for l in body.lines().skip(1) {
        let _: wire::CursorEntry = serde_json::from_str(l).unwrap();
    }
    let bad: wire::Batch =
        serde_json::from_value(json!({"steps":[{"stmt":{"sql":"selec 1"}}]})).unwrap();
    assert_eq!(run_cursor(&mut s, &bad, &mut e).unwrap_err().status(), 500);
}

#[test]
fn v1_statuses() {
    let limits = Limits::default();
    let mut e = Fake::new();
    let ok = run_v1_execute(br#"{"stmt":{"sql":"select 1"}}"#, &mut e, &limits);
    assert_eq!(ok.status, 200);
    let v: wire::V1ExecuteResponse = serde_json::from_str(&ok.body).unwrap();
    assert_eq!(v.result.rows[0][0], wire::Value::Integer(1));
    assert_eq!(
        run_v1_execute(br#"{"stmt":{"sql":"selec 1"}}"#, &mut e, &limits).status,
        400
    );
    assert_eq!(
        run_v1_execute(br#"{"stmt":{"sql":"fail"}}"#, &mut e, &limits).status,
        500
    );
    assert_eq!(
        run_v1_execute(br#"{"stmt":{"sql_id":1}}"#, &mut e, &limits).status,
        400
    );
    assert_eq!(
        run_v1_execute(b"garbage", &mut e, &limits).content_type,
        "text/plain"
    );
    let b = run_v1_batch(
        br#"{"batch":{"steps":[{"stmt":{"sql":"select 1"}},{"stmt":{"sql":"fail"}}]}}"#,
        &mut e,
        &limits,
    );
    assert_eq!(b.status, 200);
    let v: wire::V1BatchResponse = serde_json::from_str(&b.body).unwrap();
    assert_eq!(
        v.result.step_errors[1].as_ref().unwrap().code.as_deref(),
        Some("SQLITE_CONSTRAINT")
    );
    let cond = run_v1_batch(
        br#"{"batch":{"steps":[{"stmt":{"sql":"select 1"},"condition":{"type":"is_autocommit"}}]}}"#,
        &mut e,
        &limits,
    );
    assert_eq!(cond.status, 400);
}

#[test]
fn many_small_results_count_towards_the_limit() {
    let limits = Limits {
        max_response_bytes: 1000,
        ..Limits::default()
    };
    let (mut s, mut e) = (ServerStream::new(), Fake::new());
    let reqs: Vec<Json> = (0..100).map(|_| json!({"type":"get_autocommit"})).collect();
    let r = pipeline_limited(Version::V3, &mut s, &mut e, Json::Array(reqs), limits).unwrap();
    assert_eq!(r[0]["type"], "ok");
    assert_eq!(code(&r[99]), "RESPONSE_TOO_LARGE");
}

#[test]
fn cursor_stops_when_nobody_reads() {
    let (s, mut e) = (ServerStream::new(), Fake::new());
    let batch: wire::Batch = serde_json::from_value(json!({"steps":[
        {"stmt":{"sql":"select 1"}},
        {"stmt":{"sql":"select 2"}},
        {"stmt":{"sql":"select 3"}}
    ]}))
    .unwrap();
    let prepared = prepare_cursor(&s, &batch, &mut e).unwrap();
    let mut seen = 0;
    let done = prepared
        .run(&mut e, &mut |_| {
            seen += 1;
            seen < 4
        })
        .unwrap();
    assert!(!done);
    assert_eq!(seen, 4);
    assert_eq!(e.ran, ["select 1", "select 2"], "the batch stopped");
    let head: wire::CursorResponse = serde_json::from_str(&cursor_head(None, None)).unwrap();
    assert_eq!(head.baton, None);
}

/// A result too large for the response stops its statement as soon as its
/// encoding passes the budget, on every path that buffers (execute, batch,
/// v1): rows are never all produced (and held) first.
#[test]
fn oversized_results_stop_their_statement_at_the_budget() {
    let limits = Limits {
        max_response_bytes: 10_000,
        ..Limits::default()
    };
    let (mut s, mut e) = (ServerStream::new(), Fake::new());
    let r = pipeline_limited(
        Version::V3,
        &mut s,
        &mut e,
        json!([{"type":"execute","stmt":{"sql":"many"}}]),
        limits,
    )
    .unwrap();
    assert_eq!(code(&r[0]), "RESPONSE_TOO_LARGE");
    assert!(e.streamed < 2_000, "{} rows produced", e.streamed);
    let mut e = Fake::new();
    let r = pipeline_limited(
        Version::V3,
        &mut s,
        &mut e,
        json!([{"type":"batch","batch":{"steps":[{"stmt":{"sql":"select 1"}},{"stmt":{"sql":"many"}},{"stmt":{"sql":"select 3"}}]}}]),
        limits,
    )
    .unwrap();
    assert_eq!(code(&r[0]), "RESPONSE_TOO_LARGE");
    assert!(e.streamed < 2_000, "{} rows produced", e.streamed);
    assert!(!e.ran.contains(&"select 3".to_owned()), "the batch stopped");
    let mut e = Fake::new();
    let out = run_v1_execute(br#"{"stmt":{"sql":"many"}}"#, &mut e, &limits);
    assert_eq!(out.status, 400);
    assert!(e.streamed < 2_000, "{} rows produced", e.streamed);
    // The cursor streams instead, but a single oversized row line is refused.
    let mut e = Fake::new();
    let batch: wire::Batch = serde_json::from_value(
        json!({"steps":[{"stmt":{"sql":"big"}},{"stmt":{"sql":"select 2"}}]}),
    )
    .unwrap();
    let prepared = prepare_cursor(&s, &batch, &mut e)
        .unwrap()
        .with_max_line_bytes(500);
    let mut lines = Vec::new();
    assert!(
        prepared
            .run(&mut e, &mut |l| {
                lines.push(l);
                true
            })
            .unwrap()
    );
    let last: wire::CursorEntry = serde_json::from_str(lines.last().unwrap()).unwrap();
    let wire::CursorEntry::Error { error } = last else {
        panic!("{lines:?}")
    };
    assert_eq!(error.code.as_deref(), Some("RESPONSE_TOO_LARGE"));
    assert_eq!(e.ran, ["big"], "the batch stopped");
}
