//! Auth and redaction: the token never shows in `Debug`, errors or logs.

use super::*;

/// A `Write` that appends to a shared buffer (for a test subscriber).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(crate) fn auth_and_redaction(b: Backend) {
    const SECRET: &str = "s3cr3t-t0ken-value";
    let s = server(ServerConfig {
        auth: Some(ServerAuth::Token(AuthToken::new(SECRET))),
        ..ServerConfig::default()
    });
    // tracing caches each callsite's interest for the whole process. While
    // a single dispatcher is registered, the first thread to reach a
    // callsite decides it from its own default, so a sibling test with no
    // subscriber could cache `never` for the request span. A second, inert
    // dispatcher held for the whole test makes every callsite consult all
    // registered dispatchers, this test's capture among them.
    let _anchor = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let mut seen = Vec::new();
    tracing::subscriber::with_default(subscriber, || {
        let config = HttpConfig::default().auth_token(Some(AuthToken::new(SECRET)));
        seen.push(format!("{config:?}"));
        let db = Db::open(b, &s.url(), config).unwrap();
        seen.push(db.debug());
        let mut c = db.connect().unwrap();
        seen.push(c.debug());
        c.exec("CREATE TABLE t (x)").unwrap();
        c.exec("BEGIN").unwrap();
        c.exec("INSERT INTO t VALUES (1)").unwrap();
        seen.push(c.debug());
        c.exec("COMMIT").unwrap();
        let e = c.exec("SELEC").unwrap_err();
        seen.push(format!("{e:?} {e}"));

        for token in [None, Some("wrong-token")] {
            let config = HttpConfig::default().auth_token(token.map(AuthToken::new));
            let db = Db::open(b, &s.url(), config).unwrap();
            let e = db
                .connect()
                .and_then(|mut c| c.exec("SELECT 1"))
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Auth, "{e:?}");
            assert!(e.is_auth());
            seen.push(format!("{e:?} {e}"));
        }
    });
    // The URL's token is used when the config has none.
    let target = RemoteTarget {
        url: s.url().parse().unwrap(),
        auth_token: Some(AuthToken::new(SECRET)),
    };
    let mut c = HttpConnector::new(&target, HttpConfig::default())
        .unwrap()
        .connect_http()
        .unwrap();
    assert_eq!(c.int("SELECT 1"), 1);
    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("hrana_http"), "the request span was logged");
    for text in seen.iter().chain(std::iter::once(&log)) {
        assert!(!text.contains(SECRET), "token leaked: {text}");
    }
}

pub(crate) fn a_token_left_in_the_url_is_sent_as_a_header_only(b: Backend) {
    const SECRET: &str = "s3cr3t-in-the-query";
    // Db::open builds the target by hand, not by NAME parsing: the token
    // stays in the URL. It is used as the Bearer token and never sent in
    // the URL, so it cannot reach an error message (reqwest's name the URL).
    let with_token = |base: &str| format!("{base}/?x=1&authToken={SECRET}");
    let s = server(ServerConfig {
        auth: Some(ServerAuth::Token(AuthToken::new(SECRET))),
        ..ServerConfig::default()
    });
    let db = Db::open(b, &with_token(&s.url()), HttpConfig::default()).unwrap();
    let mut texts = vec![db.debug()];
    let mut c = db.connect().unwrap();
    assert_eq!(c.int("SELECT 1"), 1);
    texts.push(c.debug());
    // An unreachable server: the error names the URL, without the token.
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let db = Db::open(
        b,
        &with_token(&format!("http://{addr}")),
        HttpConfig::default(),
    )
    .unwrap();
    let e = db.connect().err().expect("nothing listens");
    texts.push(format!("{e:?} {e}"));
    let e = Db::open(
        b,
        &format!("ftp://h/?authToken={SECRET}"),
        HttpConfig::default(),
    )
    .err()
    .expect("not an http URL");
    texts.push(format!("{e:?} {e}"));
    for text in &texts {
        assert!(!text.contains(SECRET), "token leaked: {text}");
    }
}
