//! SQLite's sqllogictest corpus through our runner, held to SQLite's own
//! harness: `conformance/slt/corpus/` holds a sample of the public corpus
//! (and two files of ours) and `ORACLE` the harness's verdict on each file;
//! every transport must reach the same verdict, record by record: the same
//! records run, the same skipped, the same ones failing.
//!
//! Against a real sqld (`SQLPORT_SQLD`), the records sqld itself refuses are
//! listed in `conformance/slt/corpus/SQLD` and must be exactly those.
//!
//! `live_oracle` (ignored; needs the harness built with
//! `../shared/tools/slt-oracle/build.sh`) runs the harness itself on any
//! corpus files and compares; see `conformance/slt/README.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sqlport_conformance::suite::Subject;
use sqlport_conformance::suite::builtin;
use sqlport_conformance::suite::slt::corpus::ScriptVerdict;
use sqlport_conformance::suite::slt::corpus::script::parse;
use sqlport_conformance::suite::slt::run_corpus_on_subject;
use sqlport_conformance::suite::sqld::{SQLD_ENV, Sqld};

/// The harness's verdict on a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expected {
    tests: usize,
    skipped: usize,
    failing: Vec<usize>,
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let failing: Vec<String> = self.failing.iter().map(ToString::to_string).collect();
        let failing = if failing.is_empty() {
            "-".to_owned()
        } else {
            failing.join(",")
        };
        write!(f, "{}\t{}\t{failing}", self.tests, self.skipped)
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("slt")
        .join("corpus")
}

/// Every `.test` file under `dir`, as (path relative to `dir`, absolute path).
fn test_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    // Bounded: the tree is small; each directory is visited once.
    for _ in 0..10_000 {
        let Some(d) = pending.pop() else { break };
        for entry in std::fs::read_dir(&d).expect("the corpus directory reads") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "test") {
                let rel = path
                    .strip_prefix(dir)
                    .expect("under the corpus directory")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, path));
            }
        }
    }
    out.sort();
    out
}

/// `ORACLE`: `FILE TESTS SKIPPED FAILING-LINES` per line (tab-separated).
fn oracle() -> BTreeMap<String, Expected> {
    let text = std::fs::read_to_string(corpus_dir().join("ORACLE")).expect("ORACLE reads");
    let mut out = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 4, "ORACLE line {line:?}");
        let failing = if fields[3] == "-" {
            Vec::new()
        } else {
            fields[3]
                .split(',')
                .map(|n| n.parse().expect("a line number"))
                .collect()
        };
        out.insert(
            fields[0].to_owned(),
            Expected {
                tests: fields[1].parse().expect("tests"),
                skipped: fields[2].parse().expect("skipped"),
                failing,
            },
        );
    }
    out
}

/// `SQLD`: `FILE LINE WHY` per line: records sqld refuses.
fn sqld_refusals() -> BTreeMap<(String, usize), String> {
    let text = std::fs::read_to_string(corpus_dir().join("SQLD")).expect("SQLD reads");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let fields: Vec<&str> = l.splitn(3, '\t').collect();
            assert_eq!(fields.len(), 3, "SQLD line {l:?}");
            (
                (
                    fields[0].to_owned(),
                    fields[1].parse().expect("a line number"),
                ),
                fields[2].to_owned(),
            )
        })
        .collect()
}

fn ours(verdict: &ScriptVerdict) -> Expected {
    Expected {
        tests: verdict.tests,
        skipped: verdict.skipped,
        failing: verdict.failing_lines(),
    }
}

/// What one subject did on the bundled sample.
struct Run {
    records: usize,
    disagreements: Vec<String>,
}

/// Run every bundled file on `subject` and compare with the harness's
/// verdicts, where the records in `refused` fail too.
fn run_sample(subject: &Subject, refused: &BTreeMap<(String, usize), String>) -> Run {
    let expected = oracle();
    let mut run = Run {
        records: 0,
        disagreements: Vec::new(),
    };
    for (rel, path) in test_files(&corpus_dir()) {
        let text = std::fs::read_to_string(&path).expect("a corpus file reads");
        let Some(want) = expected.get(&rel) else {
            run.disagreements
                .push(format!("{rel}: no verdict in ORACLE"));
            continue;
        };
        let mut want = want.clone();
        want.failing.extend(
            refused
                .keys()
                .filter(|(f, _)| *f == rel)
                .map(|(_, line)| *line),
        );
        want.failing.sort_unstable();
        let verdict = match run_corpus_on_subject(subject, &text) {
            Ok(v) => v,
            Err(f) => {
                run.disagreements.push(format!("{rel}: did not run: {f}"));
                continue;
            }
        };
        run.records += verdict.records.len();
        let got = ours(&verdict);
        if got != want {
            let problems: Vec<String> = verdict
                .failures()
                .filter(|(l, _)| !want.failing.contains(l))
                .take(5)
                .map(|(l, p)| {
                    let p: Vec<String> = p.iter().map(ToString::to_string).collect();
                    format!("    {rel}:{l}: {}", p.join("; "))
                })
                .collect();
            run.disagreements.push(format!(
                "{rel}: expected {want}, {} {got}\n{}",
                subject.name(),
                problems.join("\n")
            ));
        }
    }
    run
}

