//! Running cases against subjects: [`run_case`], [`run`] and the [`Report`].

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::case::{Case, Requirement};
use super::check::{CaseResult, Failure, describe_error};
use super::context::Ctx;
use super::slt;
use super::subject::{Fixture, Subject};

/// The outcome of one case on one transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The transport kept the contract.
    Passed,
    /// It did not.
    Failed(Failure),
    /// The transport lacks these capabilities (or the server these probed
    /// properties), so the case did not run.
    Skipped(Vec<Requirement>),
}

impl Outcome {
    /// `"passed"`, `"failed"` or `"skipped"`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed(_) => "failed",
            Outcome::Skipped(_) => "skipped",
        }
    }

    /// For a skip: "needs a, b".
    pub fn skip_reason(&self) -> Option<String> {
        match self {
            Outcome::Skipped(missing) => {
                let names: Vec<&str> = missing.iter().map(|c| c.name()).collect();
                Some(format!("needs {}", names.join(", ")))
            }
            _ => None,
        }
    }
}

/// One case on one transport.
#[derive(Debug, Clone)]
pub struct CaseReport {
    /// The subject's name.
    pub transport: String,
    /// The case's name (`values::integer_extremes`, `slt::select1.test`).
    pub case: String,
    /// What happened.
    pub outcome: Outcome,
    /// How long it took.
    pub duration: Duration,
}

/// The results of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The subjects, in order.
    pub transports: Vec<String>,
    /// Every case on every subject, in run order.
    pub cases: Vec<CaseReport>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Report {
    fn count(&self, label: &str) -> usize {
        self.cases
            .iter()
            .filter(|c| c.outcome.label() == label)
            .count()
    }

    /// Number of passed cases.
    pub fn passed(&self) -> usize {
        self.count("passed")
    }

    /// Number of failed cases.
    pub fn failed(&self) -> usize {
        self.count("failed")
    }

    /// Number of skipped cases.
    pub fn skipped(&self) -> usize {
        self.count("skipped")
    }

    /// `true` when nothing failed.
    pub fn is_success(&self) -> bool {
        self.failed() == 0
    }

    /// The outcome of `case` on `transport`.
    pub fn outcome(&self, transport: &str, case: &str) -> Option<&Outcome> {
        self.cases
            .iter()
            .find(|c| c.transport == transport && c.case == case)
            .map(|c| &c.outcome)
    }
}

/// What [`run`] runs and how.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Run only cases whose name contains this.
    pub filter: Option<String>,
    /// sqllogictest files to run through every subject (besides the cases).
    pub slt: Vec<PathBuf>,
    /// Skip the built-in cases (run only `slt`).
    pub no_cases: bool,
    /// Also run the bundled sqllogictest files ([`slt::BUNDLED`]) as cases
    /// named `slt::FILE` (subject to `filter`).
    pub bundled_slt: bool,
    /// Print progress on stderr.
    pub progress: bool,
}

impl RunOptions {
    /// Whether `filter` lets the case (or `slt::FILE`) named `name` run.
    pub fn selects(&self, name: &str) -> bool {
        self.filter.as_deref().is_none_or(|f| name.contains(f))
    }
}

/// Run one case on one subject: open a database, skip the case if the
/// transport lacks a capability it needs or a probe it needs comes out
/// negative, run it (a panic is a failure).
pub fn run_case(subject: &Subject, case: &Case) -> Outcome {
    let fixture = match open(subject) {
        Ok(f) => f,
        Err(failed) => return failed,
    };
    let caps = match fixture.database.connect() {
        Ok(conn) => {
            let caps = conn.capabilities();
            let _ = conn.close();
            caps
        }
        Err(e) => return Outcome::Failed(Failure::msg("a connection opens", describe_error(&e))),
    };
    let mut missing: Vec<Requirement> = caps
        .missing(case.needs)
        .into_iter()
        .map(Requirement::Capability)
        .collect();
    if missing.is_empty() {
        for probe in case.probes {
            match outcome_of_probe(|| probe.detect(&fixture.database)) {
                Ok(true) => {}
                Ok(false) => missing.push(Requirement::Probe(*probe)),
                Err(failed) => return failed,
            }
        }
    }
    if !missing.is_empty() {
        return Outcome::Skipped(missing);
    }
    let mut ctx = Ctx::new(fixture.database.clone(), caps);
    let outcome = outcome_of(|| (case.run)(&mut ctx));
    drop(ctx);
    drop(fixture);
    outcome
}

