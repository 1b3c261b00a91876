//! Run the suite as a `cargo test` target, one test per case, with
//! libtest-mimic (so `cargo test --test NAME -- values::` filters).
//!
//! In a test file with `harness = false` in `Cargo.toml`:
//!
//! ```no_run
//! use sqlport::Transport;
//! # fn make() -> sqlport::Result<Box<dyn Transport>> { unimplemented!() }
//! fn main() {
//!     sqlport_conformance::harness::run_blocking("toy", || make())
//! }
//! ```
//!
//! Cases the transport lacks capabilities for are reported as ignored, with
//! the missing capabilities as the reason. The bundled sqllogictest files run
//! too (as `slt::FILE`).

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use sqlport::{AsyncConnector, Connector, Transport};

use super::cases::cases;
use super::probe::Probe;
use super::runner::{Outcome, run_case};
use super::slt;
use super::subject::Subject;

fn to_trial_result(outcome: Outcome) -> Result<Completion, Failed> {
    match outcome {
        Outcome::Passed => Ok(Completion::Completed),
        Outcome::Skipped(_) => Ok(Completion::ignored_with(
            outcome.skip_reason().unwrap_or_default(),
        )),
        Outcome::Failed(f) => Err(Failed::from(f)),
    }
}

/// One trial per case and per bundled sqllogictest file for `subject`, named
/// `prefix` + case name.
pub fn trials(subject: &Subject, prefix: &str) -> Vec<Trial> {
    let mut out = Vec::new();
    for case in cases() {
        let subject = subject.clone();
        out.push(Trial::ignorable_test(
            format!("{prefix}{}", case.name),
            move || to_trial_result(run_case(&subject, &case)),
        ));
    }
    for file in slt::BUNDLED {
        let subject = subject.clone();
        out.push(Trial::ignorable_test(
            format!("{prefix}{}", file.case_name()),
            move || to_trial_result(slt::run_on_subject(&subject, file.name, file.text)),
        ));
    }
    out
}

/// Run the whole suite on `subjects` with libtest-mimic's command line, and
/// exit. With several subjects, test names are prefixed with `SUBJECT::`.
/// Unless `--test-threads` is given, cases run one at a time when a subject
/// shares one database between cases.
pub fn run_subjects(subjects: Vec<Subject>) -> ! {
    run_all(subjects, false)
}

/// Like [`run_subjects`], plus one test per subject and [`Probe`]
/// (`probe::NAME`) that fails when the probe comes out negative. For subjects
/// known to have every property the runner detects (the built-in ones: local,
/// and HTTP against the reference server), so that there a probe can never
/// turn a transport bug into a skip.
pub fn run_subjects_expecting_probes(subjects: Vec<Subject>) -> ! {
    run_all(subjects, true)
}

/// One trial per probe: `subject` must have the property.
fn probe_trials(subject: &Subject, prefix: &str) -> Vec<Trial> {
    Probe::ALL
        .into_iter()
        .map(|probe| {
            let subject = subject.clone();
            Trial::test(format!("{prefix}probe::{}", probe.name()), move || {
                let fixture = subject
                    .open()
                    .map_err(|e| Failed::from(format!("the database opens: {e}")))?;
                match probe.detect(&fixture.database) {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(Failed::from(format!(
                        "{} lacks {}: the cases needing it would be skipped",
                        subject.name(),
                        probe.name()
                    ))),
                    Err(f) => Err(Failed::from(f)),
                }
            })
        })
        .collect()
}

fn run_all(subjects: Vec<Subject>, expect_probes: bool) -> ! {
    let mut args = Arguments::from_args();
    if args.test_threads.is_none() && subjects.iter().any(|s| !s.is_isolated()) {
        args.test_threads = Some(1);
    }
    let multi = subjects.len() > 1;
    let mut all = Vec::new();
    for subject in &subjects {
        let prefix = if multi {
            format!("{}::", subject.name())
        } else {
            String::new()
        };
        all.extend(trials(subject, &prefix));
        if expect_probes {
            all.extend(probe_trials(subject, &prefix));
        }
    }
    libtest_mimic::run(&args, all).exit()
}

/// Run the suite on a blocking transport: `connect` opens a connection to one
/// database (the same database on every call).
///
/// ```no_run
/// use sqlport::Transport;
/// # struct Toy;
/// # impl Toy { fn new() -> Toy { Toy } }
/// # impl Transport for Toy {
/// #     fn execute(&mut self, _: &sqlport::Statement) -> sqlport::Result<sqlport::ResultSet> { unimplemented!() }
/// #     fn batch(&mut self, _: &sqlport::Batch) -> sqlport::Result<sqlport::BatchResult> { unimplemented!() }
/// #     fn is_autocommit(&self) -> bool { true }
/// #     fn capabilities(&self) -> sqlport::Capabilities { sqlport::Capabilities::none() }
/// #     fn close(&mut self) -> sqlport::Result<()> { Ok(()) }
/// # }
/// fn main() {
///     sqlport_conformance::harness::run_blocking("toy", || Ok(Box::new(Toy::new()) as Box<dyn Transport>))
/// }
/// ```
pub fn run_blocking<F>(name: &str, connect: F) -> !
where
    F: Fn() -> sqlport::Result<Box<dyn Transport>> + Send + Sync + 'static,
{
    run_subjects(vec![Subject::blocking(name, connect)])
}

/// Run the suite on a blocking transport given as a [`Connector`].
pub fn run_connector(name: &str, connector: impl Connector + 'static) -> ! {
    run_subjects(vec![Subject::blocking(name, connector)])
}

/// Run the suite on an async transport (driven from a runtime the harness owns).
pub fn run_async(name: &str, connector: impl AsyncConnector + 'static) -> ! {
    match Subject::from_async(name, connector) {
        Ok(subject) => run_subjects(vec![subject]),
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            std::process::exit(101)
        }
    }
}
