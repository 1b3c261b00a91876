//! The `sqlport-conformance` command line: report formats, exit status, the
//! summary line, `--slt` through every transport, NAME selection.

use std::path::PathBuf;
use std::process::{Command, Output};

use quick_xml::Reader;
use quick_xml::events::Event;

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sqlport-conformance"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn slt(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("slt")
        .join(name)
        .display()
        .to_string()
}

/// The human format's last line.
fn summary(out: &Output) -> (usize, usize, usize) {
    let text = stdout(out);
    let last = text.lines().last().unwrap_or_default().to_owned();
    let nums: Vec<usize> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(
        last,
        format!(
            "{} passed, {} failed, {} skipped",
            nums[0], nums[1], nums[2]
        ),
        "{text}"
    );
    (nums[0], nums[1], nums[2])
}

#[test]
fn default_run_covers_four_transports_and_ends_with_the_summary_line() {
    let out = cli(&["--filter", "parameters::"]);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let header = text.lines().next().unwrap_or_default();
    for t in ["local", "local-async", "http", "http-async"] {
        assert!(header.split_whitespace().any(|w| w == t), "{header}");
    }
    assert_eq!(summary(&out), (4 * 5, 0, 0));
    // Progress went to stderr.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("[http-async] parameters::positional ... ok")
    );
}

#[test]
fn junit_output_parses_as_junit_xml() {
    let out = cli(&["--format", "junit", "--filter", "values::integer"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = stdout(&out);
    let mut reader = Reader::from_str(&xml);
    let (mut suites, mut testcases, mut roots) = (0, 0, 0);
    let mut budget = 10_000;
    loop {
        budget -= 1;
        assert!(budget > 0, "runaway XML");
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                b"testsuites" => roots += 1,
                b"testsuite" => {
                    suites += 1;
                    assert!(e.try_get_attribute("name").unwrap().is_some());
                    assert!(e.try_get_attribute("tests").unwrap().is_some());
                }
                b"testcase" => {
                    testcases += 1;
                    let name = e.try_get_attribute("name").unwrap().expect("name");
                    assert!(
                        name.unescape_value()
                            .unwrap()
                            .starts_with("values::integer")
                    );
                    assert!(e.try_get_attribute("classname").unwrap().is_some());
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((roots, suites, testcases), (1, 4, 8));
}

#[test]
fn json_output_is_documented_shape() {
    let out = cli(&["--format", "json", "--filter", "errors::syntax"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(doc["transports"].as_array().map(Vec::len), Some(4));
    let cases = doc["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 4);
    for c in cases {
        assert_eq!(c["case"], "errors::syntax_error");
        assert_eq!(c["outcome"], "passed");
        assert!(c["duration_ms"].is_number());
    }
    assert_eq!(doc["summary"]["passed"], 4);
    assert_eq!(doc["summary"]["failed"], 0);
    assert_eq!(doc["summary"]["skipped"], 0);
}

#[test]
fn slt_files_pass_identically_on_every_transport() {
    let files = [
        "select1.test",
        "in1.test",
        "slt_lang_replace.test",
        "sqlport_values.test",
        "sqlport_basics.slt",
    ];
    let mut args = Vec::new();
    for f in files {
        args.push("--slt".to_owned());
        args.push(slt(f));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = cli(&args);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert_eq!(summary(&out), (4 * files.len(), 0, 0), "{text}");
}

#[test]
fn a_wrong_hash_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("select1_wrong.test");
    let text = std::fs::read_to_string(slt("select1.test")).unwrap();
    let wrong = text.replacen(
        "3c13dee48d9356ae19af2515e05e6b54",
        "3c13dee48d9356ae19af2515e05e6b55",
        1,
    );
    assert_ne!(text, wrong);
    std::fs::write(&path, wrong).unwrap();
    let out = cli(&[":memory:", "--slt", &path.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(summary(&out), (0, 2, 0));
}

#[test]
fn a_wrong_slt_expectation_fails_everywhere_with_a_nonzero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wrong.test");
    std::fs::write(&path, "query I nosort\nSELECT 1 + 1\n----\n3\n").unwrap();
    let out = cli(&["--slt", &path.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(summary(&out), (0, 4, 0));
    let text = stdout(&out);
    assert!(text.contains("SELECT 1 + 1"), "{text}");
}

#[test]
fn a_local_name_runs_both_local_flavours() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("conf.db").display().to_string();
    let out = cli(&[&db, "--filter", "values::storage"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(summary(&out), (2, 0, 0));
}

#[test]
fn list_and_bad_arguments() {
    let out = cli(&["--list"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.lines().any(|l| l == "values::integer_extremes"));
    assert!(
        text.lines().any(
            |l| l.starts_with("transactions::commit") && l.contains("interactive_transactions")
        )
    );
    let out = cli(&[
        "http://127.0.0.1:9",
        "--auth-token-env",
        "SQLPORT_CONFORMANCE_SURELY_UNSET_VAR",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_server_url_with_a_token_from_the_environment() {
    use sqlport_conformance::server::{ServerAuth, ServerConfig, TestServer};
    let server = TestServer::start(ServerConfig {
        auth: Some(ServerAuth::Token(sqlport::AuthToken::new(
            "s3cret-conformance",
        ))),
        ..ServerConfig::default()
    })
    .expect("server starts");
    let url = server.url().to_string();
    let run = |token: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sqlport-conformance"));
        cmd.args([
            url.as_str(),
            "--auth-token-env",
            "SQLPORT_CONFORMANCE_TEST_TOKEN",
            "--filter",
            "values::storage",
        ]);
        match token {
            Some(t) => cmd.env("SQLPORT_CONFORMANCE_TEST_TOKEN", t),
            None => cmd.env_remove("SQLPORT_CONFORMANCE_TEST_TOKEN"),
        };
        cmd.output().expect("the binary runs")
    };
    let ok = run(Some("s3cret-conformance"));
    assert!(ok.status.success(), "{}", stdout(&ok));
    assert_eq!(summary(&ok), (2, 0, 0));
    let header = stdout(&ok).lines().next().unwrap_or_default().to_owned();
    assert!(
        header.contains("http") && header.contains("http-async") && !header.contains("local"),
        "{header}"
    );
    // A wrong token fails every case, and the token is never printed.
    let bad = run(Some("wrong-token-value"));
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(summary(&bad), (0, 2, 0));
    let all = format!("{}{}", stdout(&bad), String::from_utf8_lossy(&bad.stderr));
    assert!(
        !all.contains("wrong-token-value") && !all.contains("s3cret"),
        "{all}"
    );
    // An unset variable: the run cannot start.
    assert_eq!(run(None).status.code(), Some(2));
}
