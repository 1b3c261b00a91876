//! Sans-IO tests of failures (issue 9): lost transactions, PRAGMA replay,
//! `base_url` on another origin.

use super::*;

/// A session inside a transaction that has a live stream (`b1`).
fn in_transaction() -> Session {
    let mut s = session(Version::V3);
    done(s.execute(&st("BEGIN")).unwrap());
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    done(s.on_response(reply(&body, false, "b1")).unwrap());
    assert!(!s.is_autocommit());
    s
}

fn assert_lost(s: &mut Session) {
    assert!(s.is_transaction_lost(), "lost");
    assert!(!s.is_autocommit(), "a lost transaction counts as open");
    for sql in [
        "INSERT INTO t VALUES (9)",
        "SELECT 1",
        "COMMIT",
        "RELEASE sp",
    ] {
        let err = s.execute(&st(sql)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionLost, "{sql}");
    }
    let b = Batch::atomic([st("INSERT INTO t VALUES (9)")]);
    assert_eq!(s.batch(&b).unwrap_err().kind(), ErrorKind::TransactionLost);
    assert_eq!(
        s.query_stream(&st("SELECT 1")).unwrap_err().kind(),
        ErrorKind::TransactionLost
    );
    // The caller's ROLLBACK ends it, sending nothing.
    assert!(matches!(
        done(s.execute(&st("ROLLBACK")).unwrap()),
        Output::Rows(_)
    ));
    assert!(s.is_autocommit() && !s.is_transaction_lost());
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    let want: &[&str] = match s.version() {
        Version::V3 => &["execute", "get_autocommit", "close"],
        _ => &["execute", "close"],
    };
    assert_eq!(
        types(&body),
        want,
        "an autocommit statement on a new stream"
    );
}

#[test]
fn a_request_that_may_have_run_loses_the_transaction() {
    // A timeout, a reset mid-reply, a 5xx, an undecodable reply.
    type Failure = Box<dyn Fn(&mut Session) -> Error>;
    let failures: Vec<Failure> = vec![
        Box::new(|s| {
            s.on_transport_error(Error::Timeout("request".into()), true)
                .unwrap_err()
        }),
        Box::new(|s| {
            s.on_transport_error(Error::Io(std::io::ErrorKind::ConnectionReset.into()), true)
                .unwrap_err()
        }),
        Box::new(|s| {
            s.on_response(HttpResponse {
                status: 502,
                body: b"<html>bad gateway</html>".to_vec(),
            })
            .unwrap_err()
        }),
        Box::new(|s| {
            s.on_response(HttpResponse {
                status: 200,
                body: b"{\"baton\":".to_vec(),
            })
            .unwrap_err()
        }),
    ];
    for fail in failures {
        let mut s = in_transaction();
        let _ = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
        let err = fail(&mut s);
        assert_ne!(
            err.kind(),
            ErrorKind::TransactionLost,
            "the cause is reported first"
        );
        assert!(!s.holds_baton());
        assert_lost(&mut s);
    }
}

#[test]
fn a_request_that_never_reached_the_server_keeps_the_transaction() {
    let refused = || Error::Io(std::io::ErrorKind::ConnectionRefused.into());
    let mut s = in_transaction();
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
    assert_eq!(body["baton"], "b1");
    // Sent once more, refused again: the stream is as it was.
    let (_, again) = sent(s.on_transport_error(refused(), false).unwrap());
    assert_eq!(again["baton"], "b1");
    s.on_transport_error(refused(), false).unwrap_err();
    assert!(!s.is_transaction_lost() && !s.is_autocommit());
    let (_, body) = sent(s.execute(&st("COMMIT")).unwrap());
    assert_eq!(body["baton"], "b1", "the same stream and transaction");
    done(s.on_response(reply(&body, true, "x")).unwrap());
    assert!(s.is_autocommit());

    // A held BEGIN stays held.
    let mut s = session(Version::V3);
    done(s.execute(&st("BEGIN")).unwrap());
    let _ = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    let _ = sent(s.on_transport_error(refused(), false).unwrap());
    s.on_transport_error(refused(), false).unwrap_err();
    assert!(!s.is_autocommit() && !s.is_transaction_lost());
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    assert_eq!(
        types(&body),
        ["batch", "get_autocommit"],
        "BEGIN still rides along"
    );
}