fn assert_agrees(subject: &Subject, refused: &BTreeMap<(String, usize), String>) -> usize {
    let run = run_sample(subject, refused);
    assert!(
        run.disagreements.is_empty(),
        "[{}] disagrees with SQLite's harness:\n{}",
        subject.name(),
        run.disagreements.join("\n")
    );
    println!(
        "[{}] {} records compared with SQLite's harness: all agree{}",
        subject.name(),
        run.records,
        if refused.is_empty() {
            String::new()
        } else {
            format!(
                " (but for the {} records listed as known differences)",
                refused.len()
            )
        }
    );
    run.records
}

#[test]
fn every_bundled_file_has_a_verdict_and_every_verdict_a_file() {
    let files: Vec<String> = test_files(&corpus_dir()).into_iter().map(|f| f.0).collect();
    let verdicts: Vec<String> = oracle().into_keys().collect();
    assert_eq!(files, verdicts);
    assert!(files.len() >= 30, "{files:?}");
}

#[test]
fn local_agrees_with_the_harness_record_by_record() {
    assert_agrees(&builtin::local(), &BTreeMap::new());
}

/// The async local transport (the blocking one on a worker thread) keeps the
/// rows a query produced before a statement failed while stepping, as the
/// blocking one does (`sqlport/formats.test:292` and
/// `sqlport/harness_rules.test:134` are such records).
#[test]
fn local_async_agrees_with_the_harness_record_by_record() {
    assert_agrees(&builtin::local_async(), &BTreeMap::new());
}

/// The reference server follows sqld: it refuses what sqld refuses, so the
/// records listed in `SQLD` must fail on it too, and nothing else.
#[test]
fn reference_server_agrees_with_the_harness_record_by_record() {
    let refused = sqld_refusals();
    assert_agrees(&builtin::http_blocking(), &refused);
    assert_agrees(&builtin::http_async(), &refused);
}

/// Against a real sqld: the same verdicts, except on the records sqld itself
/// refuses (and those depending on them), listed in `SQLD`: they must fail,
/// and nothing else.
#[test]
fn sqld_agrees_with_the_harness_except_where_it_refuses() {
    let Some(sqld) = Sqld::from_env() else {
        println!(
            "skipped: {SQLD_ENV} is not set (the path of a sqld binary); nothing ran against sqld"
        );
        return;
    };
    let sqld = sqld.expect("sqld starts");
    let subjects = builtin::for_name(sqld.url(), None).expect("sqld's URL is a NAME");
    let refused = sqld_refusals();
    assert!(!refused.is_empty());
    for subject in &subjects {
        assert_agrees(subject, &refused);
    }
}

/// The harness's verdict on `file`: run it (`-verify`) and map each error it
/// reports to the record holding that line.
fn harness_verdict(oracle: &Path, file: &Path) -> Expected {
    let text = std::fs::read_to_string(file).expect("the file reads");
    let records: Vec<usize> = parse(&text).iter().map(|r| r.line).collect();
    let work = tempfile::tempdir().expect("a temporary directory");
    let out = Command::new(oracle)
        .current_dir(work.path())
        .args(["-engine", "SQLite", "-verify"])
        .arg(file)
        .output()
        .expect("the harness runs");
    let output = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let name = file.display().to_string();
    let mut failing = Vec::new();
    let mut summary = None;
    for line in output.lines() {
        if let Some(rest) = line.strip_prefix(&format!("{name}:")) {
            let (number, message) = rest.split_once(':').unwrap_or((rest, ""));
            if message.trim() == "halt" {
                continue;
            }
            if let Ok(n) = number.parse::<usize>() {
                let record = records
                    .iter()
                    .rev()
                    .find(|r| **r <= n)
                    .copied()
                    .unwrap_or(n);
                if !failing.contains(&record) {
                    failing.push(record);
                }
            }
        }
        if let Some(at) = line.find(" errors out of ") {
            let words: Vec<&str> = line[at..].split_whitespace().collect();
            // "errors out of N tests in FILE - K skipped."
            let tests = words.get(3).and_then(|w| w.parse().ok());
            let skipped = words
                .iter()
                .rposition(|w| w.starts_with("skipped"))
                .and_then(|i| words.get(i - 1))
                .and_then(|w| w.parse().ok());
            if let (Some(t), Some(s)) = (tests, skipped) {
                summary = Some((t, s));
            }
        }
    }
    failing.sort_unstable();
    let (tests, skipped) =
        summary.unwrap_or_else(|| panic!("no summary from the harness: {output}"));
    Expected {
        tests,
        skipped,
        failing,
    }
}

