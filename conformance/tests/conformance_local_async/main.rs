//! The conformance suite on the built-in `local_async` transport, one test per case
//! (`cargo test -p sqlport-conformance --test conformance_local_async -- values::`).

fn main() {
    sqlport_conformance::harness::run_subjects_expecting_probes(vec![
        sqlport_conformance::suite::builtin::local_async(),
    ])
}