#[test]
fn a_transaction_the_server_rolled_back_is_lost() {
    // TRANSACTION_TIMEOUT: the statement fails and get_autocommit says the
    // transaction is gone, though the stream lives on.
    let mut s = in_transaction();
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
    assert_eq!(types(&body), ["execute", "get_autocommit"]);
    let resp = ok_body(json!({"baton":"b2","base_url":null,"results":[
        {"type":"error","error":{"message":"timed out","code":"TRANSACTION_TIMEOUT"}},
        {"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}}]}));
    let err = s.on_response(resp).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TransactionTimeout);
    assert_lost(&mut s);

    // A statement that succeeds while SQLite rolled back (INSERT OR ROLLBACK
    // reported by get_autocommit after a failing step) is lost as well.
    let mut s = in_transaction();
    let (_, body) = sent(
        s.execute(&st("INSERT OR ROLLBACK INTO t VALUES (1)"))
            .unwrap(),
    );
    let resp = ok_body(json!({"baton":"b2","base_url":null,"results":[
        {"type":"error","error":{"message":"UNIQUE","code":"SQLITE_CONSTRAINT"}},
        {"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}}]}));
    assert!(s.on_response(resp).unwrap_err().is_constraint());
    let _ = body;
    assert_lost(&mut s);

    // The caller's own COMMIT is no loss.
    let mut s = in_transaction();
    let (_, body) = sent(s.execute(&st("COMMIT")).unwrap());
    done(s.on_response(reply(&body, true, "x")).unwrap());
    assert!(s.is_autocommit() && !s.is_transaction_lost());
}

/// A v2 session inside a transaction that has a live stream (`b1`).
fn in_v2_transaction() -> Session {
    let mut s = session(Version::V2);
    done(s.execute(&st("BEGIN")).unwrap());
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    assert_eq!(
        types(&body),
        ["batch", "batch"],
        "BEGIN + INSERT, then the probe"
    );
    done(s.on_response(reply(&body, false, "b1")).unwrap());
    assert!(!s.is_autocommit() && !s.is_transaction_lost());
    s
}

/// The probe's reply: `BEGIN` and `ROLLBACK` as given (`None`: skipped).
fn probe_reply(begin: Option<&str>, rollback: Option<&str>) -> J {
    let step = |r: Option<&str>| match r {
        None => (J::Null, J::Null),
        Some("ok") => (empty_result(), J::Null),
        Some(code) => (J::Null, json!({"message":"probe failed","code":code})),
    };
    let (r0, e0) = step(begin);
    let (r1, e1) = step(rollback);
    json!({"type":"ok","response":{"type":"batch","result":{
        "step_results":[r0, r1],"step_errors":[e0, e1]}}})
}

#[test]
fn v2_probes_the_transaction_in_the_same_request() {
    // Hrana 2 has no get_autocommit: a kept stream is probed with
    // [BEGIN, ROLLBACK if ok(0)] in the same pipeline; autocommit statements
    // close their stream and need no probe.
    let mut s = session(Version::V2);
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(types(&body), ["execute", "close"]);
    done(s.on_response(reply(&body, true, "x")).unwrap());

    let mut s = in_v2_transaction();
    let before = s.requests;
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
    assert_eq!(types(&body), ["execute", "batch"]);
    assert!(is_tx_probe(&body["requests"][1]));
    assert_eq!(s.requests, 1, "one HTTP request ({before} before)");
    // Inside the transaction the probe's BEGIN fails: nothing changes.
    done(s.on_response(reply(&body, false, "b2")).unwrap());
    assert!(!s.is_autocommit() && !s.is_transaction_lost());
    let (_, body) = sent(s.execute(&st("COMMIT")).unwrap());
    assert_eq!(types(&body), ["execute", "close"]);
    done(s.on_response(reply(&body, true, "x")).unwrap());
    assert!(s.is_autocommit() && !s.is_transaction_lost());
}

#[test]
fn v2_a_transaction_the_server_rolled_back_is_lost() {
    // INSERT OR ROLLBACK conflicting: the statement fails, SQLite rolled the
    // transaction back, and the probe's BEGIN + ROLLBACK ran.
    let mut s = in_v2_transaction();
    let (_, body) = sent(
        s.execute(&st("INSERT OR ROLLBACK INTO t VALUES (1)"))
            .unwrap(),
    );
    assert_eq!(types(&body), ["execute", "batch"]);
    let resp = ok_body(json!({"baton":"b2","base_url":null,"results":[
        {"type":"error","error":{"message":"UNIQUE","code":"SQLITE_CONSTRAINT"}},
        probe_reply(Some("ok"), Some("ok"))]}));
    assert!(s.on_response(resp).unwrap_err().is_constraint());
    assert_lost(&mut s);

    // A statement that succeeds after the server ended the transaction.
    let mut s = in_v2_transaction();
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (3)")).unwrap());
    let resp = ok_body(json!({"baton":"b2","base_url":null,"results":[
        {"type":"ok","response":{"type":"execute","result":empty_result()}},
        probe_reply(Some("ok"), Some("ok"))]}));
    let _ = body;
    done(s.on_response(resp).unwrap());
    assert_lost(&mut s);

    // TRANSACTION_TIMEOUT: every step of the request fails, the probe's too,
    // and the transaction is already rolled back.
    let mut s = in_v2_transaction();
    let _ = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
    let resp = ok_body(json!({"baton":"b2","base_url":null,"results":[
        {"type":"error","error":{"message":"timed out","code":"TRANSACTION_TIMEOUT"}},
        probe_reply(Some("TRANSACTION_TIMEOUT"), None)]}));
    assert_eq!(
        s.on_response(resp).unwrap_err().kind(),
        ErrorKind::TransactionTimeout
    );
    assert_lost(&mut s);

    // The probe's BEGIN ran but its ROLLBACK did not: the stream is left.
    let mut s = in_v2_transaction();
    let _ = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
    let resp = ok_body(json!({"baton":"b2","base_url":null,"results":[
        {"type":"ok","response":{"type":"execute","result":empty_result()}},
        probe_reply(Some("ok"), Some("SQLITE_BUSY"))]}));
    done(s.on_response(resp).unwrap());
    assert!(!s.holds_baton());
    assert_lost(&mut s);

    // A probe with no answer (its request failed) changes nothing.
    let mut s = in_v2_transaction();
    let _ = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
    let resp = ok_body(json!({"baton":"b2","base_url":null,"results":[
        {"type":"ok","response":{"type":"execute","result":empty_result()}},
        {"type":"error","error":{"message":"?","code":"SQLITE_ERROR"}}]}));
    done(s.on_response(resp).unwrap());
    assert!(!s.is_autocommit() && !s.is_transaction_lost());
}

#[test]
fn a_cursor_cut_inside_a_transaction_loses_it() {
    let mut s = in_transaction();
    let _ = sent(s.query_stream(&st("SELECT x FROM t")).unwrap());
    let mut reply = s.reply(200);
    let mut sink = sqlport_core::CollectRows::default();
    assert!(
        reply
            .feed(b"{\"baton\":\"b2\",\"base_url\":null}\n", &mut sink)
            .is_continue()
    );
    let reset = Error::Io(std::io::ErrorKind::ConnectionReset.into());
    let err = s.on_reply(reply, Some(reset), &mut sink).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Protocol);
    assert_lost(&mut s);
}

/// The PRAGMA statements a session re-applies on a new stream.
fn replayed(s: &mut Session) -> Vec<String> {
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    let expired = HttpResponse {
        status: 400,
        body: br#"{"message":"expired","code":"STREAM_EXPIRED"}"#.to_vec(),
    };
    let (_, body) = if body["baton"].is_null() {
        (None::<()>, body)
    } else {
        let (_, b) = sent(s.on_response(expired).unwrap());
        (None, b)
    };
    let sqls: Vec<String> = body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["stmt"]["sql"].as_str().map(str::to_owned))
        .filter(|sql| sql.starts_with("PRAGMA"))
        .collect();
    done(s.on_response(reply(&body, true, "r")).unwrap());
    sqls
}

fn run(s: &mut Session, sql: &str, autocommit_after: bool) {
    match s.execute(&st(sql)).unwrap() {
        Next::Done(_) => {}
        Next::Send(req) => {
            let body: J = serde_json::from_slice(&req.body).unwrap();
            done(s.on_response(reply(&body, autocommit_after, "b")).unwrap());
        }
    }
}

#[test]
fn only_committed_connection_scoped_pragmas_are_replayed() {
    let mut s = session(Version::V3);
    run(&mut s, "PRAGMA recursive_triggers = ON", true);
    run(&mut s, "PRAGMA user_version = 42", true);
    run(&mut s, "PRAGMA journal_mode = WAL", true);
    run(&mut s, "BEGIN", false);
    run(&mut s, "PRAGMA case_sensitive_like = ON", false);
    run(&mut s, "PRAGMA foreign_keys = OFF", false);
    run(&mut s, "ROLLBACK", true);
    assert_eq!(replayed(&mut s), ["PRAGMA recursive_triggers = ON"]);
    // Committed: kept (but never foreign_keys, which SQLite ignores there).
    run(&mut s, "BEGIN", false);
    run(&mut s, "SELECT 1", false);
    run(&mut s, "PRAGMA case_sensitive_like = ON", false);
    run(&mut s, "PRAGMA foreign_keys = OFF", false);
    run(&mut s, "COMMIT", true);
    assert_eq!(
        replayed(&mut s),
        [
            "PRAGMA recursive_triggers = ON",
            "PRAGMA case_sensitive_like = ON"
        ]
    );
    // Lost: dropped.
    run(&mut s, "BEGIN", false);
    run(&mut s, "SELECT 1", false);
    run(&mut s, "PRAGMA cache_size = 10", false);
    let _ = sent(s.execute(&st("SELECT 2")).unwrap());
    s.on_transport_error(Error::Timeout("t".into()), true)
        .unwrap_err();
    done(s.execute(&st("ROLLBACK")).unwrap());
    assert_eq!(
        replayed(&mut s),
        [
            "PRAGMA recursive_triggers = ON",
            "PRAGMA case_sensitive_like = ON"
        ]
    );
    // The function-call form is an assignment too, and keeps the stream.
    run(&mut s, "PRAGMA busy_timeout(250)", true);
    assert!(s.holds_baton());
    assert_eq!(
        replayed(&mut s).last().map(String::as_str),
        Some("PRAGMA busy_timeout(250)")
    );
}

#[test]
fn a_database_scoped_pragma_keeps_no_stream() {
    let mut s = session(Version::V3);
    let (_, body) = sent(s.execute(&st("PRAGMA user_version = 7")).unwrap());
    assert_eq!(types(&body), ["execute", "get_autocommit", "close"]);
    done(s.on_response(reply(&body, true, "b")).unwrap());
    assert!(!s.holds_state());
}

/// A dropped guard's queued ROLLBACK ended the transaction; the stream then
/// expired: the next autocommit statement is retried on a new stream
/// (without the moot ROLLBACK), not reported as a lost transaction.
#[test]
fn expiry_after_a_queued_rollback_is_transparent() {
    let mut s = in_transaction();
    s.enqueue(st("ROLLBACK"));
    assert!(s.is_autocommit());
    let (_, body) = sent(s.execute(&st("DELETE FROM t")).unwrap());
    assert_eq!(body["baton"], "b1");
    assert_eq!(body["requests"][0]["stmt"]["sql"], "ROLLBACK");
    let (req, body) = sent(
        s.on_response(HttpResponse {
            status: 400,
            body: br#"{"message":"expired","code":"STREAM_EXPIRED"}"#.to_vec(),
        })
        .unwrap(),
    );
    assert!(!req.carries_baton);
    assert_eq!(types(&body), ["execute", "get_autocommit", "close"]);
    assert_eq!(body["requests"][0]["stmt"]["sql"], "DELETE FROM t");
    done(s.on_response(reply(&body, true, "x")).unwrap());
    assert!(s.is_autocommit() && !s.is_transaction_lost());
}

/// `base_url` is followed only on the database URL's origin: another host,
/// port or scheme (https to http above all) is ignored, so the token never
/// leaves for another server.
#[test]
fn base_url_on_another_origin_is_ignored() {
    for (base, elsewhere) in [
        ("http://db.test/prefix", "https://replica.test/db"),
        ("http://db.test/prefix", "http://db.test:8080/prefix"),
        ("http://db.test/prefix", "https://db.test/prefix"),
        ("https://db.test/prefix", "http://db.test/prefix"),
        ("https://db.test/", "https://db.test.evil.example/"),
        ("http://db.test/prefix", "ftp://db.test/"),
        ("http://db.test/prefix", "not a url"),
    ] {
        let mut s = Session::new(Url::parse(base).unwrap(), Version::V3);
        let (_, body) = sent(s.execute(&st("PRAGMA foreign_keys = OFF")).unwrap());
        let mut resp: J = serde_json::from_slice(&reply(&body, true, "b1").body).unwrap();
        resp["base_url"] = json!(elsewhere);
        done(s.on_response(ok_body(resp)).unwrap());
        let (req, _) = sent(s.execute(&st("SELECT 1")).unwrap());
        let want =
            crate::proto::client::request::endpoint(&Url::parse(base).unwrap(), "v3/pipeline");
        assert_eq!(req.url, want, "{base} -> {elsewhere}");
        // The same in a cursor's first line.
        done(
            s.on_response(reply(
                &json!({"requests":[{"type":"execute"},{"type":"get_autocommit"}]}),
                true,
                "b2",
            ))
            .unwrap(),
        );
        let (_, _) = sent(s.query_stream(&st("SELECT 1")).unwrap());
        let mut reply = s.reply(200);
        let line = format!(
            "{}\n{{\"type\":\"step_begin\",\"step\":0,\"cols\":[]}}\n{{\"type\":\"step_end\",\"affected_row_count\":0,\"last_insert_rowid\":null}}\n",
            json!({"baton":"b3","base_url":elsewhere})
        );
        let mut sink = sqlport_core::CollectRows::default();
        assert!(reply.feed(line.as_bytes(), &mut sink).is_continue());
        done(s.on_reply(reply, None, &mut sink).unwrap());
        let (req, _) = sent(s.execute(&st("SELECT 1")).unwrap());
        assert_eq!(req.url, want, "cursor: {base} -> {elsewhere}");
    }
}
