//! The conformance suite on the built-in `local` transport, one test per case
//! (`cargo test -p sqlport-conformance --test conformance_local -- values::`).

fn main() {
    sqlport_conformance::harness::run_subjects(vec![sqlport_conformance::suite::builtin::local()])
}
