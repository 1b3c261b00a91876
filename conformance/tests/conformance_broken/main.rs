//! Deliberately broken transports make exactly the relevant cases fail, with
//! messages that say what went wrong; missing capabilities are skips.

use std::collections::BTreeSet;

use sqlport::{
    Batch, BatchResult, Capabilities, Capability, Connector, LocalTarget, Params, Result,
    ResultSet, Row, Statement, Transport, Value,
};
use sqlport_conformance::suite::{
    Outcome, Probe, Report, Requirement, RunOptions, Subject, cases, run,
};
use sqlport_local::{LocalConfig, LocalConnector};

/// How a [`Broken`] transport misbehaves.
#[derive(Clone, Copy)]
enum Flaw {
    /// Integers go through `f64` (the classic JSON bug).
    IntegersThroughF64,
    /// `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` are silently ignored.
    DropsSavepoints,
    /// Reports no capability at all (and is otherwise correct).
    NoCapabilities,
    /// `PRAGMA name = value` is answered with success but never runs (the
    /// stateless-remote bug: connection state does not persist).
    ForgetsPragmaWrites,
    /// REAL results come back one unit in the last place off (a client that
    /// parses floats sloppily).
    RealResultsOffByOneUlp,
    /// REAL parameters with 16 or more significant digits reach the database
    /// one unit in the last place off (the server-side bug of sqld 0.24, whose
    /// JSON parser is not correctly rounded).
    LongRealParametersOffByOneUlp,
}

struct Broken {
    inner: Box<dyn Transport>,
    flaw: Flaw,
}

fn through_f64(rs: ResultSet) -> Result<ResultSet> {
    let mut rows = Vec::with_capacity(rs.rows.len());
    for row in rs.rows {
        let values = row
            .values()
            .iter()
            .map(|v| match v {
                Value::Integer(i) => Value::Integer(*i as f64 as i64),
                other => other.clone(),
            })
            .collect();
        rows.push(Row::new(rs.columns.clone(), values)?);
    }
    Ok(ResultSet { rows, ..rs })
}

fn next_ulp(r: f64) -> f64 {
    f64::from_bits(r.to_bits() ^ 1)
}

fn reals_off(rs: ResultSet) -> Result<ResultSet> {
    let mut rows = Vec::with_capacity(rs.rows.len());
    for row in rs.rows {
        let values = row
            .values()
            .iter()
            .map(|v| match v {
                Value::Real(r) if *r != 0.0 => Value::Real(next_ulp(*r)),
                other => other.clone(),
            })
            .collect();
        rows.push(Row::new(rs.columns.clone(), values)?);
    }
    Ok(ResultSet { rows, ..rs })
}

/// `stmt` with every REAL parameter of 16 or more significant digits one ULP off.
fn long_reals_off(stmt: &Statement) -> Statement {
    let long = |r: f64| {
        let sci = format!("{r:e}");
        let mantissa = sci.split('e').next().unwrap_or_default();
        mantissa.chars().filter(char::is_ascii_digit).count() >= 16
    };
    let off = |v: &Value| match v {
        Value::Real(r) if long(*r) => Value::Real(next_ulp(*r)),
        other => other.clone(),
    };
    let mut out = stmt.clone();
    out.params = match &stmt.params {
        Params::None => Params::None,
        Params::Positional(vs) => Params::Positional(vs.iter().map(off).collect()),
        Params::Named(vs) => Params::Named(vs.iter().map(|(n, v)| (n.clone(), off(v))).collect()),
    };
    out
}

fn is_pragma_write(sql: &str) -> bool {
    let s = sql.trim_start().to_ascii_uppercase();
    s.starts_with("PRAGMA") && s.contains('=')
}

fn is_savepoint_sql(sql: &str) -> bool {
    let s = sql.trim_start().to_ascii_uppercase();
    s.starts_with("SAVEPOINT") || s.starts_with("RELEASE") || s.starts_with("ROLLBACK TO")
}

impl Transport for Broken {
    fn execute(&mut self, stmt: &Statement) -> Result<ResultSet> {
        match self.flaw {
            Flaw::IntegersThroughF64 => through_f64(self.inner.execute(stmt)?),
            Flaw::DropsSavepoints if is_savepoint_sql(&stmt.sql) => Ok(ResultSet::default()),
            Flaw::ForgetsPragmaWrites if is_pragma_write(&stmt.sql) => Ok(ResultSet::default()),
            Flaw::RealResultsOffByOneUlp => reals_off(self.inner.execute(stmt)?),
            Flaw::LongRealParametersOffByOneUlp => self.inner.execute(&long_reals_off(stmt)),
            _ => self.inner.execute(stmt),
        }
    }

