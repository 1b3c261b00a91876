//! The conformance suite on the built-in `http_blocking` transport, one test per case
//! (`cargo test -p sqlport-conformance --test conformance_http_blocking -- values::`).

fn main() {
    sqlport_conformance::harness::run_subjects_expecting_probes(vec![
        sqlport_conformance::suite::builtin::http_blocking(),
    ])
}
