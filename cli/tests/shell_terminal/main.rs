//! `sqlport shell` in a real terminal: a tmux session driven with `send-keys` and
//! read with `capture-pane`, on a local file and against the reference server.
//! Checks the prompt, the transaction marker, `.mode table` output, tab
//! completion of a table name, history recall with the Up arrow (in the session
//! and in the next one, from the history file), Ctrl-C, and errors with codes.
//!
//! Needs tmux: without it the test prints why and passes, except under CI
//! (`CI` set), where it fails (`.ci/run` installs tmux).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use sqlport::blocking::Database;
use sqlport_conformance::server::{ServerConfig, TestServer};
use sqlport_core::LocalTarget;

const DEADLINE: Duration = Duration::from_secs(30);

/// A tmux server on its own socket (and no user configuration), killed on drop.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-f", "/dev/null", "-S"])
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn ok(&self, args: &[&str]) {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    /// Start `argv` in a new detached session `name` (120x40).
    fn start(&self, name: &str, argv: &[String]) {
        let mut args: Vec<&str> = vec!["new-session", "-d", "-s", name, "-x", "120", "-y", "40"];
        args.extend(argv.iter().map(String::as_str));
        self.ok(&args);
    }

    /// The whole pane, scrollback included, wrapped lines joined.
    fn screen(&self, name: &str) -> String {
        let o = self.run(&["capture-pane", "-p", "-J", "-S", "-", "-t", name]);
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Type `text` literally. A `;` at the end of a tmux argument separates
    /// commands, so each `;` is sent as its own key (hex 3b).
    fn type_text(&self, name: &str, text: &str) {
        for (i, part) in text.split(';').enumerate() {
            if i > 0 {
                self.ok(&["send-keys", "-t", name, "-H", "3b"]);
            }
            if !part.is_empty() {
                self.ok(&["send-keys", "-t", name, "-l", "--", part]);
            }
        }
    }

    fn key(&self, name: &str, key: &str) {
        self.ok(&["send-keys", "-t", name, key]);
    }

    /// Wait (bounded) until the screen satisfies `pred`; returns it.
    fn wait(&self, name: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let screen = self.screen(name);
            if pred(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn session_exists(&self, name: &str) -> bool {
        self.run(&["has-session", "-t", name]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Lines that are prompts (with whatever was typed after them).
fn prompts(screen: &str) -> usize {
    screen
        .lines()
        .filter(|l| {
            l.starts_with("sqlport> ") || l.starts_with("sqlport*> ") || l.starts_with("   ...> ")
        })
        .count()
}

fn last_line(screen: &str) -> &str {
    screen.trim_end().lines().last().unwrap_or("")
}

/// The pane with one session and its driver.
struct Term<'a> {
    tmux: &'a Tmux,
    name: &'a str,
}

impl Term<'_> {
    fn screen(&self) -> String {
        self.tmux.screen(self.name)
    }

    /// Type a line, press Enter, wait for the next prompt, which must be `prompt`.
    fn line(&self, text: &str, prompt: &str) -> String {
        let before = prompts(&self.screen());
        self.tmux.type_text(self.name, text);
        self.tmux
            .wait(self.name, &format!("{text:?} to echo"), |s| {
                last_line(s).ends_with(text.trim_end())
            });
        self.tmux.key(self.name, "Enter");
        self.tmux.wait(
            self.name,
            &format!("prompt {prompt:?} after {text:?}"),
            |s| prompts(s) == before + 1 && last_line(s) == prompt.trim_end(),
        )
    }
}

fn count(name: &str) -> i64 {
    let db = Database::open(name).unwrap();
    let mut conn = db.connect().unwrap();
    conn.query_one("SELECT count(*) FROM widgets", ()).unwrap()
}

const TABLE: &str = "\
+----+------+
| id | name |
+----+------+
|  1 | bolt |
|  2 | nut  |
+----+------+";

fn session(tmux: &Tmux, db_name: &str, home: &Path, label: &str) {
    let bin = env!("CARGO_BIN_EXE_sqlport");
    let argv: Vec<String> = [
        "env",
        "-u",
        "SQLPORT_HISTORY",
        "-u",
        "SQLPORT_AUTH_TOKEN",
        &format!("HOME={}", home.display()),
        &format!("XDG_DATA_HOME={}", home.join("data").display()),
        bin,
        "shell",
        db_name,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let name = format!("{label}-1");
    tmux.start(&name, &argv);
    let t = Term { tmux, name: &name };
    let screen = tmux.wait(&name, "the first prompt", |s| last_line(s) == "sqlport>");
    assert!(screen.contains("shell on"), "{screen}");

    t.line(
        "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT);",
        "sqlport> ",
    );
    t.line(
        "INSERT INTO widgets (name) VALUES ('bolt'), ('nut');",
        "sqlport> ",
    );

    // Tab completes the table name.
    tmux.type_text(&name, "SELECT * FROM wid");
    tmux.wait(&name, "the typed prefix", |s| {
        last_line(s).ends_with("FROM wid")
    });
    tmux.key(&name, "Tab");
    tmux.wait(&name, "completion of widgets", |s| {
        last_line(s) == "sqlport> SELECT * FROM widgets"
    });
    let screen = t.line(" ORDER BY id;", "sqlport> ");
    assert!(
        screen.contains(&format!(
            "SELECT * FROM widgets ORDER BY id;\n{TABLE}\nsqlport> "
        )),
        "{screen}"
    );

    // .mode list, then .mode table again.
    t.line(".mode list", "sqlport> ");
    let screen = t.line("SELECT name FROM widgets WHERE id = 2;", "sqlport> ");
    assert!(screen.contains("name\nnut\nsqlport> "), "{screen}");
    t.line(".mode table", "sqlport> ");
    let screen = t.line("SELECT * FROM widgets ORDER BY id;", "sqlport> ");
    assert_eq!(
        screen
            .matches(&format!("ORDER BY id;\n{TABLE}\nsqlport>"))
            .count(),
        2,
        "{screen}"
    );

    // The transaction marker, and the transaction itself.
    t.line("BEGIN;", "sqlport*> ");
    t.line("INSERT INTO widgets (name) VALUES ('gear');", "sqlport*> ");
    assert_eq!(count(db_name), 2, "uncommitted row visible");
    t.line("COMMIT;", "sqlport> ");
    assert_eq!(count(db_name), 3);

    // Multi-line statements, history recall with Up, Ctrl-C.
    t.line("SELECT 'recall' ||", "   ...> ");
    let screen = t.line("  '-me' AS r;", "sqlport> ");
    assert!(screen.contains("| recall-me |"), "{screen}");
    t.line("SELECT 41 + 1 AS answer;", "sqlport> ");
    tmux.key(&name, "Up");
    tmux.wait(&name, "the last statement recalled", |s| {
        last_line(s) == "sqlport> SELECT 41 + 1 AS answer;"
    });
    let before = prompts(&t.screen());
    tmux.key(&name, "Enter");
    let screen = tmux.wait(&name, "the recalled statement's result", |s| {
        prompts(s) == before + 1 && last_line(s) == "sqlport>"
    });
    assert_eq!(screen.matches("|     42 |").count(), 2, "{screen}");
    t.line("SELECT 'half", "   ...> ");
    let before = prompts(&t.screen());
    tmux.key(&name, "C-c");
    tmux.wait(&name, "a fresh prompt after Ctrl-C", |s| {
        prompts(s) == before + 1 && last_line(s) == "sqlport>"
    });

    // An error prints its codes and the shell goes on.
    let screen = t.line("SELECT * FROM nope;", "sqlport> ");
    let error = screen.trim_end().lines().rev().nth(1).unwrap_or("");
    assert!(error.starts_with("Error: "), "{screen}");
    assert!(error.contains(" [SQLITE_ERROR (1)"), "{screen}");

    println!(
        "--- terminal session on {label} ---\n{}",
        t.screen().trim_end()
    );
    tmux.type_text(&name, ".quit");
    tmux.key(&name, "Enter");
    let deadline = Instant::now() + DEADLINE;
    while tmux.session_exists(&name) {
        assert!(Instant::now() < deadline, "the shell did not quit");
        std::thread::sleep(Duration::from_millis(20));
    }

    // The history file, under the user's data folder.
    let history = home.join("data/sqlport/history");
    let text = std::fs::read_to_string(&history).expect("history file");
    assert!(text.contains("SELECT 41 + 1 AS answer;"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&history).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "history readable by others: {mode:o}");
    }

    // The next session recalls it with Up.
    let name = format!("{label}-2");
    tmux.start(&name, &argv);
    tmux.wait(&name, "the first prompt", |s| last_line(s) == "sqlport>");
    // History, newest first: `.quit`, the failed SELECT, then the answer (the
    // recalled duplicate was not added). Each Up must show a different line
    // before the next is sent.
    let mut shown = last_line(&tmux.screen(&name)).to_string();
    let mut found = false;
    for _ in 0..3 {
        tmux.key(&name, "Up");
        let screen = tmux.wait(&name, "the previous history entry", |s| {
            last_line(s) != shown
        });
        shown = last_line(&screen).to_string();
        if shown == "sqlport> SELECT 41 + 1 AS answer;" {
            found = true;
            break;
        }
    }
    assert!(
        found,
        "not recalled from the history file:\n{}",
        tmux.screen(&name)
    );
    // Ctrl-C drops the recalled line (wait for the fresh prompt: keys sent while
    // no line is being read may be lost), then Ctrl-D leaves.
    let before = prompts(&tmux.screen(&name));
    tmux.key(&name, "C-c");
    tmux.wait(&name, "a fresh prompt after Ctrl-C", |s| {
        prompts(s) == before + 1 && last_line(s) == "sqlport>"
    });
    tmux.key(&name, "C-d");
    let deadline = Instant::now() + DEADLINE;
    while tmux.session_exists(&name) {
        assert!(
            Instant::now() < deadline,
            "the shell did not leave on Ctrl-D"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_real_terminal_session() {
    if !tmux_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required in CI (.ci/run installs it)"
        );
        println!("skipped: tmux is not installed (apt-get install tmux)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: dir.path().join("tmux.sock"),
    };
    // A session that lasts until the end keeps the tmux server up between the
    // shell sessions (a server exiting as the next session starts fails it).
    tmux.start("keeper", &["cat".to_string()]);

    let local = dir.path().join("local.sqlite3");
    let home = dir.path().join("home-local");
    std::fs::create_dir_all(&home).unwrap();
    session(&tmux, local.to_str().unwrap(), &home, "local");

    let server = TestServer::start(ServerConfig {
        database: LocalTarget::Path(dir.path().join("served.sqlite3")),
        ..Default::default()
    })
    .unwrap();
    let home = dir.path().join("home-http");
    std::fs::create_dir_all(&home).unwrap();
    session(&tmux, &server.url(), &home, "http");
}
