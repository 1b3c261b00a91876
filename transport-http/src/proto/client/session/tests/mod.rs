//! Sans-IO tests of the session: the requests it builds, and how it consumes
//! replies (scripted here, no server).

use serde_json::{Value as J, json};
use sqlport_core::{Batch, BatchMode, ErrorKind, Statement, TransactionBehavior};
use url::Url;

use super::*;
use crate::proto::client::HttpResponse;
use sqlport_core::StepResult;

fn session(v: Version) -> Session {
    Session::new(Url::parse("http://db.test/prefix").unwrap(), v)
}

fn sent(next: Next) -> (HttpRequest, J) {
    match next {
        Next::Send(req) => {
            let body = serde_json::from_slice(&req.body).unwrap();
            (req, body)
        }
        Next::Done(out) => panic!("expected a request, got {out:?}"),
    }
}

fn types(body: &J) -> Vec<&str> {
    body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect()
}

fn empty_result() -> J {
    json!({"cols":[],"rows":[],"affected_row_count":0,"last_insert_rowid":null})
}

/// The v2 transaction probe: a batch `[BEGIN, ROLLBACK if ok(0)]`.
fn is_tx_probe(r: &J) -> bool {
    r["type"] == "batch"
        && r["batch"]["steps"]
            == json!([
                {"stmt":{"sql":"BEGIN","want_rows":false}},
                {"condition":{"type":"ok","step":0},"stmt":{"sql":"ROLLBACK","want_rows":false}}
            ])
}

/// A well-formed reply to `body`: every request succeeds; `autocommit` is
/// what `get_autocommit` (v3) or the transaction probe (v2) says; `baton` is
/// returned unless the pipeline closes.
fn reply(body: &J, autocommit: bool, baton: &str) -> HttpResponse {
    let reqs = body["requests"].as_array().unwrap();
    let closes = reqs.iter().any(|r| r["type"] == "close");
    let results: Vec<J> = reqs
        .iter()
        .map(|r| {
            let response = match r["type"].as_str().unwrap() {
                "execute" => json!({"type":"execute","result":empty_result()}),
                "batch" if is_tx_probe(r) && !autocommit => {
                    // BEGIN fails inside a transaction; ROLLBACK is skipped.
                    json!({"type":"batch","result":{
                        "step_results": [null, null],
                        "step_errors": [{"message":"cannot start a transaction within a transaction",
                                         "code":"SQLITE_ERROR"}, null]}})
                }
                "batch" => {
                    let n = r["batch"]["steps"].as_array().unwrap().len();
                    json!({"type":"batch","result":{
                        "step_results": vec![empty_result(); n],
                        "step_errors": vec![J::Null; n]}})
                }
                "get_autocommit" => json!({"type":"get_autocommit","is_autocommit":autocommit}),
                t => json!({ "type": t }),
            };
            json!({"type":"ok","response":response})
        })
        .collect();
    let baton = if closes { J::Null } else { J::from(baton) };
    ok_body(json!({"baton":baton,"base_url":null,"results":results}))
}

fn ok_body(j: J) -> HttpResponse {
    HttpResponse {
        status: 200,
        body: serde_json::to_vec(&j).unwrap(),
    }
}

fn done(next: Next) -> Output {
    match next {
        Next::Done(out) => out,
        Next::Send(req) => panic!("expected completion, got {req:?}"),
    }
}

fn st(sql: &str) -> Statement {
    Statement::new(sql)
}

