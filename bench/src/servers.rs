//! Servers for the remote scenarios, each in its own process: the reference
//! server (this binary's `serve-ref`, as a child) or a real `sqld` whose path
//! the caller gives. A child is stopped when its handle drops.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server in a child process.
pub struct ChildServer {
    child: Child,
    /// Its `http://ADDR`.
    pub url: String,
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the reference server (this binary, `serve-ref`) on a database file.
pub fn spawn_reference(db: &Path) -> std::io::Result<ChildServer> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .arg("serve-ref")
        .arg("--db")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| std::io::Error::other("no stdout"))?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or_else(|| std::io::Error::other(format!("unexpected server output: {line:?}")))?
        .to_owned();
    Ok(ChildServer { child, url })
}

/// Start a real sqld on a free loopback port; wait (bounded) for `/health`.
pub fn spawn_sqld(bin: &Path, dir: &Path) -> std::io::Result<ChildServer> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let db_path = dir.join("bench.sqld");
    let child = Command::new(bin)
        .args(["--no-welcome", "--http-listen-addr", &addr])
        .arg("--db-path")
        .arg(&db_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = ChildServer {
        child,
        url: format!("http://{addr}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if health(&addr) {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(std::io::Error::other(
        "sqld did not answer /health within 30 s",
    ))
}

fn health(addr: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 32];
    let n = s.read(&mut buf).unwrap_or(0);
    buf[..n].starts_with(b"HTTP/1.1 200")
}

/// The socket address of an `http://host:port` URL.
pub fn socket_addr(url: &str) -> std::io::Result<SocketAddr> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| std::io::Error::other("only http:// URLs are proxied"))?;
    let hostport = rest.split('/').next().unwrap_or(rest);
    hostport
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other("no address"))
}

/// `serve-ref`: run the reference server on `db` until stdin closes (the
/// parent went away) and print `listening on URL` first.
pub fn serve_reference(db: &Path) -> std::io::Result<()> {
    use sqlport_conformance::server::{BoundServer, ServerConfig};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let config = ServerConfig {
            database: sqlport_core::LocalTarget::Path(db.to_path_buf()),
            listen: "127.0.0.1:0".parse().map_err(std::io::Error::other)?,
            statement_timeout: Duration::from_secs(600),
            ..ServerConfig::default()
        };
        let server = BoundServer::bind(config).await?;
        println!("listening on http://{}", server.local_addr()?);
        std::io::stdout().flush()?;
        let stdin_closed = async {
            let _ = tokio::task::spawn_blocking(|| {
                let mut sink = Vec::new();
                let _ = std::io::stdin().read_to_end(&mut sink);
            })
            .await;
        };
        server.run(stdin_closed).await
    })
}
