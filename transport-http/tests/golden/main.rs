//! Golden tests against exchanges recorded from a real sqld 0.24.33
//! (`tests/fixtures/sqld/`, copied from the design notes): every recorded
//! reply decodes to the right result or error, and the requests sqld accepted
//! are shapes our encoder produces.

use std::path::PathBuf;

use serde_json::Value as J;
use sqlport_core::{CollectRows, ErrorKind, Params, Statement, Value, codes};
use sqlport_http::proto::client::errors::{http_error, is_lost_stream, parse_error_body};
use sqlport_http::proto::client::{
    CursorReader, HttpResponse, Next, Output, Session, Version, codec, errors,
};
use sqlport_http::proto::wire;

struct Exchange {
    name: String,
    url: String,
    status: u16,
    request: J,
    raw_response: Vec<u8>,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sqld")
}

fn load(prefix: &str) -> Exchange {
    let entry = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .find(|n| n.starts_with(prefix) && n.ends_with(".meta.json"))
        .unwrap_or_else(|| panic!("no fixture {prefix}"));
    let name = entry.trim_end_matches(".meta.json").to_owned();
    let meta: J = serde_json::from_slice(&std::fs::read(dir().join(&entry)).unwrap()).unwrap();
    let request: J =
        serde_json::from_slice(&std::fs::read(dir().join(format!("{name}.request.json"))).unwrap())
            .unwrap();
    let raw_response = match std::fs::read(dir().join(format!("{name}.response.ndjson"))) {
        Ok(b) => b,
        Err(_) => meta["response_body_raw"]
            .as_str()
            .unwrap_or_default()
            .as_bytes()
            .to_vec(),
    };
    Exchange {
        name,
        url: meta["url"].as_str().unwrap().to_owned(),
        status: u16::try_from(meta["status"].as_u64().unwrap()).unwrap(),
        request,
        raw_response,
    }
}

fn all_hrana() -> Vec<Exchange> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".meta.json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| load(&n[..3]))
        .filter(|x| {
            [
                "/v1/execute",
                "/v1/batch",
                "/v2/pipeline",
                "/v3/pipeline",
                "/v3/cursor",
            ]
            .iter()
            .any(|p| x.url.ends_with(p))
        })
        .collect()
}

/// Drop `"baton": null` (absent and null mean the same to sqld).
fn normalize(mut j: J) -> J {
    if let Some(o) = j.as_object_mut() {
        if o.get("baton") == Some(&J::Null) {
            o.remove("baton");
        }
    }
    j
}

/// Our statement for a recorded `Stmt`: SQL and parameters as sqld got them.
fn core_stmt(w: &wire::Stmt) -> Statement {
    let params = if !w.named_args.is_empty() {
        Params::Named(
            w.named_args
                .iter()
                .map(|a| (a.name.clone(), Value::from(a.value.clone())))
                .collect(),
        )
    } else if !w.args.is_empty() {
        Params::Positional(w.args.iter().cloned().map(Value::from).collect())
    } else {
        Params::None
    };
    Statement {
        sql: w.sql.clone().unwrap_or_default().into(),
        params,
    }
}

fn stmts_of(req: &wire::PipelineRequest) -> Vec<wire::Stmt> {
    let mut out = Vec::new();
    for r in &req.requests {
        match r {
            wire::StreamRequest::Execute { stmt } => out.push(stmt.clone()),
            wire::StreamRequest::Batch { batch } => {
                out.extend(batch.steps.iter().map(|s| s.stmt.clone()))
            }
            _ => {}
        }
    }
    out
}