#[test]
fn autocommit_execute_opens_and_closes_in_one_request() {
    let mut s = session(Version::V3);
    let (req, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(req.url, "http://db.test/prefix/v3/pipeline");
    assert!(!req.carries_baton);
    assert_eq!(types(&body), ["execute", "get_autocommit", "close"]);
    assert_eq!(body["baton"], J::Null);
    let out = done(s.on_response(reply(&body, true, "b")).unwrap());
    assert!(matches!(out, Output::Rows(_)));
    assert!(!s.holds_baton());
    assert!(s.is_autocommit());
}

#[test]
fn v2_never_sends_get_autocommit() {
    let mut s = session(Version::V2);
    let (req, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(req.endpoint, "v2/pipeline");
    assert_eq!(types(&body), ["execute", "close"]);
}

#[test]
fn begin_rides_with_the_next_statement_and_commit_with_close() {
    let mut s = session(Version::V3);
    assert!(matches!(
        done(s.execute(&st("BEGIN")).unwrap()),
        Output::Rows(_)
    ));
    assert!(!s.is_autocommit());
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    assert_eq!(types(&body), ["batch", "get_autocommit"]);
    let steps = &body["requests"][0]["batch"]["steps"];
    assert_eq!(steps[0]["stmt"]["sql"], "BEGIN");
    assert_eq!(steps[1]["condition"], json!({"type":"ok","step":0}));
    done(s.on_response(reply(&body, false, "b1")).unwrap());
    assert!(s.holds_baton());
    assert!(!s.is_autocommit());
    let (req, body) = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
    assert!(req.carries_baton);
    assert_eq!(body["baton"], "b1");
    assert_eq!(types(&body), ["execute", "get_autocommit"]);
    done(s.on_response(reply(&body, false, "b2")).unwrap());
    let (_, body) = sent(s.execute(&st("COMMIT")).unwrap());
    assert_eq!(body["baton"], "b2");
    assert_eq!(types(&body), ["execute", "get_autocommit", "close"]);
    done(s.on_response(reply(&body, true, "x")).unwrap());
    assert!(s.is_autocommit());
    assert!(!s.holds_baton());
}

#[test]
fn held_begin_then_rollback_sends_nothing() {
    let mut s = session(Version::V3);
    done(s.execute(&st("BEGIN IMMEDIATE")).unwrap());
    assert!(matches!(
        done(s.execute(&st("ROLLBACK")).unwrap()),
        Output::Rows(_)
    ));
    assert!(s.is_autocommit());
    // enqueue(ROLLBACK) on a held BEGIN only drops it
    done(s.execute(&st("BEGIN")).unwrap());
    s.enqueue(st("ROLLBACK"));
    assert!(s.is_autocommit());
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(types(&body), ["execute", "get_autocommit", "close"]);
}

#[test]
fn failing_held_begin_reports_begins_error() {
    let mut s = session(Version::V3);
    done(s.execute(&st("BEGIN")).unwrap());
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(types(&body), ["batch", "get_autocommit"]);
    let resp = ok_body(json!({"baton":"b","base_url":null,"results":[
        {"type":"ok","response":{"type":"batch","result":{
            "step_results":[null,null],
            "step_errors":[{"message":"no","code":"SQLITE_ERROR"},null]}}},
        {"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}}]}));
    let err = s.on_response(resp).unwrap_err();
    assert_eq!(err.remote_code(), Some("SQLITE_ERROR"));
    // The caller's transaction never began: what it meant for it must not
    // autocommit, so it counts as lost until the caller's ROLLBACK.
    assert!(s.is_transaction_lost() && !s.is_autocommit());
    let err = s.execute(&st("INSERT INTO t VALUES (1)")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost);
    done(s.execute(&st("ROLLBACK")).unwrap());
    assert!(s.is_autocommit());
}

#[test]
fn pragma_keeps_the_stream_and_is_replayed_after_expiry() {
    let mut s = session(Version::V3);
    let (_, body) = sent(s.execute(&st("PRAGMA foreign_keys = OFF")).unwrap());
    assert_eq!(types(&body), ["execute", "get_autocommit"]);
    done(s.on_response(reply(&body, true, "b1")).unwrap());
    assert!(s.holds_baton() && s.holds_state());
    let (_, body) = sent(s.execute(&st("PRAGMA foreign_keys")).unwrap());
    assert_eq!(body["baton"], "b1");
    assert_eq!(types(&body), ["execute", "get_autocommit"]);
    let expired = HttpResponse {
        status: 400,
        body: br#"{"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"}"#
            .to_vec(),
    };
    let (req, body) = sent(s.on_response(expired).unwrap());
    assert!(!req.carries_baton);
    assert_eq!(types(&body), ["execute", "execute", "get_autocommit"]);
    assert_eq!(
        body["requests"][0]["stmt"]["sql"],
        "PRAGMA foreign_keys = OFF"
    );
    assert_eq!(body["requests"][1]["stmt"]["sql"], "PRAGMA foreign_keys");
    done(s.on_response(reply(&body, true, "b2")).unwrap());
    // A second expiry in a row is reported, not retried forever.
    let (_, _) = sent(s.execute(&st("SELECT 1")).unwrap());
    let (_, _) = sent(
        s.on_response(HttpResponse {
            status: 400,
            body: b"Received an invalid baton".to_vec(),
        })
        .unwrap(),
    );
    let err = s
        .on_response(HttpResponse {
            status: 400,
            body: br#"{"message":"x","code":"STREAM_EXPIRED"}"#.to_vec(),
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StreamExpired);
}

#[test]
fn expiry_inside_a_transaction_is_reported_and_not_replayed() {
    let mut s = session(Version::V3);
    done(s.execute(&st("BEGIN")).unwrap());
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    done(s.on_response(reply(&body, false, "b1")).unwrap());
    let (_, _) = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
    let err = s
        .on_response(HttpResponse {
            status: 400,
            body: br#"{"message":"expired","code":"STREAM_EXPIRED"}"#.to_vec(),
        })
        .unwrap_err();
    assert!(matches!(
        err,
        Error::StreamExpired {
            in_transaction: true
        }
    ));
    assert!(!s.holds_baton());
    // Lost until the caller's ROLLBACK, which sends nothing.
    assert!(s.is_transaction_lost() && !s.is_autocommit());
    for sql in ["INSERT INTO t VALUES (3)", "COMMIT", "BEGIN"] {
        assert_eq!(
            s.execute(&st(sql)).unwrap_err().kind(),
            ErrorKind::TransactionLost
        );
    }
    done(s.execute(&st("ROLLBACK")).unwrap());
    assert!(s.is_autocommit());
}

#[test]
fn replies_that_do_not_match_are_protocol_errors() {
    let cases: Vec<Vec<u8>> = vec![
        b"<html>not json</html>".to_vec(),
        br#"{"baton":null,"results":[]}"#.to_vec(),
        br#"{"baton":null,"results":[{"type":"ok","response":{"type":"close"}},{"type":"ok","response":{"type":"close"}},{"type":"ok","response":{"type":"close"}}]}"#.to_vec(),
        br#"{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[[{"type":"integer","value":"1"}]],"affected_row_count":0,"last_insert_rowid":null}}},{"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}},{"type":"ok","response":{"type":"close"}}]}"#.to_vec(),
        br#"{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[],"affected_row_count":0,"last_insert_rowid":"x"}}},{"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}},{"type":"ok","response":{"type":"close"}}]}"#.to_vec(),
        br#"{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[[{"type":"blob","base64":"***"}]],"affected_row_count":0,"last_insert_rowid":null}}},{"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}},{"type":"ok","response":{"type":"close"}}]}"#.to_vec(),
        Vec::new(),
        vec![0xff; 64],
    ];
    for body in cases {
        let mut s = session(Version::V3);
        let _ = sent(s.execute(&st("SELECT 1")).unwrap());
        let err = s
            .on_response(HttpResponse {
                status: 200,
                body: body.clone(),
            })
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Protocol,
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[test]
fn http_errors_map_to_kinds() {
    for (status, body, kind) in [
        (401, &br#"{"error":"Unauthorized: x"}"#[..], ErrorKind::Auth),
        (
            403,
            br#"{"error":"Authorization forbidden"}"#,
            ErrorKind::Auth,
        ),
        (500, b"<html><body>Internal</body></html>", ErrorKind::Http),
        (503, b"", ErrorKind::Http),
        (400, b"Received an invalid baton", ErrorKind::Http),
    ] {
        let mut s = session(Version::V3);
        let _ = sent(s.execute(&st("SELECT 1")).unwrap());
        let err = s
            .on_response(HttpResponse {
                status,
                body: body.to_vec(),
            })
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{status}");
    }
}

#[test]
fn transport_errors_retry_only_when_nothing_was_sent() {
    let mut s = session(Version::V3);
    let (first, _) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    let (again, _) = sent(
        s.on_transport_error(
            Error::Io(std::io::ErrorKind::ConnectionRefused.into()),
            false,
        )
        .unwrap(),
    );
    assert_eq!(first.body, again.body);
    let err = s
        .on_transport_error(Error::Timeout("t".into()), true)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[test]
fn atomic_batch_in_autocommit_uses_begin_commit_rollback() {
    let mut s = session(Version::V3);
    let b = Batch::atomic([
        st("INSERT INTO t VALUES (1)"),
        st("INSERT INTO t VALUES (2)"),
    ]);
    let (_, body) = sent(s.batch(&b).unwrap());
    assert_eq!(types(&body), ["batch", "get_autocommit", "close"]);
    let steps = body["requests"][0]["batch"]["steps"].as_array().unwrap();
    let sqls: Vec<_> = steps
        .iter()
        .map(|s| s["stmt"]["sql"].as_str().unwrap())
        .collect();
    assert_eq!(sqls[0], "BEGIN DEFERRED");
    assert_eq!(sqls[3], "COMMIT");
    assert_eq!(sqls[4], "ROLLBACK");
    let guard = json!({"type":"and","conds":[{"type":"ok","step":0},{"type":"not","cond":{"type":"is_autocommit"}}]});
    assert_eq!(steps[1]["condition"], guard);
    assert_eq!(
        steps[4]["condition"],
        json!({"type":"not","cond":{"type":"ok","step":3}})
    );
    // Step 1 of the user's list fails: Error::Batch { step: 1 }.
    let resp = ok_body(json!({"baton":null,"base_url":null,"results":[
        {"type":"ok","response":{"type":"batch","result":{
            "step_results":[empty_result(), empty_result(), null, null, empty_result()],
            "step_errors":[null, null, {"message":"UNIQUE","code":"SQLITE_CONSTRAINT"}, null, null]}}},
        {"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}},
        {"type":"ok","response":{"type":"close"}}]}));
    let err = s.on_response(resp).unwrap_err();
    assert_eq!(err.failed_step(), Some(1));
    assert_eq!(err.sqlite_code(), Some(19));
}

#[test]
fn atomic_batch_inside_a_transaction_uses_a_savepoint() {
    let mut s = session(Version::V3);
    done(s.execute(&st("BEGIN")).unwrap());
    let b = Batch::new(
        [st("INSERT INTO t VALUES (1)")],
        BatchMode::Atomic(TransactionBehavior::Immediate),
    );
    let (_, body) = sent(s.batch(&b).unwrap());
    assert_eq!(types(&body), ["batch", "get_autocommit"]);
    let steps = body["requests"][0]["batch"]["steps"].as_array().unwrap();
    let sqls: Vec<_> = steps
        .iter()
        .map(|s| s["stmt"]["sql"].as_str().unwrap())
        .collect();
    assert_eq!(sqls[0], "BEGIN");
    assert!(sqls[1].starts_with("SAVEPOINT"));
    assert!(sqls[3].starts_with("RELEASE"));
    assert!(sqls[4].starts_with("ROLLBACK TO"));
    let out = done(s.on_response(reply(&body, false, "b")).unwrap());
    assert!(matches!(out, Output::Batch(r) if r.steps.len() == 1));
    assert!(!s.is_autocommit());
}

#[test]
fn v2_atomic_batch_has_no_is_autocommit() {
    let mut s = session(Version::V2);
    let b = Batch::atomic([st("INSERT INTO t VALUES (1)")]);
    let (_, body) = sent(s.batch(&b).unwrap());
    assert!(!body.to_string().contains("is_autocommit"));
    assert_eq!(types(&body), ["batch", "close"]);
}

#[test]
fn stop_on_error_chains_conditions() {
    let mut s = session(Version::V3);
    let b = Batch::new(
        [st("SELECT 1"), st("SELECT 2"), st("SELECT 3")],
        BatchMode::StopOnError,
    );
    let (_, body) = sent(s.batch(&b).unwrap());
    let steps = body["requests"][0]["batch"]["steps"].as_array().unwrap();
    assert!(steps[0].get("condition").is_none());
    assert_eq!(steps[2]["condition"], json!({"type":"ok","step":1}));
    let resp = ok_body(json!({"baton":null,"base_url":null,"results":[
        {"type":"ok","response":{"type":"batch","result":{
            "step_results":[empty_result(), null, null],
            "step_errors":[null, {"message":"x","code":"SQLITE_UNKNOWN"}, null]}}},
        {"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}},
        {"type":"ok","response":{"type":"close"}}]}));
    let Output::Batch(r) = done(s.on_response(resp).unwrap()) else {
        panic!()
    };
    assert!(r.steps[0].ok().is_some());
    assert_eq!(r.steps[1].err().unwrap().sqlite_code(), Some(1));
    assert!(matches!(r.steps[2], StepResult::Skipped));
}

#[test]
fn long_repeated_sql_is_stored_once() {
    let mut s = session(Version::V3);
    let long = format!("INSERT INTO t (x) VALUES (?) -- {}", "x".repeat(300));
    let steps: Vec<_> = (0..3)
        .map(|i| Statement::with_params(long.clone(), [i]).unwrap())
        .collect();
    let (_, body) = sent(
        s.batch(&Batch::new(steps.clone(), BatchMode::StopOnError))
            .unwrap(),
    );
    assert_eq!(
        types(&body),
        ["store_sql", "batch", "get_autocommit", "close"]
    );
    assert_eq!(body["requests"][0]["sql_id"], 1);
    let steps_json = body["requests"][1]["batch"]["steps"].as_array().unwrap();
    assert!(
        steps_json
            .iter()
            .all(|s| s["stmt"]["sql_id"] == 1 && s["stmt"].get("sql").is_none())
    );
    done(s.on_response(reply(&body, true, "x")).unwrap());
    let (_, body) = sent(
        s.batch(&Batch::new(steps, BatchMode::ContinueOnError))
            .unwrap(),
    );
    assert_eq!(
        types(&body),
        [
            "store_sql",
            "execute",
            "execute",
            "execute",
            "get_autocommit",
            "close"
        ]
    );
    assert_eq!(body["requests"][3]["stmt"]["sql_id"], 1);
    done(s.on_response(reply(&body, true, "x")).unwrap());
    // On a kept stream the stored text is closed in the same request.
    done(s.execute(&st("BEGIN")).unwrap());
    let steps: Vec<_> = (0..2).map(|_| st(&long)).collect();
    let (_, body) = sent(
        s.batch(&Batch::new(steps, BatchMode::ContinueOnError))
            .unwrap(),
    );
    assert_eq!(
        types(&body),
        ["store_sql", "batch", "close_sql", "get_autocommit"]
    );
}

#[test]
fn enqueued_statements_go_first_and_close_needs_no_request_without_baton() {
    let mut s = session(Version::V3);
    done(s.execute(&st("BEGIN")).unwrap());
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    done(s.on_response(reply(&body, false, "b1")).unwrap());
    s.enqueue(st("ROLLBACK"));
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(
        types(&body),
        ["execute", "execute", "get_autocommit", "close"]
    );
    assert_eq!(body["requests"][0]["stmt"]["sql"], "ROLLBACK");
    done(s.on_response(reply(&body, true, "x")).unwrap());
    assert!(matches!(done(s.close().unwrap()), Output::Closed));
    assert_eq!(
        s.execute(&st("SELECT 1")).unwrap_err().kind(),
        ErrorKind::Closed
    );
}

#[test]
fn close_sends_close_when_a_baton_is_held() {
    let mut s = session(Version::V3);
    let (_, body) = sent(s.execute(&st("PRAGMA foreign_keys=ON")).unwrap());
    done(s.on_response(reply(&body, true, "b1")).unwrap());
    let (_, body) = sent(s.close().unwrap());
    assert_eq!(types(&body), ["close"]);
    assert_eq!(body["baton"], "b1");
    done(s.on_response(reply(&body, true, "x")).unwrap());
    assert!(s.is_closed());
    assert!(s.close_on_drop().is_none());
}

#[test]
fn drop_close_is_built_only_with_a_baton() {
    let mut s = session(Version::V3);
    done(s.execute(&st("BEGIN")).unwrap());
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    done(s.on_response(reply(&body, false, "b1")).unwrap());
    let req = s.close_on_drop().unwrap();
    let body: J = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body, json!({"baton":"b1","requests":[{"type":"close"}]}));
}

#[test]
fn v1_is_stateless() {
    let mut s = session(Version::V1);
    let (req, body) = sent(s.execute(&st("BEGIN")).unwrap());
    assert_eq!(req.endpoint, "v1/execute");
    assert_eq!(body["stmt"]["sql"], "BEGIN");
    let resp = HttpResponse {
        status: 400,
        body: br#"{"message":"bad","code":"SQL_PARSE_ERROR"}"#.to_vec(),
    };
    let err = s.on_response(resp).unwrap_err();
    assert_eq!(err.sqlite_code(), Some(1));
    let (req, _) = sent(s.batch(&Batch::atomic([st("SELECT 1")])).unwrap());
    assert_eq!(req.endpoint, "v1/batch");
    assert!(s.is_autocommit());
}

#[test]
fn cursor_with_held_begin_and_savepoint_tracking() {
    let mut s = session(Version::V3);
    done(s.execute(&st("BEGIN")).unwrap());
    let (req, body) = sent(s.query_stream(&st("SELECT x FROM t")).unwrap());
    assert!(req.streaming);
    assert_eq!(req.endpoint, "v3/cursor");
    let steps = body["batch"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[1]["condition"], json!({"type":"ok","step":0}));
    let mut reply = s.reply(200);
    let mut sink = sqlport_core::CollectRows::default();
    let ndjson = concat!(
        "{\"baton\":\"c1\",\"base_url\":null}\n",
        "{\"type\":\"step_begin\",\"step\":0,\"cols\":[]}\n",
        "{\"type\":\"step_end\",\"affected_row_count\":0,\"last_insert_rowid\":null}\n",
        "{\"type\":\"step_begin\",\"step\":1,\"cols\":[{\"name\":\"x\"}]}\n",
        "{\"type\":\"row\",\"row\":[{\"type\":\"text\",\"value\":\"a\"}]}\n",
        "{\"type\":\"step_end\",\"affected_row_count\":0,\"last_insert_rowid\":null}\n",
    );
    assert!(reply.feed(ndjson.as_bytes(), &mut sink).is_continue());
    let summary = s
        .on_reply(reply, None, &mut sink)
        .unwrap()
        .into_output()
        .unwrap()
        .into_summary()
        .unwrap();
    assert_eq!(summary.columns.len(), 1);
    assert_eq!(sink.rows.len(), 1);
    assert!(!s.is_autocommit());
    assert!(s.holds_baton());
}

#[test]
fn v2_tracks_transactions_by_statement_kind() {
    let mut s = session(Version::V2);
    let (_, body) = sent(s.execute(&st("SAVEPOINT a")).unwrap());
    assert_eq!(types(&body), ["execute", "batch"], "the transaction probe");
    assert!(is_tx_probe(&body["requests"][1]));
    done(s.on_response(reply(&body, false, "b1")).unwrap());
    assert!(!s.is_autocommit());
    let (_, body) = sent(s.execute(&st("SAVEPOINT b")).unwrap());
    done(s.on_response(reply(&body, false, "b2")).unwrap());
    let (_, body) = sent(s.execute(&st("RELEASE b")).unwrap());
    done(s.on_response(reply(&body, false, "b3")).unwrap());
    assert!(!s.is_autocommit());
    let (_, body) = sent(s.execute(&st("RELEASE SAVEPOINT a;")).unwrap());
    assert_eq!(types(&body), ["execute", "close"]);
    done(s.on_response(reply(&body, true, "b4")).unwrap());
    assert!(s.is_autocommit());
}

#[test]
fn pragma_assignments_are_deduplicated_by_name() {
    let mut s = session(Version::V3);
    for sql in [
        "PRAGMA foreign_keys = OFF",
        "pragma Foreign_Keys=ON",
        "PRAGMA busy_timeout = 5",
    ] {
        let (_, body) = sent(s.execute(&st(sql)).unwrap());
        done(s.on_response(reply(&body, true, "b")).unwrap());
    }
    let (_, _) = sent(s.execute(&st("SELECT 1")).unwrap());
    let (_, body) = sent(
        s.on_response(HttpResponse {
            status: 400,
            body: b"Received an invalid baton".to_vec(),
        })
        .unwrap(),
    );
    let sqls: Vec<_> = body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["stmt"]["sql"].as_str())
        .collect();
    assert_eq!(
        sqls,
        [
            "pragma Foreign_Keys=ON",
            "PRAGMA busy_timeout = 5",
            "SELECT 1"
        ]
    );
}

#[test]
fn base_url_is_followed_for_the_stream_only() {
    let mut s = session(Version::V3);
    let (_, body) = sent(s.execute(&st("PRAGMA foreign_keys = OFF")).unwrap());
    let mut resp: J = serde_json::from_slice(&reply(&body, true, "b1").body).unwrap();
    resp["base_url"] = json!("http://db.test/replica");
    done(s.on_response(ok_body(resp)).unwrap());
    let (req, _) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(req.url, "http://db.test/replica/v3/pipeline");
    // Any non-2xx ends the stream and its base_url.
    let err = s
        .on_response(HttpResponse {
            status: 500,
            body: Vec::new(),
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Http);
    let (req, _) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(req.url, "http://db.test/prefix/v3/pipeline");
}

#[test]
fn an_abandoned_request_inside_a_transaction_is_reported() {
    let mut s = session(Version::V3);
    done(s.execute(&st("BEGIN")).unwrap());
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    done(s.on_response(reply(&body, false, "b1")).unwrap());
    // A request is sent, and its future dropped before the reply.
    let _ = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
    assert!(
        !s.is_autocommit(),
        "its transaction will be lost, not ended"
    );
    let err = s.execute(&st("SELECT 1")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionLost);
    assert!(!s.is_autocommit());
    // A guard's queued ROLLBACK ends it without a request.
    s.enqueue(st("ROLLBACK"));
    assert!(s.is_autocommit());
    let (req, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert!(!req.carries_baton);
    assert_eq!(types(&body), ["execute", "get_autocommit", "close"]);
}

#[test]
fn continue_on_error_steps_are_independent_requests() {
    let mut s = session(Version::V3);
    let b = Batch::new(
        [st("SELECT 1"), st("SELEC 2"), st("SELECT 3")],
        BatchMode::ContinueOnError,
    );
    let (_, body) = sent(s.batch(&b).unwrap());
    assert_eq!(
        types(&body),
        ["execute", "execute", "execute", "get_autocommit", "close"]
    );
    let resp = ok_body(json!({"baton":null,"base_url":null,"results":[
        {"type":"ok","response":{"type":"execute","result":empty_result()}},
        {"type":"error","error":{"message":"syntax","code":"SQL_PARSE_ERROR"}},
        {"type":"ok","response":{"type":"execute","result":empty_result()}},
        {"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}},
        {"type":"ok","response":{"type":"close"}}]}));
    let Output::Batch(r) = done(s.on_response(resp).unwrap()) else {
        panic!()
    };
    assert!(r.steps[0].ok().is_some());
    assert_eq!(r.steps[1].err().unwrap().sqlite_code(), Some(1));
    assert!(r.steps[2].ok().is_some());
}

fn refused_batch() -> HttpResponse {
    ok_body(json!({"baton":null,"base_url":null,"results":[
        {"type":"error","error":{"message":"could not parse","code":"SQL_PARSE_ERROR"}},
        {"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}},
        {"type":"ok","response":{"type":"close"}}]}))
}

fn described(bad: usize, n: usize) -> HttpResponse {
    let ok = json!({"type":"ok","response":{"type":"describe","result":{
        "params":[],"cols":[],"is_explain":false,"is_readonly":false}}});
    let mut results: Vec<J> = (0..n)
        .map(|i| {
            if i == bad {
                json!({"type":"error","error":{"message":"p","code":"SQL_PARSE_ERROR"}})
            } else {
                ok.clone()
            }
        })
        .collect();
    results.push(json!({"type":"ok","response":{"type":"close"}}));
    ok_body(json!({"baton":null,"base_url":null,"results":results}))
}

#[test]
fn a_refused_atomic_batch_reports_the_unparsable_step() {
    let mut s = session(Version::V3);
    let b = Batch::atomic([st("INSERT INTO t VALUES (1)"), st("SELEC"), st("SELECT 3")]);
    let _ = sent(s.batch(&b).unwrap());
    let (_, body) = sent(s.on_response(refused_batch()).unwrap());
    assert_eq!(types(&body), ["describe", "describe", "describe", "close"]);
    let err = s.on_response(described(1, 3)).unwrap_err();
    assert_eq!(err.failed_step(), Some(1));
    assert_eq!(err.remote_code(), Some("SQL_PARSE_ERROR"));
    assert!(s.is_autocommit());
}

#[test]
fn a_refused_stop_on_error_batch_runs_the_steps_before_the_bad_one() {
    let mut s = session(Version::V3);
    let steps = [st("INSERT INTO t VALUES (1)"), st("SELEC"), st("SELECT 3")];
    let b = Batch::new(steps.clone(), BatchMode::StopOnError);
    let _ = sent(s.batch(&b).unwrap());
    let _ = sent(s.on_response(refused_batch()).unwrap());
    let (_, body) = sent(s.on_response(described(1, 3)).unwrap());
    assert_eq!(types(&body), ["batch", "get_autocommit", "close"]);
    assert_eq!(
        body["requests"][0]["batch"]["steps"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let Output::Batch(r) = done(s.on_response(reply(&body, true, "x")).unwrap()) else {
        panic!()
    };
    assert!(r.steps[0].ok().is_some());
    assert_eq!(r.steps[1].err().unwrap().sqlite_code(), Some(1));
    assert!(matches!(r.steps[2], StepResult::Skipped));
    // The first step unparsable: no third request.
    let _ = sent(s.batch(&Batch::new(steps, BatchMode::StopOnError)).unwrap());
    let _ = sent(s.on_response(refused_batch()).unwrap());
    let Output::Batch(r) = done(s.on_response(described(0, 3)).unwrap()) else {
        panic!()
    };
    assert!(r.steps[0].err().is_some());
    assert!(matches!(r.steps[1], StepResult::Skipped));
    // No step fails to describe: the batch's own error.
    let _ = sent(s.batch(&Batch::atomic([st("SELECT 1")])).unwrap());
    let _ = sent(s.on_response(refused_batch()).unwrap());
    let err = s.on_response(described(9, 1)).unwrap_err();
    assert_eq!(err.remote_code(), Some("SQL_PARSE_ERROR"));
    assert_eq!(err.failed_step(), None);
}

fn cursor_body(baton: &str) -> String {
    format!(
        "{{\"baton\":\"{baton}\",\"base_url\":null}}\n\
         {{\"type\":\"step_begin\",\"step\":0,\"cols\":[{{\"name\":\"x\"}}]}}\n\
         {{\"type\":\"step_end\",\"affected_row_count\":0,\"last_insert_rowid\":null}}\n"
    )
}

fn run_cursor(s: &mut Session, baton: &str) -> J {
    let (_, body) = sent(s.query_stream(&st("SELECT x FROM t")).unwrap());
    let mut reply = s.reply(200);
    let mut sink = sqlport_core::CollectRows::default();
    assert!(
        reply
            .feed(cursor_body(baton).as_bytes(), &mut sink)
            .is_continue()
    );
    done(s.on_reply(reply, None, &mut sink).unwrap());
    body
}

#[test]
fn back_to_back_cursors_share_one_stream() {
    let mut s = session(Version::V3);
    let body = run_cursor(&mut s, "c1");
    assert_eq!(body["baton"], J::Null);
    assert!(!s.holds_baton());
    let body = run_cursor(&mut s, "c2");
    assert_eq!(body["baton"], "c1");
    // A pipeline does not carry the spare stream (and drops it).
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(body["baton"], J::Null);
    done(s.on_response(reply(&body, true, "x")).unwrap());
    let body = run_cursor(&mut s, "c3");
    assert_eq!(body["baton"], J::Null);
}

#[test]
fn queued_rollbacks_without_a_transaction_are_dropped() {
    let mut s = session(Version::V3);
    s.enqueue(st("ROLLBACK"));
    s.enqueue(st("ROLLBACK TO sp"));
    // BEGIN is still held: nothing was queued.
    assert!(matches!(
        done(s.execute(&st("BEGIN")).unwrap()),
        Output::Rows(_)
    ));
    // Inside a transaction a queued statement is kept.
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    done(s.on_response(reply(&body, false, "b1")).unwrap());
    s.enqueue(st("RELEASE sp"));
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(body["requests"][0]["stmt"]["sql"], "RELEASE sp");
}

#[test]
fn the_longest_operation_fits_the_request_bound() {
    // Every phase of a refused StopOnError batch (its own request, the
    // description, the run of the steps before the bad one) sent twice
    // because the first attempt never reached the server.
    let refused = || Error::Io(std::io::ErrorKind::ConnectionRefused.into());
    let mut s = session(Version::V3);
    let steps = [st("INSERT INTO t VALUES (1)"), st("SELEC"), st("SELECT 3")];
    let mut requests = 1;
    let _ = sent(s.batch(&Batch::new(steps, BatchMode::StopOnError)).unwrap());
    let mut replies = [refused_batch(), described(1, 3)].into_iter();
    let out = loop {
        let _ = sent(s.on_transport_error(refused(), false).unwrap());
        requests += 1;
        match replies.next() {
            Some(resp) => {
                let _ = sent(s.on_response(resp).unwrap());
                requests += 1;
            }
            None => {
                let body = json!({"requests":[{"type":"batch","batch":{"steps":[{}]}},
                    {"type":"get_autocommit"},{"type":"close"}]});
                break done(s.on_response(reply(&body, true, "x")).unwrap());
            }
        }
    };
    assert_eq!(requests, MAX_REQUESTS_PER_OPERATION);
    let Output::Batch(r) = out else { panic!() };
    assert!(r.steps[0].ok().is_some());
    assert!(r.steps[1].err().is_some());
    assert!(matches!(r.steps[2], StepResult::Skipped));
}

mod faults;
mod idle_stream;
