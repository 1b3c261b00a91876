//! A minimal HTTP client for the differential test: one request in, status,
//! headers and raw body out (a body cut short is kept, and flagged).

use std::io::Read as _;
use std::time::Duration;

/// One HTTP request, as sent to both servers.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST` or `OPTIONS`.
    pub method: &'static str,
    /// Path (and query) relative to the server's base URL.
    pub path: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body (`POST` only).
    pub body: Option<String>,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body ended early (the connection broke mid-body).
    pub truncated: bool,
}

impl Reply {
    /// A header's value (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A client for one server.
pub struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    pub fn new(base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .max_redirects(0)
            .build()
            .into();
        Client {
            agent,
            base: base.to_owned(),
        }
    }

    /// Send `req`; a transport failure (no response at all) is a status 0
    /// reply whose body says what happened.
    pub fn send(&self, req: &Request) -> Reply {
        let url = format!("{}{}", self.base, req.path);
        let result = match req.method {
            "GET" | "OPTIONS" => {
                let mut b = if req.method == "GET" {
                    self.agent.get(&url)
                } else {
                    self.agent.options(&url)
                };
                for (k, v) in &req.headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                b.call()
            }
            _ => {
                let mut b = self.agent.post(&url);
                for (k, v) in &req.headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                b.send(req.body.as_deref().unwrap_or(""))
            }
        };
        let resp = match result {
            Ok(r) => r,
            Err(e) => {
                return Reply {
                    status: 0,
                    headers: Vec::new(),
                    body: format!("no response: {e}").into_bytes(),
                    truncated: true,
                };
            }
        };
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let mut reader = resp
            .into_body()
            .into_with_config()
            .limit(256 * 1024 * 1024)
            .reader();
        let mut body = Vec::new();
        let truncated = reader.read_to_end(&mut body).is_err();
        Reply {
            status,
            headers,
            body,
            truncated,
        }
    }
}
