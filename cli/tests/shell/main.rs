//! `sqlport shell` with piped input and `-c`: on a local file, against the
//! reference server (and against the real sqld when `SQLPORT_SQLD` names it).
//! The terminal session itself is in `shell_terminal.rs`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlport::blocking::Database;
use sqlport_conformance::server::{ServerAuth, ServerConfig, TestServer};
use sqlport_conformance::suite::sqld::{SQLD_ENV, Sqld};
use sqlport_core::{AuthToken, LocalTarget};

const DEADLINE: Duration = Duration::from_secs(60);

fn shell_command(name: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sqlport"));
    cmd.arg("shell")
        .arg(name)
        .args(args)
        .env_remove("SQLPORT_AUTH_TOKEN")
        .env_remove("SQLPORT_HISTORY")
        .env_remove("SQLPORT_DATABASE");
    cmd
}

/// Run the shell on `name` with `input` on standard input.
fn shell(name: &str, args: &[&str], input: &str) -> Output {
    let mut child = shell_command(name, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    // Write from a thread: a large output must not block the shell while we write.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn no_panic(o: &Output) {
    let err = text(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
}

/// The names every test runs on: a local file and the reference server.
struct Targets {
    _dir: tempfile::TempDir,
    server: TestServer,
    file: PathBuf,
}

impl Targets {
    fn new() -> Targets {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start(ServerConfig {
            database: LocalTarget::Path(dir.path().join("served.sqlite3")),
            ..Default::default()
        })
        .unwrap();
        let file = dir.path().join("local.sqlite3");
        Targets {
            _dir: dir,
            server,
            file,
        }
    }

    fn names(&self) -> [String; 2] {
        [self.file.to_str().unwrap().to_string(), self.server.url()]
    }
}

const SETUP: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB);\n\
INSERT INTO t VALUES (1, 'ada', 2.5, x'01ff'),\n  (2, 'bob, \"the\" builder', NULL, NULL),\n  (3, 'é\nz', 1e20, x'');\n\
INSERT INTO t VALUES (9223372036854775807, '', -0.125, NULL);\n";

const QUERY: &str = "SELECT * FROM t ORDER BY id;\n";

fn modes_script() -> String {
    let mut s = String::from(SETUP);
    s.push_str(".headers on\n");
    for mode in ["table", "list", "line", "csv", "json"] {
        s.push_str(&format!(".mode {mode}\n{QUERY}"));
    }
    s.push_str(".headers off\n.mode table\n");
    s.push_str(QUERY);
    s.push_str(".mode list\n.nullvalue NULL\nSELECT id, score FROM t WHERE score IS NULL;\n");
    s.push_str(".mode csv\n.headers off\nSELECT 'a b', ' lead', 'x\"y', NULL;\n");
    s.push_str(".mode json\nSELECT 1 WHERE 0;\n");
    s
}

const MODES_EXPECTED: &str = "\
+---------------------+--------------------+---------+---------+
| id                  | name               | score   | data    |
+---------------------+--------------------+---------+---------+
|                   1 | ada                |     2.5 | x'01ff' |
|                   2 | bob, \"the\" builder |         |         |
|                   3 | é\\nz               | 1.0e+20 | x''     |
| 9223372036854775807 |                    |  -0.125 |         |
+---------------------+--------------------+---------+---------+
id|name|score|data
1|ada|2.5|x'01ff'
2|bob, \"the\" builder||
3|é
z|1.0e+20|x''
9223372036854775807||-0.125|
   id = 1
 name = ada
score = 2.5
 data = x'01ff'

   id = 2
 name = bob, \"the\" builder
score = 
 data = 

   id = 3
 name = é
z
score = 1.0e+20
 data = x''

   id = 9223372036854775807
 name = 
score = -0.125
 data = 
id,name,score,data\r
1,ada,2.5,x'01ff'\r
2,\"bob, \"\"the\"\" builder\",,\r
3,\"é
z\",1e+20,x''\r
9223372036854775807,,-0.125,\r
[{\"id\":1,\"name\":\"ada\",\"score\":2.5,\"data\":\"01ff\"},
{\"id\":2,\"name\":\"bob, \\\"the\\\" builder\",\"score\":null,\"data\":null},
{\"id\":3,\"name\":\"é\\nz\",\"score\":1e+20,\"data\":\"\"},
{\"id\":9223372036854775807,\"name\":\"\",\"score\":-0.125,\"data\":null}]
+---------------------+--------------------+---------+---------+
|                   1 | ada                |     2.5 | x'01ff' |
|                   2 | bob, \"the\" builder |         |         |
|                   3 | é\\nz               | 1.0e+20 | x''     |
| 9223372036854775807 |                    |  -0.125 |         |
+---------------------+--------------------+---------+---------+
2|NULL
a b, lead,\"x\"\"y\",NULL\r
[]
";

#[test]
fn every_mode_prints_exactly_the_same_locally_and_over_http() {
    let targets = Targets::new();
    for name in targets.names() {
        let o = shell(&name, &[], &modes_script());
        assert_eq!(text(&o.stderr), "", "{name}");
        assert!(o.status.success(), "{name}");
        assert_eq!(text(&o.stdout), MODES_EXPECTED, "{name}");
    }
}

#[test]
fn dot_commands() {
    let targets = Targets::new();
    for name in targets.names() {
        dot_commands_on(&name);
    }
}

fn dot_commands_on(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script.sql");
    std::fs::write(
        &script,
        "-- a script\nCREATE TABLE b_log (x);\nCREATE TRIGGER t_ins AFTER INSERT ON a_items BEGIN\n  INSERT INTO b_log VALUES (new.id);\n  SELECT CASE WHEN new.id > 0 THEN 1 END;\nEND;\n.mode csv\nINSERT INTO a_items (id) VALUES (7)\n",
    )
    .unwrap();
    {
        let input = format!(
            "CREATE TABLE a_items (id INTEGER PRIMARY KEY, v TEXT);\n\
             CREATE INDEX a_items_v ON a_items (v);\n\
             CREATE VIEW a_view AS SELECT id FROM a_items;\n\
             .tables\n.tables a%\n.tables nothing%\n\
             .schema a_items\n\
             .read {}\n\
             SELECT x FROM b_log;\n\
             .mode\n\
             .schema\n\
             .timer on\nSELECT 42;\n.timer off\nSELECT 43;\n\
             .help\n\
             .quit\nSELECT 'not reached';\n",
            script.display()
        );
        let o = shell(name, &[], &input);
        no_panic(&o);
        assert_eq!(text(&o.stderr), "", "{name}");
        assert!(o.status.success(), "{name}");
        let out = text(&o.stdout);
        let expected_head = "a_items\na_view\n\
             a_items\na_view\n\
             CREATE TABLE a_items (id INTEGER PRIMARY KEY, v TEXT);\n\
             CREATE INDEX a_items_v ON a_items (v);\n\
             7\r\n\
             current output mode: csv\n\
             CREATE TABLE a_items (id INTEGER PRIMARY KEY, v TEXT);\n\
             CREATE INDEX a_items_v ON a_items (v);\n\
             CREATE VIEW a_view AS SELECT id FROM a_items;\n\
             CREATE TABLE b_log (x);\n\
             CREATE TRIGGER t_ins AFTER INSERT ON a_items BEGIN\n  INSERT INTO b_log VALUES (new.id);\n  SELECT CASE WHEN new.id > 0 THEN 1 END;\nEND;\n\
             42\r\nRun Time: real ";
        assert!(out.starts_with(expected_head), "{name}:\n{out}");
        let rest = &out[expected_head.len()..];
        let (time, rest) = rest.split_once('\n').unwrap();
        assert!(time.parse::<f64>().is_ok(), "{time:?}");
        let (line, help) = rest.split_once('\n').unwrap();
        assert_eq!(line, "43\r");
        for cmd in [
            ".bail",
            ".exit",
            ".headers",
            ".help",
            ".mode",
            ".nullvalue",
            ".quit",
            ".read",
            ".schema",
            ".tables",
            ".timer",
        ] {
            assert!(
                help.lines().any(|l| l.starts_with(cmd)),
                "{cmd} missing from .help:\n{help}"
            );
        }
        assert!(!out.contains("not reached"), "{out}");
    }
}

#[test]
fn exit_codes_errors_with_codes_and_bail() {
    let targets = Targets::new();
    for name in targets.names() {
        errors_on(&name);
    }
}

fn errors_on(name: &str) {
    let name = name.to_string();
    {
        let remote = name.starts_with("http");
        let input = "CREATE TABLE u (id INTEGER PRIMARY KEY, e TEXT UNIQUE NOT NULL);\n\
                     INSERT INTO u VALUES (1, 'a');\n\
                     INSERT INTO u VALUES (2, 'a');\n\
                     SELECT 'after the error';\n\
                     INSERT INTO u VALUES (3, NULL);\n\
                     SELEC 1;\n\
                     .mode nope\n\
                     .frobnicate\n\
                     SELECT 'end';\n";
        let o = shell(&name, &[], input);
        no_panic(&o);
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert_eq!(text(&o.stdout), "after the error\nend\n", "{name}");
        let err = text(&o.stderr);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 5, "{name}: {err}");
        // Each error names its input line and carries its codes.
        let unique = if remote {
            "[SQLITE_CONSTRAINT (19)]"
        } else {
            "[SQLITE_CONSTRAINT (19), extended SQLITE_CONSTRAINT_UNIQUE (2067)]"
        };
        assert!(lines[0].starts_with("Error: near line 3: "), "{}", lines[0]);
        assert!(lines[0].ends_with(unique), "{name}: {}", lines[0]);
        let notnull = if remote {
            "[SQLITE_CONSTRAINT (19)]"
        } else {
            "[SQLITE_CONSTRAINT (19), extended SQLITE_CONSTRAINT_NOTNULL (1299)]"
        };
        assert!(lines[1].starts_with("Error: near line 5: "), "{}", lines[1]);
        assert!(lines[1].ends_with(notnull), "{name}: {}", lines[1]);
        assert!(lines[2].starts_with("Error: near line 6: "), "{}", lines[2]);
        assert!(
            lines[2].contains("[SQLITE_ERROR (1)"),
            "{name}: {}",
            lines[2]
        );
        if remote {
            assert!(
                lines[2].ends_with(", hrana SQL_PARSE_ERROR]"),
                "{}",
                lines[2]
            );
        }
        assert!(lines[3].starts_with("Error: near line 7: "), "{}", lines[3]);
        assert!(lines[4].starts_with("Error: near line 8: "), "{}", lines[4]);

        // --bail (and .bail on) stops at the first failure.
        let input = "INSERT INTO u VALUES (1, 'dup');\nSELECT 'not reached';\n";
        let o = shell(&name, &["--bail"], input);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(text(&o.stdout), "");
        let o = shell(&name, &[], &format!(".bail on\n{input}"));
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(text(&o.stdout), "");

        // .exit CODE, and success.
        let o = shell(&name, &[], "SELECT 1;\n.exit 3\nSELECT 2;\n");
        assert_eq!(o.status.code(), Some(3));
        assert_eq!(text(&o.stdout), "1\n");
        let o = shell(&name, &[], "SELECT count(*) FROM u;");
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(text(&o.stdout), "1\n");
    }
}

#[test]
fn one_shot_command() {
    let targets = Targets::new();
    for name in targets.names() {
        let o = shell_command(
            &name,
            &[
                "-c",
                "SELECT 1 AS a, 'x' AS b; SELECT 2;\n.mode json\nSELECT 3 AS c",
            ],
        )
        .output()
        .unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert_eq!(text(&o.stdout), "1|x\n2\n[{\"c\":3}]\n");
        let o = shell_command(
            &name,
            &["--mode", "csv", "--headers", "-c", "SELECT 1 AS a"],
        )
        .output()
        .unwrap();
        assert_eq!(text(&o.stdout), "a\r\n1\r\n");
        let o = shell_command(&name, &["-c", "SELECT * FROM missing"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        assert!(text(&o.stderr).contains("[SQLITE_ERROR (1)"));
    }
}

#[test]
fn incomplete_and_odd_input_never_panics() {
    let targets = Targets::new();
    for name in targets.names() {
        for input in [
            "SELECT 'unterminated",
            "SELECT 1 /* open comment",
            "CREATE TRIGGER x AFTER INSERT ON y BEGIN SELECT 1;",
            "\u{0}\u{1};\n",
            ";;;\n",
            ".read\n",
            ".read /nonexistent/file.sql\n",
            ".mode\n.mode json json\n",
            ".nullvalue 'unbalanced\n",
            "SELECT x'zz';",
        ] {
            let o = shell(&name, &[], input);
            no_panic(&o);
            assert!(o.status.code().is_some(), "{input:?}");
        }
        // Invalid UTF-8 is read lossily.
        let mut child = shell_command(&name, &[])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"SELECT '\xff\xfe';\n")
            .unwrap();
        let o = child.wait_with_output().unwrap();
        no_panic(&o);
        assert!(o.status.success());
        assert_eq!(text(&o.stdout), "\u{fffd}\u{fffd}\n");
    }
    // A file that reads itself stops at the nesting limit.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("self.sql");
    std::fs::write(&f, format!("SELECT 1;\n.read {}\n", f.display())).unwrap();
    let o = shell(":memory:", &[], &format!(".read {}\n", f.display()));
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stdout).lines().count(), 16);
    assert!(text(&o.stderr).contains("nested"));
    // Bad NAMEs are errors, not panics.
    for name in ["http://[::1", "libsql://", "https://user:pw@"] {
        let o = shell(name, &[], "SELECT 1;");
        no_panic(&o);
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert!(
            text(&o.stderr).starts_with("sqlport: cannot open"),
            "{name}"
        );
    }
}

#[test]
fn an_open_transaction_at_the_end_of_input_rolls_back() {
    let targets = Targets::new();
    for name in targets.names() {
        let o = shell(
            &name,
            &[],
            "CREATE TABLE r (x);\nBEGIN;\nINSERT INTO r VALUES (1);\n",
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert_eq!(
            text(&o.stderr),
            "sqlport: the open transaction was rolled back\n"
        );
        let o = shell(&name, &[], "SELECT count(*) FROM r;");
        assert_eq!(text(&o.stdout), "0\n");
    }
}

#[test]
fn the_token_comes_from_the_environment_and_is_never_printed() {
    const TOKEN: &str = "s3cret-shell-token-1234";
    let server = TestServer::start(ServerConfig {
        auth: Some(ServerAuth::Token(AuthToken::new(TOKEN))),
        ..Default::default()
    })
    .unwrap();
    let url = server.url();
    // Default variable.
    let o = shell_command(&url, &["-c", "SELECT 'in'"])
        .env("SQLPORT_AUTH_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "in\n");
    // A named variable.
    let o = shell_command(&url, &["--auth-token-env", "MY_TOKEN", "-c", "SELECT 'in'"])
        .env("MY_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    // A named variable that is not set.
    let o = shell_command(
        &url,
        &["--auth-token-env", "NOT_SET_ANYWHERE", "-c", "SELECT 1"],
    )
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("NOT_SET_ANYWHERE"));
    // A wrong token: an auth error with its code; no token in any output.
    let wrong = "wrong-token-5678";
    for (name, env) in [
        (url.clone(), Some(wrong)),
        (format!("{url}?authToken={wrong}"), None),
    ] {
        let mut cmd = shell_command(&name, &["-c", "SELECT 1"]);
        if let Some(t) = env {
            cmd.env("SQLPORT_AUTH_TOKEN", t);
        }
        let o = cmd.output().unwrap();
        assert_eq!(o.status.code(), Some(1));
        let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
        assert!(all.contains("[kind Auth, http 401]"), "{all}");
        assert!(!all.contains(wrong) && !all.contains(TOKEN), "{all}");
    }
}

/// A shell fed line by line, its output read as it comes.
struct LiveShell {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

fn drain(mut from: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
}

impl LiveShell {
    fn start(name: &str, args: &[&str]) -> LiveShell {
        let mut child = shell_command(name, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        drain(child.stdout.take().unwrap(), stdout.clone());
        drain(child.stderr.take().unwrap(), stderr.clone());
        LiveShell {
            stdin: child.stdin.take(),
            child,
            stdout,
            stderr,
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// Wait (bounded) until standard output holds `marker`.
    fn wait_for(&self, marker: &str) {
        let deadline = Instant::now() + DEADLINE;
        while !self.stdout.lock().unwrap().contains(marker) {
            assert!(
                Instant::now() < deadline,
                "no {marker:?} in time; stdout {:?}, stderr {:?}",
                self.stdout.lock().unwrap(),
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Wait (bounded) until standard error holds `marker`.
    fn wait_for_err(&self, marker: &str) {
        let deadline = Instant::now() + DEADLINE;
        while !self.stderr.lock().unwrap().contains(marker) {
            assert!(
                Instant::now() < deadline,
                "no {marker:?} on stderr in time; stderr {:?}",
                self.stderr.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn finish(mut self) -> (i32, String, String) {
        drop(self.stdin.take());
        let deadline = Instant::now() + DEADLINE;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "the shell did not exit");
            std::thread::sleep(Duration::from_millis(10));
        };
        // The drain threads finish once the pipes close.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Arc::strong_count(&self.stdout) > 1 || Arc::strong_count(&self.stderr) > 1 {
            if Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let out = self.stdout.lock().unwrap().clone();
        let err = self.stderr.lock().unwrap().clone();
        (status.code().unwrap_or(-1), out, err)
    }
}

fn count(url: &str, table: &str) -> i64 {
    let db = Database::open(url).unwrap();
    let mut conn = db.connect().unwrap();
    conn.query_scalar(&format!("SELECT count(*) FROM {table}"), ())
        .unwrap()
}

/// `BEGIN` and `COMMIT` on different lines are one transaction on the server:
/// a second connection sees nothing before `COMMIT` and everything after.
fn transaction_holds_across_lines(url: &str) {
    let mut sh = LiveShell::start(url, &[]);
    sh.send("CREATE TABLE IF NOT EXISTS acct (id INTEGER PRIMARY KEY, n INTEGER);");
    sh.send("BEGIN;");
    sh.send("INSERT INTO acct (n) VALUES (1);");
    sh.send("INSERT INTO acct (n)");
    sh.send("  VALUES (2);");
    sh.send("SELECT 'marker-1', count(*) FROM acct;");
    sh.wait_for("marker-1|2\n");
    assert_eq!(count(url, "acct"), 0, "uncommitted rows are visible");
    sh.send("COMMIT;");
    sh.send("SELECT 'marker-2';");
    sh.wait_for("marker-2\n");
    assert_eq!(count(url, "acct"), 2, "committed rows are not visible");
    // ROLLBACK across lines too.
    sh.send("BEGIN;");
    sh.send("DELETE FROM acct;");
    sh.send("SELECT 'marker-3', count(*) FROM acct;");
    sh.wait_for("marker-3|0\n");
    assert_eq!(count(url, "acct"), 2);
    sh.send("ROLLBACK;");
    sh.send("SELECT 'marker-4', count(*) FROM acct;");
    sh.wait_for("marker-4|2\n");
    let (code, _, err) = sh.finish();
    assert_eq!((code, err.as_str()), (0, ""));
}

#[test]
fn a_transaction_holds_across_lines_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(ServerConfig {
        database: LocalTarget::Path(dir.path().join("tx.sqlite3")),
        ..Default::default()
    })
    .unwrap();
    transaction_holds_across_lines(&server.url());
}

#[test]
fn a_transaction_holds_across_lines_on_a_local_file() {
    let dir = tempfile::tempdir().unwrap();
    transaction_holds_across_lines(dir.path().join("tx.sqlite3").to_str().unwrap());
}

fn short_idle_server(dir: &Path) -> TestServer {
    TestServer::start(ServerConfig {
        database: LocalTarget::Path(dir.join("idle.sqlite3")),
        idle_timeout: Duration::from_secs(1),
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn keep_alive_holds_an_idle_remote_transaction_open() {
    let dir = tempfile::tempdir().unwrap();
    let server = short_idle_server(dir.path());
    let url = server.url();
    let mut sh = LiveShell::start(&url, &["--keepalive", "0.2"]);
    sh.send("CREATE TABLE k (x);");
    sh.send("BEGIN;");
    sh.send("INSERT INTO k VALUES (1);");
    sh.send("SELECT 'marker-1';");
    sh.wait_for("marker-1\n");
    // Idle for well past the server's 1 s idle timeout, seen as keep-alive requests.
    let start = server.request_count();
    let deadline = Instant::now() + DEADLINE;
    while server.request_count() < start + 12 {
        assert!(Instant::now() < deadline, "no keep-alive requests");
        assert_eq!(server.open_streams(), 1);
        std::thread::sleep(Duration::from_millis(20));
    }
    sh.send("COMMIT;");
    sh.send("SELECT 'marker-2';");
    sh.wait_for("marker-2\n");
    let (code, _, err) = sh.finish();
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(count(&url, "k"), 1);
}

#[test]
fn without_keep_alive_an_idle_remote_transaction_expires_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let server = short_idle_server(dir.path());
    let url = server.url();
    let mut sh = LiveShell::start(&url, &["--keepalive", "0"]);
    sh.send("CREATE TABLE k (x);");
    sh.send("BEGIN;");
    sh.send("INSERT INTO k VALUES (1);");
    sh.send("SELECT 'marker-1';");
    sh.wait_for("marker-1\n");
    let deadline = Instant::now() + DEADLINE;
    while server.open_streams() > 0 {
        assert!(Instant::now() < deadline, "the stream did not expire");
        std::thread::sleep(Duration::from_millis(20));
    }
    sh.send("COMMIT;");
    sh.wait_for_err("\n");
    sh.send("SELECT 'marker-2';");
    sh.wait_for("marker-2\n");
    let (code, _, err) = sh.finish();
    assert_eq!(code, 1);
    assert!(err.starts_with("Error: near line 5: "), "{err}");
    assert!(
        err.ends_with("[kind StreamExpired, hrana STREAM_EXPIRED]\n"),
        "{err}"
    );
    assert_eq!(count(&url, "k"), 0);
}

#[test]
fn a_failed_keep_alive_is_reported_and_the_next_statement_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(ServerConfig {
        database: LocalTarget::Path(dir.path().join("lost.sqlite3")),
        ..Default::default()
    })
    .unwrap();
    let url = server.url();
    let mut sh = LiveShell::start(&url, &["--keepalive", "0.05"]);
    sh.send("CREATE TABLE k (x);");
    sh.send("BEGIN;");
    sh.send("INSERT INTO k VALUES (1);");
    sh.send("SELECT 'marker-1';");
    sh.wait_for("marker-1\n");
    // Expire the stream between keep-alives, then let one keep-alive fail.
    let deadline = Instant::now() + DEADLINE;
    while server.open_streams() > 0 {
        assert!(Instant::now() < deadline);
        server.expire_idle_streams();
        std::thread::sleep(Duration::from_millis(5));
    }
    let after = server.request_count();
    while server.request_count() < after + 1 {
        assert!(Instant::now() < deadline, "no keep-alive after the expiry");
        std::thread::sleep(Duration::from_millis(5));
    }
    sh.send("INSERT INTO k VALUES (2);");
    sh.wait_for_err("\n");
    sh.send("SELECT 'marker-2', count(*) FROM k;");
    sh.wait_for("marker-2|0\n");
    let (code, _, err) = sh.finish();
    assert_eq!(code, 1);
    assert!(
        err.starts_with("Error: near line 5: the keep-alive"),
        "{err}"
    );
    assert!(
        err.ends_with("[kind StreamExpired, hrana STREAM_EXPIRED]\n"),
        "{err}"
    );
    assert_eq!(count(&url, "k"), 0);
}

/// The real sqld (the conformance suite's [`Sqld`]: own database, free
/// loopback port, bounded wait for `/health`, killed on drop), when
/// `SQLPORT_SQLD` names its binary.
fn start_sqld() -> Option<Sqld> {
    let Some(sqld) = Sqld::from_env() else {
        println!("skipped: {SQLD_ENV} is not set (path of a sqld binary)");
        return None;
    };
    Some(sqld.expect("sqld starts"))
}

#[test]
fn against_real_sqld() {
    let Some(sqld) = start_sqld() else {
        return;
    };
    // One database for all: `.tables` first, while it holds only its own tables.
    dot_commands_on(sqld.url());
    let o = shell(sqld.url(), &[], &modes_script());
    assert_eq!(text(&o.stderr), "");
    assert_eq!(text(&o.stdout), MODES_EXPECTED);
    errors_on(sqld.url());
    transaction_holds_across_lines(sqld.url());
}
