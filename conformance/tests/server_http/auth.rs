//! Authentication: fixed token, and Ed25519 JWTs checked against the real sqld
//! recordings (exchanges 50–67, key and tokens in tests/fixtures/auth).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::EncodePublicKey as _;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{Value as Json, json};
use sqlport_conformance::server::{ServerAuth, ServerConfig, TestServer};
use sqlport_core::AuthToken;

use crate::common::{Client, exec, scalar};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn jwt_server(public_key: String) -> TestServer {
    TestServer::start(ServerConfig {
        auth: Some(ServerAuth::JwtEd25519 {
            public_key_pem: public_key,
        }),
        ..Default::default()
    })
    .unwrap()
}

fn token_server() -> TestServer {
    TestServer::start(ServerConfig {
        auth: Some(ServerAuth::Token(AuthToken::new("s3cret"))),
        ..Default::default()
    })
    .unwrap()
}

fn unauthorized(r: &crate::common::Reply) -> bool {
    r.status == 401
        && r.json()["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("Unauthorized: "))
}

#[test]
fn fixed_token() {
    let s = token_server();
    let c = Client::new(&s);
    let body =
        json!({"baton": null, "requests": [exec("select 1"), {"type": "close"}]}).to_string();
    assert!(unauthorized(&c.post("/v3/pipeline", &body)));
    assert!(unauthorized(&c.post_with(
        "/v3/pipeline",
        &body,
        &[("authorization", "Bearer wrong")]
    )));
    assert!(unauthorized(&c.post_with(
        "/v3/pipeline",
        &body,
        &[("authorization", "Bearer s3cre")]
    )));
    assert!(unauthorized(&c.post_with(
        "/v3/pipeline",
        &body,
        &[("authorization", "Basic s3cret")]
    )));
    assert!(unauthorized(&c.post_with(
        "/v3/pipeline",
        &body,
        &[("authorization", "s3cret")]
    )));
    assert!(unauthorized(
        &c.post("/v1/execute", r#"{"stmt":{"sql":"select 1"}}"#)
    ));
    assert!(unauthorized(
        &c.post("/v3/cursor", r#"{"batch":{"steps":[]}}"#)
    ));
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = c.post_with(
            "/v3/pipeline",
            &body,
            &[("authorization", &format!("{scheme} s3cret"))],
        );
        assert_eq!(r.status, 200, "{scheme}");
    }
    for path in ["/v2", "/v3", "/health", "/version"] {
        assert_eq!(c.get(path).status, 200, "{path}");
    }
}

#[test]
fn a_401_does_not_use_up_the_baton() {
    let s = token_server();
    let c = Client::new(&s);
    let auth = [("authorization", "Bearer s3cret")];
    let open = json!({"baton": null, "requests": [exec("select 1")]}).to_string();
    let b = c.post_with("/v3/pipeline", &open, &auth).baton().unwrap();
    let next = json!({"baton": b, "requests": [exec("select 2"), {"type": "close"}]}).to_string();
    assert!(unauthorized(&c.post("/v3/pipeline", &next)));
    let r = c.post_with("/v3/pipeline", &next, &auth);
    assert_eq!(r.status, 200);
    assert_eq!(scalar(&r.result(0)), "2");
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The `exp` claim of a `Bearer <jwt>` header value.
fn jwt_exp(header: &str) -> Option<i64> {
    let payload = header.split_whitespace().nth(1)?.split('.').nth(1)?;
    let claims: Json = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims["exp"].as_i64()
}

/// Replay the recorded JWT exchanges: same path, headers and body; the same
/// status, and for refusals the same `{"error": "Unauthorized: …"}` shape.
#[test]
fn sqld_jwt_exchanges_replay_with_the_same_statuses() {
    let key = read(&fixtures().join("auth/public.pem"));
    let s = jwt_server(key);
    let c = Client::new(&s);
    let dir = fixtures().join("sqld");
    // 57 is sqld's legacy `POST /` API, which this server does not have;
    // 64–66 carry sqld's batons (see the test below).
    let exchanges = [
        "50", "51", "52", "53", "54", "55", "56", "58", "59", "60", "61", "62", "63", "67",
    ];
    for n in exchanges {
        let meta_path = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.starts_with(&format!("{n}-")) && name.ends_with(".meta.json")
            })
            .unwrap_or_else(|| panic!("exchange {n}"));
        let meta: Json = serde_json::from_str(&read(&meta_path)).unwrap();
        let path = meta["url"]
            .as_str()
            .unwrap()
            .trim_start_matches("http://127.0.0.1:8081");
        let headers: Vec<(String, String)> = meta["request_headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap().to_owned()))
            .filter(|(k, _)| k != "content-type")
            .collect();
        let hdrs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let request_path = meta_path
            .to_string_lossy()
            .replace(".meta.json", ".request.json");
        let request: Json = serde_json::from_str(&read(Path::new(&request_path))).unwrap();
        let r = if meta["method"] == "GET" {
            c.get(path)
        } else {
            c.post_with(path, &request.to_string(), &hdrs)
        };
        let mut want = meta["status"].as_u64().unwrap() as u16;
        // The recorded tokens expire one year after the recording; once one
        // has, the right answer is 401.
        let token = headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .map(|(_, v)| v.as_str());
        if token.and_then(jwt_exp).is_some_and(|exp| exp + 60 < now()) {
            want = 401;
        }
        assert_eq!(r.status, want, "exchange {n}: {}", r.body);
        if want == 401 || want == 403 {
            assert!(r.json()["error"].is_string(), "exchange {n}");
        }
    }
}

#[test]
fn base64url_keys_work_too() {
    let key = read(&fixtures().join("auth/public.b64url"));
    let s = jwt_server(key.trim().to_owned());
    let c = Client::new(&s);
    let valid = read(&fixtures().join("auth/valid.jwt"));
    let body =
        json!({"baton": null, "requests": [exec("select 1"), {"type": "close"}]}).to_string();
    let r = c.post_with(
        "/v3/pipeline",
        &body,
        &[("authorization", &format!("Bearer {}", valid.trim()))],
    );
    let expired = jwt_exp(&format!("Bearer {}", valid.trim())).is_some_and(|exp| exp + 60 < now());
    assert_eq!(r.status, if expired { 401 } else { 200 });
    // The noexp token never expires: it must pass with this key form.
    let noexp = read(&fixtures().join("auth/noexp.jwt"));
    let r = c.post_with(
        "/v3/pipeline",
        &body,
        &[("authorization", &format!("Bearer {}", noexp.trim()))],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn bad_keys_are_refused_at_start() {
    let r = TestServer::start(ServerConfig {
        auth: Some(ServerAuth::JwtEd25519 {
            public_key_pem: "not a key".into(),
        }),
        ..Default::default()
    });
    assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
}

fn mint(key: &SigningKey, header: &Json, claims: &Json) -> String {
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let p = URL_SAFE_NO_PAD.encode(claims.to_string());
    let sig = key.sign(format!("{h}.{p}").as_bytes());
    format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
}

#[test]
fn minted_tokens_exp_nbf_alg_and_read_only() {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let pem = key
        .verifying_key()
        .to_public_key_pem(Default::default())
        .unwrap();
    let s = jwt_server(pem);
    let c = Client::new(&s);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let eddsa = json!({"alg": "EdDSA", "typ": "JWT"});
    let body =
        json!({"baton": null, "requests": [exec("select 1"), {"type": "close"}]}).to_string();
    let write = json!({"baton": null, "requests": [exec("create table w(x)"), {"type": "close"}]})
        .to_string();
    let status = |token: &str, body: &str| {
        c.post_with(
            "/v3/pipeline",
            body,
            &[("authorization", &format!("Bearer {token}"))],
        )
        .status
    };
    assert_eq!(
        status(&mint(&key, &eddsa, &json!({"exp": now + 60})), &body),
        200
    );
    assert_eq!(
        status(&mint(&key, &eddsa, &json!({"exp": now - 30})), &body),
        200,
        "within leeway"
    );
    assert_eq!(
        status(&mint(&key, &eddsa, &json!({"exp": now - 3600})), &body),
        401
    );
    // sqld does not check `nbf`, and the reference server follows it (the
    // differential test compares the two on this token).
    assert_eq!(
        status(&mint(&key, &eddsa, &json!({"nbf": now + 3600})), &body),
        200
    );
    assert_eq!(
        status(&mint(&key, &eddsa, &json!({"exp": "soon"})), &body),
        401
    );
    assert_eq!(
        status(&mint(&key, &json!({"alg": "none"}), &json!({})), &body),
        401
    );
    assert_eq!(
        status(&mint(&key, &json!({"alg": "HS256"}), &json!({})), &body),
        401
    );
    let ro = mint(&key, &eddsa, &json!({"a": "ro"}));
    assert_eq!(status(&ro, &body), 200);
    assert_eq!(status(&ro, &write), 403);
    let cursor = |token: &str, sql: &str| {
        let body = json!({"baton": null, "batch": {"steps": [{"stmt": {"sql": sql}}]}}).to_string();
        c.post_with(
            "/v3/cursor",
            &body,
            &[("authorization", &format!("Bearer {token}"))],
        )
        .status
    };
    assert_eq!(cursor(&ro, "select 1"), 200);
    // A write on `/v3/cursor` is refused after line 1 (status 200, the body
    // cut short), as on sqld: the differential test compares that.
    // A write that only prepares once an earlier (read-only) statement of the
    // same request has run is still a write.
    let attach_then_write = json!({"baton": null, "requests": [
        exec("attach ':memory:' as side"),
        exec("create table side.w5(x)"),
        {"type": "close"}
    ]})
    .to_string();
    assert_eq!(status(&ro, &attach_then_write), 403);
    // The stateless v1 endpoints hold read-only tokens to reads too.
    let v1 = |path: &str, token: &str, body: Json| {
        c.post_with(
            path,
            &body.to_string(),
            &[("authorization", &format!("Bearer {token}"))],
        )
        .status
    };
    let v1_execute = |sql: &str| json!({"stmt": {"sql": sql}});
    let v1_batch = |sql: &str| json!({"batch": {"steps": [{"stmt": {"sql": "select 1"}}, {"stmt": {"sql": sql}}]}});
    assert_eq!(v1("/v1/execute", &ro, v1_execute("select 1")), 200);
    assert_eq!(
        v1("/v1/execute", &ro, v1_execute("create table w3(x)")),
        403
    );
    assert_eq!(v1("/v1/batch", &ro, v1_batch("select 2")), 200);
    assert_eq!(v1("/v1/batch", &ro, v1_batch("create table w4(x)")), 403);
    let check = c.post_with(
        "/v1/execute",
        &v1_execute("select count(*) from sqlite_master where name in ('w3', 'w4')").to_string(),
        &[("authorization", &format!("Bearer {ro}"))],
    );
    assert_eq!(
        check.json()["result"]["rows"][0][0],
        json!({"type": "integer", "value": "0"}),
        "{}",
        check.body
    );
    let rw = mint(&key, &eddsa, &json!({"a": "rw"}));
    assert_eq!(status(&rw, &write), 200);
    let valid = mint(&key, &eddsa, &json!({}));
    let (h, rest) = valid.split_once('.').unwrap();
    let tampered = format!("{h}.{}", rest.replacen('e', "f", 1));
    assert_eq!(status(&tampered, &body), 401);
    for junk in ["", "a.b", "a.b.c.d", "....", "eyJ.eyJ.AAAA"] {
        assert_eq!(status(junk, &body), 401, "{junk:?}");
    }
    assert_eq!(
        s.open_streams(),
        1,
        "only the read-only cursor's stream stays open"
    );
}