    fn batch(&mut self, batch: &Batch) -> Result<BatchResult> {
        self.inner.batch(batch)
    }

    fn is_autocommit(&self) -> bool {
        self.inner.is_autocommit()
    }

    fn capabilities(&self) -> Capabilities {
        match self.flaw {
            Flaw::NoCapabilities => Capabilities::none(),
            _ => self.inner.capabilities(),
        }
    }

    fn close(&mut self) -> Result<()> {
        self.inner.close()
    }
}

fn subject(name: &str, flaw: Flaw) -> Subject {
    Subject::isolated(name, move || {
        let db = LocalConnector::open(&LocalTarget::Memory, LocalConfig::default())?;
        let connector = move || -> Result<Box<dyn Transport>> {
            Ok(Box::new(Broken {
                inner: db.connect()?,
                flaw,
            }))
        };
        Ok(sqlport_conformance::suite::Fixture::new(
            sqlport::blocking::Database::from_connector(connector),
        ))
    })
}

fn run_flaw(flaw: Flaw, filter: Option<&str>) -> Report {
    let options = RunOptions {
        filter: filter.map(str::to_owned),
        ..RunOptions::default()
    };
    run(&[subject("broken", flaw)], &cases(), &options)
}

fn failed(report: &Report) -> BTreeSet<&str> {
    report
        .cases
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
        .map(|c| c.case.as_str())
        .collect()
}

fn failure_text(report: &Report, case: &str) -> String {
    match report.outcome("broken", case) {
        Some(Outcome::Failed(f)) => f.to_string(),
        other => panic!("{case}: expected a failure, got {other:?}"),
    }
}

#[test]
fn integers_through_f64_fail_exactly_the_wide_integer_cases() {
    let report = run_flaw(Flaw::IntegersThroughF64, None);
    let expected: BTreeSet<&str> = ["values::integer_extremes", "values::integer_2_53_plus_1"]
        .into_iter()
        .collect();
    assert_eq!(
        failed(&report),
        expected,
        "{}",
        sqlport_conformance::suite::report::human::render(&report)
    );
    let text = failure_text(&report, "values::integer_2_53_plus_1");
    assert!(text.contains("SQL:"), "{text}");
    assert!(text.contains("9007199254740993"), "{text}");
    assert!(text.contains("9007199254740992"), "{text}");
}

#[test]
fn dropped_savepoints_fail_exactly_the_savepoint_cases() {
    let report = run_flaw(Flaw::DropsSavepoints, None);
    let got = failed(&report);
    assert!(!got.is_empty());
    assert!(
        got.iter().all(|c| c.starts_with("savepoints::")),
        "{}",
        sqlport_conformance::suite::report::human::render(&report)
    );
    let expected: BTreeSet<&str> = [
        "savepoints::rollback_to",
        "savepoints::dropped_guard_rolls_back",
        "savepoints::sql_forms",
    ]
    .into_iter()
    .collect();
    assert_eq!(
        got,
        expected,
        "{}",
        sqlport_conformance::suite::report::human::render(&report)
    );
    let text = failure_text(&report, "savepoints::rollback_to");
    assert!(
        text.contains("expected:") && text.contains("got:"),
        "{text}"
    );
}

#[test]
fn forgotten_pragma_writes_fail_exactly_the_pragma_persistence_cases() {
    let report = run_flaw(Flaw::ForgetsPragmaWrites, None);
    let expected: BTreeSet<&str> = [
        "pragmas::foreign_keys_persist_per_connection",
        "pragmas::busy_timeout_persists_per_connection",
        "pragmas::defer_foreign_keys_in_a_transaction",
        "pragmas::user_version_is_stored",
    ]
    .into_iter()
    .collect();
    assert_eq!(
        failed(&report),
        expected,
        "{}",
        sqlport_conformance::suite::report::human::render(&report)
    );
}

#[test]
fn reals_read_one_ulp_off_fail_the_real_cases() {
    let report = run_flaw(Flaw::RealResultsOffByOneUlp, Some("values::"));
    let got = failed(&report);
    for case in ["values::real_edges", "values::real_parameters_exact"] {
        assert!(
            got.contains(case),
            "{case}: {}",
            sqlport_conformance::suite::report::human::render(&report)
        );
    }
    assert!(got.iter().all(|c| c.starts_with("values::")));
}

