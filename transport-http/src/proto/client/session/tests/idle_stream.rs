//! `keep_idle_stream`: a connection that keeps its stream between
//! statements that leave no state (HttpConfig::keep_idle_stream).

use super::*;

fn kept(v: Version) -> Session {
    let mut s = session(v);
    s.set_keep_idle_stream(true);
    s
}

fn expired() -> HttpResponse {
    HttpResponse {
        status: 400,
        body: br#"{"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"}"#
            .to_vec(),
    }
}

#[test]
fn autocommit_statements_reuse_one_stream_until_close() {
    let mut s = kept(Version::V3);
    let (req, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert!(!req.carries_baton);
    assert_eq!(types(&body), ["execute", "get_autocommit"], "no close");
    done(s.on_response(reply(&body, true, "b1")).unwrap());
    assert!(s.holds_baton() && !s.holds_state() && s.is_autocommit());
    let (req, body) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    assert!(req.carries_baton);
    assert_eq!(body["baton"], "b1");
    assert_eq!(types(&body), ["execute", "get_autocommit"]);
    done(s.on_response(reply(&body, true, "b2")).unwrap());
    let (_, body) = sent(s.batch(&Batch::atomic([st("SELECT 2")])).unwrap());
    assert_eq!(body["baton"], "b2");
    assert!(!types(&body).contains(&"close"));
    done(s.on_response(reply(&body, true, "b3")).unwrap());
    // A transaction on the kept stream: COMMIT keeps it too.
    done(s.execute(&st("BEGIN")).unwrap());
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
    assert_eq!(body["baton"], "b3");
    done(s.on_response(reply(&body, false, "b4")).unwrap());
    let (_, body) = sent(s.execute(&st("COMMIT")).unwrap());
    assert_eq!(types(&body), ["execute", "get_autocommit"]);
    done(s.on_response(reply(&body, true, "b5")).unwrap());
    assert!(s.is_autocommit() && s.holds_baton());
    // Closing the connection closes the stream; so does dropping it.
    let (_, body) = sent(s.close().unwrap());
    assert_eq!(body, json!({"baton":"b5","requests":[{"type":"close"}]}));
    done(s.on_response(reply(&body, true, "x")).unwrap());
    assert!(s.is_closed() && !s.holds_baton());

    let mut s = kept(Version::V3);
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    done(s.on_response(reply(&body, true, "d1")).unwrap());
    let req = s.close_on_drop().expect("a kept stream is closed on drop");
    let body: J = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body, json!({"baton":"d1","requests":[{"type":"close"}]}));
}

#[test]
fn an_idle_stream_that_expired_is_replaced_once() {
    let mut s = kept(Version::V3);
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    done(s.on_response(reply(&body, true, "b1")).unwrap());
    let (_, body) = sent(s.execute(&st("SELECT 2")).unwrap());
    assert_eq!(body["baton"], "b1");
    // The server let the idle stream expire: the statement did not run, and
    // is sent again on a new stream, which is kept in turn.
    let (req, body) = sent(s.on_response(expired()).unwrap());
    assert!(!req.carries_baton);
    assert_eq!(types(&body), ["execute", "get_autocommit"]);
    assert_eq!(body["requests"][0]["stmt"]["sql"], "SELECT 2");
    done(s.on_response(reply(&body, true, "b2")).unwrap());
    assert!(s.holds_baton());
    // Expired again at once: reported, not retried forever.
    let _ = sent(s.execute(&st("SELECT 3")).unwrap());
    let _ = sent(s.on_response(expired()).unwrap());
    let err = s.on_response(expired()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StreamExpired);
    assert!(!s.holds_baton());
}

#[test]
fn inside_a_transaction_expiry_is_still_lost_not_replaced() {
    let mut s = kept(Version::V3);
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    done(s.on_response(reply(&body, true, "b1")).unwrap());
    done(s.execute(&st("BEGIN")).unwrap());
    let (_, body) = sent(s.execute(&st("INSERT INTO t VALUES (1)")).unwrap());
    done(s.on_response(reply(&body, false, "b2")).unwrap());
    let _ = sent(s.execute(&st("INSERT INTO t VALUES (2)")).unwrap());
    let err = s.on_response(expired()).unwrap_err();
    assert!(matches!(
        err,
        Error::StreamExpired {
            in_transaction: true
        }
    ));
    assert!(s.is_transaction_lost());
}

#[test]
fn v2_probes_the_kept_stream_and_v1_has_none() {
    let mut s = kept(Version::V2);
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    let t = types(&body);
    assert_eq!(t, ["execute", "batch"], "the transaction probe, no close");
    assert!(is_tx_probe(&body["requests"][1]));
    done(s.on_response(reply(&body, true, "v2b")).unwrap());
    assert!(s.holds_baton());

    let mut s = kept(Version::V1);
    let (req, _) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(req.endpoint, "v1/execute");
    assert!(!req.carries_baton);
}

#[test]
fn a_finished_cursor_keeps_its_stream_for_every_next_operation() {
    let mut s = kept(Version::V3);
    let body = run_cursor(&mut s, "c1");
    assert_eq!(body["baton"], J::Null);
    assert!(s.holds_baton(), "kept, not left as a cursor-only spare");
    let (_, body) = sent(s.execute(&st("SELECT 1")).unwrap());
    assert_eq!(body["baton"], "c1");
    done(s.on_response(reply(&body, true, "b2")).unwrap());
    let body = run_cursor(&mut s, "c3");
    assert_eq!(body["baton"], "b2");
}
