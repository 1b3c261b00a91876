//! Robustness: 1,000 malformed requests from a seeded RNG (raw garbage bytes,
//! random bodies, mutated and mis-shaped JSON, unknown batons, oversized
//! bodies); the server answers each with a clear status and then still serves
//! a valid request correctly.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, RngCore as _, SeedableRng as _};
use serde_json::{Value as Json, json};
use sqlport_conformance::server::{ServerConfig, TestServer};

use crate::common::{Client, exec, scalar};

const PATHS: [&str; 6] = [
    "/v2/pipeline",
    "/v3/pipeline",
    "/v3/cursor",
    "/v1/execute",
    "/v1/batch",
    "/v3",
];

fn random_json(rng: &mut StdRng, depth: u32) -> Json {
    let pick = if depth == 0 {
        rng.random_range(0..4)
    } else {
        rng.random_range(0..7)
    };
    match pick {
        0 => Json::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random::<i64>()),
        3 => {
            let words = [
                "type", "execute", "batch", "sql", "baton", "requests", "stmt", "close", "steps",
                "é\u{0}", "",
            ];
            json!(words[rng.random_range(0..words.len())])
        }
        4 => Json::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "type",
                "requests",
                "baton",
                "stmt",
                "sql",
                "args",
                "batch",
                "steps",
                "condition",
                "step",
                "sql_id",
                "value",
            ];
            let mut m = serde_json::Map::new();
            for _ in 0..rng.random_range(0..5) {
                m.insert(
                    keys[rng.random_range(0..keys.len())].to_owned(),
                    random_json(rng, depth - 1),
                );
            }
            Json::Object(m)
        }
    }
}

fn valid_body(rng: &mut StdRng) -> String {
    let sqls = [
        "select 1",
        "select ?",
        "create table if not exists r(x)",
        "insert into r values (1)",
        "selec",
        "",
        "select * from nope",
    ];
    let reqs: Vec<Json> = (0..rng.random_range(1..4))
        .map(|_| exec(sqls[rng.random_range(0..sqls.len())]))
        .collect();
    json!({"baton": null, "requests": reqs}).to_string()
}

/// Send raw bytes and read whatever comes back (bounded by a read timeout).
fn raw(addr: std::net::SocketAddr, bytes: &[u8]) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut buf = Vec::new();
    let _ = s.take(1 << 20).read_to_end(&mut buf);
}

#[test]
fn a_thousand_malformed_requests_then_a_valid_one() {
    let s = TestServer::start(ServerConfig {
        max_body_bytes: 64 * 1024,
        ..Default::default()
    })
    .unwrap();
    let c = Client::new(&s);
    let mut rng = StdRng::seed_from_u64(0x5eed_2026);
    for i in 0..1000 {
        let path = PATHS[rng.random_range(0..PATHS.len())];
        let kind = rng.random_range(0..7);
        let reply = match kind {
            0 => {
                let mut bytes = vec![0u8; rng.random_range(0..512)];
                rng.fill_bytes(&mut bytes);
                if rng.random::<bool>() {
                    let mut req = format!(
                        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                        rng.random_range(0..2000)
                    )
                    .into_bytes();
                    req.extend_from_slice(&bytes);
                    bytes = req;
                }
                raw(s.addr(), &bytes);
                continue;
            }
            1 => {
                let mut bytes = vec![0u8; rng.random_range(0..256)];
                rng.fill_bytes(&mut bytes);
                c.post(path, &String::from_utf8_lossy(&bytes))
            }
            2 => {
                let mut body = valid_body(&mut rng).into_bytes();
                for _ in 0..rng.random_range(1..4) {
                    let at = rng.random_range(0..body.len());
                    body[at] = b"{}[]\",:0a\\ "[rng.random_range(0..11)];
                }
                body.truncate(rng.random_range(1..=body.len()));
                c.post(path, &String::from_utf8_lossy(&body))
            }
            3 => c.post(path, &random_json(&mut rng, 4).to_string()),
            4 => {
                let mut b = vec![0u8; rng.random_range(0..48)];
                rng.fill_bytes(&mut b);
                let baton =
                    base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, &b);
                c.pipeline(3, Some(&baton), json!([exec("select 1")]))
            }
            5 => c.post(path, &"x".repeat(64 * 1024 + rng.random_range(1..4096))),
            _ => c.post(path, &valid_body(&mut rng)),
        };
        assert!(
            (200..500).contains(&reply.status)
                || (reply.status == 500 && path == "/v3/cursor")
                || reply.status == 500 && path.starts_with("/v1"),
            "request {i} (kind {kind}, {path}): status {} {:?}",
            reply.status,
            reply.body
        );
        if kind == 5 && path != "/v3" {
            assert_eq!(reply.status, 413, "request {i}");
        }
        if kind == 4 {
            assert_eq!(reply.status, 400, "request {i}");
        }
    }
    assert!(s.open_streams() <= 1000);
    let r = c.once(3, "select 40 + 2");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(scalar(&r.result(0)), "42");
    assert_eq!(c.get("/health").status, 200);
    s.expire_idle_streams();
    assert_eq!(s.open_streams(), 0);
}