#[test]
fn accepted_requests_are_shapes_we_encode() {
    let mut checked = 0;
    for x in all_hrana() {
        if !(200..300).contains(&x.status) || x.request.is_string() {
            continue;
        }
        let stmts = if x.url.ends_with("pipeline") {
            let req: wire::PipelineRequest = serde_json::from_value(x.request.clone())
                .unwrap_or_else(|e| panic!("{}: {e}", x.name));
            assert_eq!(
                normalize(serde_json::to_value(&req).unwrap()),
                normalize(x.request.clone()),
                "{}",
                x.name
            );
            stmts_of(&req)
        } else if x.url.ends_with("cursor") {
            let req: wire::CursorRequest = serde_json::from_value(x.request.clone()).unwrap();
            assert_eq!(
                normalize(serde_json::to_value(&req).unwrap()),
                normalize(x.request.clone()),
                "{}",
                x.name
            );
            req.batch.steps.into_iter().map(|s| s.stmt).collect()
        } else if x.url.ends_with("v1/execute") {
            let req: wire::V1ExecuteRequest = serde_json::from_value(x.request.clone()).unwrap();
            vec![req.stmt]
        } else {
            let req: wire::V1BatchRequest = serde_json::from_value(x.request.clone()).unwrap();
            req.batch.steps.into_iter().map(|s| s.stmt).collect()
        };
        for w in stmts {
            if w.sql_id.is_some() || (!w.args.is_empty() && !w.named_args.is_empty()) {
                // Stored SQL, or a deliberately mixed shape we never send.
                continue;
            }
            let mut ours = codec::encode_stmt(&core_stmt(&w), true).unwrap();
            ours.want_rows = w.want_rows;
            assert_eq!(
                serde_json::to_value(&ours).unwrap(),
                serde_json::to_value(&w).unwrap(),
                "{}",
                x.name
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} statements checked");
}

#[test]
fn every_recorded_reply_decodes() {
    let mut decoded = 0;
    for x in all_hrana() {
        if !(200..300).contains(&x.status) {
            // Error replies never panic and always give an error.
            let body = parse_error_body(&x.raw_response);
            let _ = http_error(x.status, body);
            continue;
        }
        if x.url.ends_with("pipeline") {
            let resp: wire::PipelineResponse = serde_json::from_slice(&x.raw_response)
                .unwrap_or_else(|e| panic!("{}: {e}", x.name));
            for r in resp.results {
                match r {
                    wire::StreamResult::Ok {
                        response: wire::StreamResponse::Execute { result },
                    } => {
                        codec::result_set(result).unwrap();
                    }
                    wire::StreamResult::Ok {
                        response: wire::StreamResponse::Batch { result },
                    } => {
                        assert_eq!(result.step_results.len(), result.step_errors.len());
                        for r in result.step_results.into_iter().flatten() {
                            codec::result_set(r).unwrap();
                        }
                    }
                    wire::StreamResult::Error { error } => {
                        let _ = errors::hrana_error(&error);
                    }
                    _ => {}
                }
            }
        } else if x.url.ends_with("v1/execute") {
            let r: wire::V1ExecuteResponse = serde_json::from_slice(&x.raw_response).unwrap();
            codec::result_set(r.result).unwrap();
        } else if x.url.ends_with("v1/batch") {
            let _: wire::V1BatchResponse = serde_json::from_slice(&x.raw_response).unwrap();
        }
        decoded += 1;
    }
    assert!(decoded > 25, "only {decoded} replies decoded");
}

fn pipeline(prefix: &str) -> Vec<wire::StreamResult> {
    let x = load(prefix);
    let resp: wire::PipelineResponse = serde_json::from_slice(&x.raw_response).unwrap();
    resp.results
}

fn exec_result(r: &wire::StreamResult) -> sqlport_core::ResultSet {
    match r {
        wire::StreamResult::Ok {
            response: wire::StreamResponse::Execute { result },
        } => codec::result_set(result.clone()).unwrap(),
        other => panic!("not an execute result: {other:?}"),
    }
}

fn exec_error(r: &wire::StreamResult) -> sqlport_core::Error {
    match r {
        wire::StreamResult::Error { error } => errors::hrana_error(error),
        other => panic!("not an error: {other:?}"),
    }
}

#[test]
fn values_and_results_decode_exactly() {
    let r = pipeline("04-");
    assert_eq!(exec_result(&r[0]).rows[0].values(), &[Value::Integer(1)]);
    let r = pipeline("13-");
    let ins = exec_result(&r[0]);
    assert_eq!((ins.rows_affected, ins.last_insert_rowid), (1, Some(1)));
    // The server's counts, as recorded (issue 15): one row written.
    assert_eq!((ins.rows_read, ins.rows_written), (Some(0), Some(1)));
    let r = pipeline("11-");
    let create = exec_result(&r[0]);
    assert_eq!((create.rows_read, create.rows_written), (Some(1), Some(2)));
    let r = pipeline("47-");
    let rs = exec_result(&r[0]);
    let row = &rs.rows[0];
    assert_eq!(row.get::<i64>("i").unwrap(), 42);
    assert_eq!(row.get::<f64>("f").unwrap(), 3.25);
    assert_eq!(row.get::<Vec<u8>>("b").unwrap(), vec![1, 2, 3, 0xff]);
    assert!(row.values()[3].is_null());
    assert_eq!(row.get::<String>("s").unwrap(), "héllo");
    assert_eq!(row.get::<i64>("big").unwrap(), i64::MAX);
    // want_rows:false is ignored by sqld: rows arrive anyway and are tolerated.
    assert_eq!(exec_result(&r[1]).rows.len(), 1);
    let r = pipeline("20-");
    let last = r
        .iter()
        .rev()
        .filter_map(|r| match r {
            wire::StreamResult::Ok {
                response: wire::StreamResponse::Execute { result },
            } if !result.rows.is_empty() => Some(codec::result_set(result.clone()).unwrap()),
            _ => None,
        })
        .next()
        .unwrap();
    assert_eq!(last.rows[0].values(), &[Value::Integer(0)]);
}

#[test]
fn recorded_errors_map_to_core_kinds_and_codes() {
    let r = pipeline("23-");
    let e = exec_error(&r[0]);
    assert_eq!(e.kind(), ErrorKind::Sqlite);
    assert_eq!(e.sqlite_code(), Some(codes::SQLITE_ERROR));
    assert_eq!(e.remote_code(), Some("SQL_PARSE_ERROR"));
    assert_eq!(exec_result(&r[1]).rows[0].values(), &[Value::Integer(2)]);
    let r = pipeline("25-");
    let errs: Vec<_> = r
        .iter()
        .filter(|r| matches!(r, wire::StreamResult::Error { .. }))
        .map(exec_error)
        .collect();
    assert_eq!(errs[0].sqlite_code(), Some(codes::SQLITE_ERROR));
    assert_eq!(errs[0].remote_code(), Some("SQLITE_UNKNOWN"));
    assert_eq!(errs[1].sqlite_code(), Some(codes::SQLITE_CONSTRAINT));
    let r = pipeline("46-");
    let e = r
        .iter()
        .find(|r| matches!(r, wire::StreamResult::Error { .. }))
        .map(exec_error)
        .unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidArguments);
}

#[test]
fn recorded_http_errors_classify() {
    for (prefix, lost, kind) in [
        ("15-", true, ErrorKind::Http),
        ("18-", true, ErrorKind::Http),
        ("43-", true, ErrorKind::Http),
        ("45-", true, ErrorKind::Http),
        ("31-", false, ErrorKind::Http),
        ("32-", false, ErrorKind::Http),
        ("38-", false, ErrorKind::Http),
        ("41-", false, ErrorKind::Http),
        ("50-", false, ErrorKind::Auth),
        ("52-", false, ErrorKind::Auth),
        ("53-", false, ErrorKind::Auth),
        ("54-", false, ErrorKind::Auth),
        ("56-", false, ErrorKind::Auth),
        ("65-", false, ErrorKind::Auth),
        ("67-", false, ErrorKind::Auth),
    ] {
        let x = load(prefix);
        let body = parse_error_body(&x.raw_response);
        assert_eq!(is_lost_stream(x.status, &body), lost, "{}", x.name);
        assert_eq!(http_error(x.status, body).kind(), kind, "{}", x.name);
    }
    let x = load("43-");
    assert_eq!(
        parse_error_body(&x.raw_response).code.as_deref(),
        Some("STREAM_EXPIRED")
    );
}

#[test]
fn recorded_cursor_streams_in_any_chunking() {
    let x = load("39-");
    for chunk in [1, 7, 64, usize::MAX] {
        let mut reader = CursorReader::new(4, 0);
        let mut sink = CollectRows::default();
        for part in x.raw_response.chunks(chunk.min(x.raw_response.len())) {
            reader.feed(part, &mut sink).unwrap();
        }
        let out = reader.finish(&mut sink).unwrap();
        assert!(out.baton.is_some());
        assert_eq!(sink.rows.len(), 2);
        assert_eq!(sink.rows[1].get::<String>("name").unwrap(), "carol");
        use sqlport_http::proto::client::cursor::CursorStep;
        assert!(matches!(&out.steps[1], CursorStep::Err(e) if e.is_constraint()));
        assert!(matches!(out.steps[2], CursorStep::Ok { .. }));
        assert!(matches!(out.steps[3], CursorStep::Skipped));
    }
    // Truncated anywhere inside a step: an error, never a panic.
    let cut = x.raw_response.len() / 2;
    let mut reader = CursorReader::new(4, 0);
    let mut sink = CollectRows::default();
    let res = reader
        .feed(&x.raw_response[..cut], &mut sink)
        .and_then(|()| reader.finish(&mut sink).map(|_| ()));
    assert_eq!(res.unwrap_err().kind(), ErrorKind::Protocol);
}

fn send(next: Next) -> J {
    match next {
        Next::Send(req) => serde_json::from_slice(&req.body).unwrap(),
        Next::Done(o) => panic!("done: {o:?}"),
    }
}

#[test]
fn session_requests_match_recorded_ones() {
    // v2 autocommit SELECT: exactly what sqld got in exchange 03.
    let base = url::Url::parse("http://127.0.0.1:8080").unwrap();
    let mut s = Session::new(base.clone(), Version::V2);
    let mut body = send(s.execute(&Statement::new("select 1")).unwrap());
    body["requests"][0]["stmt"]
        .as_object_mut()
        .unwrap()
        .remove("want_rows");
    let x = load("03-");
    assert_eq!(normalize(body), normalize(x.request.clone()));
    let out = s
        .on_response(HttpResponse {
            status: 200,
            body: x.raw_response,
        })
        .unwrap();
    let Next::Done(Output::Rows(rs)) = out else {
        panic!()
    };
    assert_eq!(rs.rows[0].values(), &[Value::Integer(1)]);

    // v1 execute and its recorded errors.
    let mut s = Session::new(base, Version::V1);
    let x = load("07-");
    let stmt: wire::V1ExecuteRequest = serde_json::from_value(x.request.clone()).unwrap();
    let mut body = send(s.execute(&core_stmt(&stmt.stmt)).unwrap());
    body["stmt"].as_object_mut().unwrap().remove("want_rows");
    assert_eq!(body, x.request);
    let out = s
        .on_response(HttpResponse {
            status: x.status,
            body: x.raw_response,
        })
        .unwrap();
    assert!(matches!(out, Next::Done(Output::Rows(_))));
    for (prefix, code) in [("29-", "SQL_PARSE_ERROR"), ("30-", "SQLITE_UNKNOWN")] {
        let x = load(prefix);
        let _ = send(s.execute(&Statement::new("select 1")).unwrap());
        let err = s
            .on_response(HttpResponse {
                status: x.status,
                body: x.raw_response,
            })
            .unwrap_err();
        assert_eq!(err.sqlite_code(), Some(codes::SQLITE_ERROR), "{prefix}");
        assert_eq!(err.remote_code(), Some(code));
    }
}

/// A tiny deterministic generator (no extra crate) for mutation tests.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        usize::try_from(self.0 >> 33).unwrap()
    }
}

#[test]
fn mutated_replies_never_panic() {
    let mut rng = Lcg(7);
    let base = url::Url::parse("http://127.0.0.1:8080").unwrap();
    for x in all_hrana() {
        let body = &x.raw_response;
        let mut variants: Vec<Vec<u8>> = (0..body.len())
            .step_by((body.len() / 40).max(1))
            .map(|cut| body[..cut].to_vec())
            .collect();
        for _ in 0..40 {
            let mut b = body.clone();
            if !b.is_empty() {
                let i = rng.next() % b.len();
                b[i] = u8::try_from(rng.next() % 256).unwrap();
            }
            variants.push(b);
        }
        for v in variants {
            for status in [200, 400, 500] {
                for version in [Version::V3, Version::V2, Version::V1] {
                    let mut s = Session::new(base.clone(), version);
                    let _ = send(s.execute(&Statement::new("SELECT 1")).unwrap());
                    let _ = s.on_response(HttpResponse {
                        status,
                        body: v.clone(),
                    });
                }
            }
            let mut reader = CursorReader::new(4, 0);
            let mut sink = CollectRows::default();
            if reader.feed(&v, &mut sink).is_ok() {
                let _ = reader.finish(&mut sink);
            }
        }
    }
}