/// Open a database of `subject` for one case; failing to is the case's failure.
pub(crate) fn open(subject: &Subject) -> Result<Fixture, Outcome> {
    subject
        .open()
        .map_err(|e| Outcome::Failed(Failure::msg("the database opens", describe_error(&e))))
}

/// Run a case body: its result, or a failure if it panicked.
pub(crate) fn outcome_of(body: impl FnOnce() -> CaseResult) -> Outcome {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => Outcome::Passed,
        Ok(Err(f)) => Outcome::Failed(f),
        Err(panic) => Outcome::Failed(Failure::msg("no panic", panic_message(&panic))),
    }
}

/// Run a probe: its verdict, or the failure (a panic included) that stopped it.
fn outcome_of_probe(body: impl FnOnce() -> Result<bool, Failure>) -> Result<bool, Outcome> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(verdict)) => Ok(verdict),
        Ok(Err(f)) => Err(Outcome::Failed(f)),
        Err(panic) => Err(Outcome::Failed(Failure::msg(
            "no panic",
            panic_message(&panic),
        ))),
    }
}

/// Text of a panic payload.
fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        format!("panic: {s}")
    } else if let Some(s) = panic.downcast_ref::<String>() {
        format!("panic: {s}")
    } else {
        "panic".into()
    }
}

/// Run `cases` (and `options.slt` files) on every subject, one after the other.
pub fn run(subjects: &[Subject], cases: &[Case], options: &RunOptions) -> Report {
    let start = Instant::now();
    let mut report = Report {
        transports: subjects.iter().map(|s| s.name().to_owned()).collect(),
        ..Report::default()
    };
    let selected: Vec<&Case> = cases
        .iter()
        .filter(|c| !options.no_cases && options.selects(c.name))
        .collect();
    for subject in subjects {
        let mut record = |case: String, run: &dyn Fn() -> Outcome| {
            let t = Instant::now();
            let outcome = run();
            if options.progress {
                let _ = writeln!(
                    std::io::stderr(),
                    "[{}] {case} ... {}",
                    subject.name(),
                    progress_label(&outcome)
                );
            }
            report.cases.push(CaseReport {
                transport: subject.name().to_owned(),
                case,
                outcome,
                duration: t.elapsed(),
            });
        };
        for case in &selected {
            record(case.name.to_owned(), &|| run_case(subject, case));
        }
        if options.bundled_slt && !options.no_cases {
            for file in slt::BUNDLED {
                let name = file.case_name();
                if options.selects(&name) {
                    record(name, &|| slt::run_on_subject(subject, file.name, file.text));
                }
            }
        }
        for path in &options.slt {
            record(
                format!("slt::{}", path.display()),
                &|| match std::fs::read_to_string(path) {
                    Ok(text) => slt::run_on_subject(subject, &path.display().to_string(), &text),
                    Err(e) => Outcome::Failed(Failure::msg(
                        format!("{} is readable", path.display()),
                        e.to_string(),
                    )),
                },
            );
        }
    }
    report.elapsed = start.elapsed();
    report
}

fn progress_label(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Passed => "ok".into(),
        Outcome::Failed(_) => "FAILED".into(),
        Outcome::Skipped(_) => format!("skipped ({})", outcome.skip_reason().unwrap_or_default()),
    }
}
