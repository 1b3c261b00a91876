//! A minimal HTTP client for the differential test: one request in, status,
//! headers and raw body out (a body cut short is kept, and flagged); or a
//! reply read line by line ([`Client::open`]).

use std::io::{BufRead as _, BufReader, Read as _};
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

/// A client for one server (clones share its connection pool).
#[derive(Clone)]
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

    fn call(&self, req: &Request) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let url = format!("{}{}", self.base, req.path);
        match req.method {
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
        }
    }

    /// Send `req`; a transport failure (no response at all) is a status 0
    /// reply whose body says what happened.
    pub fn send(&self, req: &Request) -> Reply {
        self.open(req).finish()
    }

    /// Send `req` and read its reply as the caller asks ([`Open::line`],
    /// [`Open::finish`]); dropping it mid-body closes the connection.
    pub fn open(&self, req: &Request) -> Open {
        let resp = match self.call(req) {
            Ok(r) => r,
            Err(e) => {
                return Open {
                    reply: Reply {
                        status: 0,
                        headers: Vec::new(),
                        body: format!("no response: {e}").into_bytes(),
                        truncated: true,
                    },
                    reader: None,
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
        let reader = resp
            .into_body()
            .into_with_config()
            .limit(256 * 1024 * 1024)
            .reader();
        Open {
            reply: Reply {
                status,
                headers,
                body: Vec::new(),
                truncated: false,
            },
            reader: Some(BufReader::new(reader)),
        }
    }
}

/// A reply whose body is still being read.
pub struct Open {
    /// Status, headers, and the body read so far.
    pub reply: Reply,
    reader: Option<BufReader<ureq::BodyReader<'static>>>,
}

impl Open {
    /// Read the body's next line (kept in the reply's body); `None` at its
    /// end or on an error (then the body is flagged cut short).
    pub fn line(&mut self) -> Option<String> {
        let reader = self.reader.as_mut()?;
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) => {
                self.reply.body.extend_from_slice(&line);
                Some(String::from_utf8_lossy(&line).into_owned())
            }
            Err(_) => {
                self.reply.body.extend_from_slice(&line);
                self.reply.truncated = true;
                self.reader = None;
                None
            }
        }
    }

    /// Read the rest of the body: the whole reply.
    pub fn finish(mut self) -> Reply {
        if let Some(mut reader) = self.reader.take() {
            if reader.read_to_end(&mut self.reply.body).is_err() {
                self.reply.truncated = true;
            }
        }
        self.reply
    }
}
