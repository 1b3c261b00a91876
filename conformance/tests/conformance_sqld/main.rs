//! The conformance suite against a real sqld (`SQLPORT_SQLD`, the path of a
//! sqld binary): a fresh sqld with its own database, both HTTP backends, the
//! same run as `sqlport-conformance http://127.0.0.1:PORT`. Every case passes
//! or is skipped by a declared capability or probe. Without `SQLPORT_SQLD`
//! it prints a skip line and checks nothing.

use sqlport::Capability;
use sqlport_conformance::suite::report::human;
use sqlport_conformance::suite::sqld::{SQLD_ENV, Sqld};
use sqlport_conformance::suite::{Outcome, Probe, Requirement, RunOptions, builtin, cases, run};

#[test]
fn the_suite_passes_against_sqld_on_both_http_backends() {
    let Some(sqld) = Sqld::from_env() else {
        println!(
            "skipped: {SQLD_ENV} is not set (the path of a sqld binary); the suite did not run against sqld"
        );
        return;
    };
    let sqld = sqld.expect("sqld starts");
    let subjects = builtin::for_name(sqld.url(), None).expect("sqld's URL is a NAME");
    let options = RunOptions {
        bundled_slt: true,
        ..RunOptions::default()
    };
    let report = run(&subjects, &cases(), &options);
    let text = human::render(&report);
    println!("{text}");
    assert_eq!(report.failed(), 0, "{text}");
    assert_eq!(report.transports, vec!["http", "http-async"]);
    // The skips are the declared ones, and only those.
    for transport in ["http", "http-async"] {
        for (case, missing) in [
            (
                "values::real_parameters_exact",
                Requirement::Probe(Probe::ExactRealParameters),
            ),
            (
                "pragmas::busy_timeout_persists_per_connection",
                Requirement::Capability(Capability::UnrestrictedSql),
            ),
            (
                "schema::unrestricted_sql",
                Requirement::Capability(Capability::UnrestrictedSql),
            ),
        ] {
            match report.outcome(transport, case) {
                Some(Outcome::Skipped(m)) => assert!(m.contains(&missing), "{case}: {m:?}"),
                other => panic!("[{transport}] {case}: expected a skip, got {other:?}"),
            }
        }
    }
    assert_eq!(report.skipped(), 6, "{text}");
    println!(
        "against sqld: {} passed, {} failed, {} skipped",
        report.passed(),
        report.failed(),
        report.skipped()
    );
}