/// Run SQLite's harness (`SQLPORT_SLT_ORACLE`, built on the SQLite the
/// project bundles) and our runner on corpus files, and compare, record by
/// record: the bundled sample, or the files listed (one per line) in
/// `SQLPORT_SLT_FILES`, relative to `SQLPORT_SLT_CORPUS`. Runs locally, on
/// the reference server, and on sqld when `SQLPORT_SQLD` is set (where the
/// records listed in `SQLD` fail too). Prints the harness's verdicts in
/// `ORACLE`'s format.
#[test]
#[ignore = "needs SQLite's harness (SQLPORT_SLT_ORACLE); slow on large samples"]
fn live_oracle() {
    let Some(oracle) = std::env::var_os("SQLPORT_SLT_ORACLE").map(PathBuf::from) else {
        println!("skipped: SQLPORT_SLT_ORACLE is not set (the harness binary)");
        return;
    };
    let files: Vec<(String, PathBuf)> = match (
        std::env::var_os("SQLPORT_SLT_CORPUS").map(PathBuf::from),
        std::env::var_os("SQLPORT_SLT_FILES"),
    ) {
        (Some(dir), Some(list)) => std::fs::read_to_string(list)
            .expect("SQLPORT_SLT_FILES reads")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| (l.trim().to_owned(), dir.join(l.trim())))
            .collect(),
        (Some(dir), None) => test_files(&dir),
        _ => test_files(&corpus_dir()),
    };
    let sqld = Sqld::from_env().map(|s| s.expect("sqld starts"));
    let mut subjects = vec![builtin::local(), builtin::http_blocking()];
    if let Some(sqld) = &sqld {
        let mut remote = builtin::for_name(sqld.url(), None).expect("sqld's URL");
        for s in &mut remote {
            *s = Subject::new(format!("sqld-{}", s.name()), {
                let s = s.clone();
                move || s.open()
            });
        }
        subjects.extend(remote);
    }
    let refused = sqld_refusals();
    let mut compared: BTreeMap<String, usize> = BTreeMap::new();
    let mut disagreements: Vec<String> = Vec::new();
    for (rel, path) in &files {
        let want = harness_verdict(&oracle, path);
        println!("ORACLE\t{rel}\t{want}");
        let text = std::fs::read_to_string(path).expect("the file reads");
        for subject in &subjects {
            // On sqld, the records it refuses (`SQLD`) fail too.
            let mut want = want.clone();
            if subject.name().starts_with("sqld-") {
                want.failing.extend(
                    refused
                        .keys()
                        .filter(|(f, _)| f == rel)
                        .map(|(_, line)| *line),
                );
                want.failing.sort_unstable();
            }
            match run_corpus_on_subject(subject, &text) {
                Ok(v) => {
                    *compared.entry(subject.name().to_owned()).or_default() += v.records.len();
                    let got = ours(&v);
                    if got != want {
                        let problems: Vec<String> = v
                            .failures()
                            .filter(|(l, _)| !want.failing.contains(l))
                            .take(5)
                            .map(|(l, p)| {
                                let p: Vec<String> = p.iter().map(ToString::to_string).collect();
                                format!("    {l}: {}", p.join("; "))
                            })
                            .collect();
                        disagreements.push(format!(
                            "{rel} [{}]: harness {want}, ours {got}\n{}",
                            subject.name(),
                            problems.join("\n")
                        ));
                    }
                }
                Err(f) => disagreements.push(format!("{rel} [{}]: {f}", subject.name())),
            }
        }
    }
    for (subject, n) in &compared {
        println!("[{subject}] {n} records compared in {} files", files.len());
    }
    for d in &disagreements {
        println!("DISAGREES {d}");
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements",
        disagreements.len()
    );
}
