//! A small HTTP client for the tests (ureq, statuses not turned into errors).

use serde_json::{Value as Json, json};
use sqlport_conformance::server::{ServerConfig, TestServer};

/// A reply: status, content type and body text.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// A response header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (panics with the body if it is not).
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// `results[i]` of a pipeline reply.
    pub fn result(&self, i: usize) -> Json {
        self.json()["results"][i].clone()
    }

    /// The reply's baton.
    pub fn baton(&self) -> Option<String> {
        self.json()["baton"].as_str().map(str::to_owned)
    }
}

/// A client bound to one server.
pub struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    pub fn new(server: &TestServer) -> Self {
        Client::for_url(&server.url())
    }

    pub fn for_url(base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .build()
            .into();
        Client {
            agent,
            base: base.to_owned(),
        }
    }

    fn reply(resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut resp = resp.expect("HTTP exchange");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .expect("body");
        Reply {
            status,
            content_type,
            body,
            headers,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        Self::reply(self.agent.get(format!("{}{path}", self.base)).call())
    }

    pub fn post(&self, path: &str, body: &str) -> Reply {
        self.post_with(path, body, &[])
    }

    pub fn post_with(&self, path: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::reply(req.send(body))
    }

    /// `POST /v{version}/pipeline`.
    pub fn pipeline(&self, version: u8, baton: Option<&str>, requests: Json) -> Reply {
        let body = json!({"baton": baton, "requests": requests}).to_string();
        self.post(&format!("/v{version}/pipeline"), &body)
    }

    /// A one-statement pipeline on a new stream that closes it.
    pub fn once(&self, version: u8, sql: &str) -> Reply {
        self.pipeline(version, None, json!([exec(sql), {"type": "close"}]))
    }
}

/// A server with the default configuration.
pub fn server() -> TestServer {
    TestServer::start(ServerConfig::default()).expect("server starts")
}

/// An `execute` request.
pub fn exec(sql: &str) -> Json {
    json!({"type": "execute", "stmt": {"sql": sql}})
}

/// The code of an in-band error result.
pub fn code(result: &Json) -> String {
    result["error"]["code"]
        .as_str()
        .unwrap_or("<none>")
        .to_owned()
}

/// The first value of the first row of an execute result, as text.
pub fn scalar(result: &Json) -> Json {
    result["response"]["result"]["rows"][0][0]["value"].clone()
}

/// A raw TCP connection to `server`, with a read timeout so no test can hang.
pub fn raw_connect(server: &TestServer) -> std::net::TcpStream {
    let s = std::net::TcpStream::connect(server.addr()).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    s
}

/// A raw client with a tiny receive buffer (no autotuning), so a reply of a
/// few MB cannot all sit in the kernel's buffers.
pub fn small_window_client(server: &TestServer) -> std::net::TcpStream {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&server.addr().into()).unwrap();
    socket.into()
}

/// The bytes of a `POST` with a JSON body.
pub fn raw_post(path: &str, body: &str, extra_headers: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{extra_headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Wait until `cond` holds, polling every few milliseconds for at most
/// `limit`; `false` if it never did.
pub fn eventually(limit: std::time::Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// A statement that never ends by itself.
pub const RUNAWAY: &str =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

/// Ed25519 JWTs minted by the tests themselves.
pub mod jwt {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use ed25519_dalek::pkcs8::EncodePublicKey as _;
    use ed25519_dalek::{Signer as _, SigningKey};
    use serde_json::{Value as Json, json};

    /// The key pair of the tests' tokens.
    pub fn key() -> SigningKey {
        SigningKey::from_bytes(&[42u8; 32])
    }

    /// The public key as PEM, for [`sqlport_conformance::server::ServerAuth`].
    pub fn public_pem() -> String {
        key()
            .verifying_key()
            .to_public_key_pem(Default::default())
            .unwrap()
    }

    /// An EdDSA token with `claims`.
    pub fn token(claims: &Json) -> String {
        let h = URL_SAFE_NO_PAD.encode(json!({"alg": "EdDSA", "typ": "JWT"}).to_string());
        let p = URL_SAFE_NO_PAD.encode(claims.to_string());
        let sig = key().sign(format!("{h}.{p}").as_bytes());
        format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }
}