/// A server that reads long REAL parameters one ULP off (sqld 0.24): the
/// probe sees it and skips the exact-parameter case, naming the probe; the
/// lossless-transfer case does not depend on it and passes.
#[test]
fn a_server_reading_reals_inexactly_skips_by_probe() {
    let report = run_flaw(Flaw::LongRealParametersOffByOneUlp, Some("values::"));
    assert_eq!(
        report.failed(),
        0,
        "{}",
        sqlport_conformance::suite::report::human::render(&report)
    );
    match report.outcome("broken", "values::real_parameters_exact") {
        Some(o @ Outcome::Skipped(missing)) => {
            assert_eq!(
                missing,
                &vec![Requirement::Probe(Probe::ExactRealParameters)]
            );
            assert_eq!(
                o.skip_reason().as_deref(),
                Some("needs exact_real_parameters")
            );
        }
        other => panic!("expected a skip, got {other:?}"),
    }
    assert_eq!(
        report.outcome("broken", "values::real_edges"),
        Some(&Outcome::Passed)
    );
    // The probe is what skips it: on a correct transport the case runs and passes.
    let db = sqlport::blocking::Database::open(":memory:").unwrap();
    assert_eq!(Probe::ExactRealParameters.detect(&db), Ok(true));
}

#[test]
fn missing_capabilities_are_skipped_never_passed() {
    let report = run_flaw(Flaw::NoCapabilities, None);
    let all = cases();
    let needing: BTreeSet<&str> = all
        .iter()
        .filter(|c| !c.needs.is_empty())
        .map(|c| c.name)
        .collect();
    let skipped: BTreeSet<&str> = report
        .cases
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Skipped(_)))
        .map(|c| c.case.as_str())
        .collect();
    assert_eq!(skipped, needing);
    assert_eq!(
        report.failed(),
        0,
        "{}",
        sqlport_conformance::suite::report::human::render(&report)
    );
    assert_eq!(report.passed() + report.skipped(), all.len());
    match report.outcome("broken", "transactions::commit") {
        Some(o @ Outcome::Skipped(missing)) => {
            assert_eq!(
                missing,
                &vec![Requirement::Capability(Capability::InteractiveTransactions)]
            );
            assert_eq!(
                o.skip_reason().as_deref(),
                Some("needs interactive_transactions")
            );
        }
        other => panic!("expected a skip, got {other:?}"),
    }
}

#[test]
fn reports_carry_failures_and_skips_in_every_format() {
    let mut report = run_flaw(Flaw::IntegersThroughF64, Some("values::integer"));
    report
        .cases
        .extend(run_flaw(Flaw::NoCapabilities, Some("transactions::commit")).cases);
    assert_eq!(
        (report.passed(), report.failed(), report.skipped()),
        (0, 2, 1)
    );

    // JUnit: one <failure> per failed case, one <skipped> per skip.
    let xml = sqlport_conformance::suite::report::junit::render(&report);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut failures, mut skips, mut testcases) = (0, 0, 0);
    for _ in 0..10_000 {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    b"failure" => failures += 1,
                    b"skipped" => skips += 1,
                    b"testcase" => testcases += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((testcases, failures, skips), (3, 2, 1));

    // JSON: the documented fields.
    let doc: serde_json::Value =
        serde_json::from_str(&sqlport_conformance::suite::report::json::render(&report))
            .expect("JSON");
    let failed = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["outcome"] == "failed")
        .unwrap();
    assert!(failed["failure"]["sql"].is_string());
    assert!(failed["failure"]["expected"].is_string() && failed["failure"]["got"].is_string());
    let skipped = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["outcome"] == "skipped")
        .unwrap();
    assert_eq!(
        skipped["missing_capabilities"],
        serde_json::json!(["interactive_transactions"])
    );
    assert_eq!(doc["summary"]["failed"], 2);

    // Human: the failure details, then the summary as the last line.
    let text = sqlport_conformance::suite::report::human::render(&report);
    assert!(text.contains("[broken] values::integer_extremes"), "{text}");
    assert!(text.contains("needs interactive_transactions"), "{text}");
    assert_eq!(text.lines().last(), Some("0 passed, 2 failed, 1 skipped"));
}
