//! The differential test: the same request sequences sent to a real sqld
//! (`SQLPORT_SQLD`, the path of a sqld binary) and to the reference server,
//! and the replies compared structurally (see `compare.rs` for what is
//! masked). Sequences: the exchanges recorded from sqld
//! (`tests/fixtures/sqld`), generated ones for every request type, error,
//! batons, transactions, the cursor, v1/v2/v3 and auth, and a seeded random
//! mix of statements.
//!
//! Every difference fails its test unless it is one of the deliberate
//! differences listed in `known.rs` (and in the README), which are counted
//! and printed. Without `SQLPORT_SQLD` the tests are reported as ignored
//! with a skip line.
//!
//! `cargo test -p sqlport-conformance --test differential -- --include-ignored`
//! also runs the larger random run (`random::large`; `SQLPORT_DIFF_SEEDS`
//! sets its number of seeds, 300 by default, and `SQLPORT_DIFF_FIRST_SEED`
//! its first, 1000 by default). `SQLPORT_DIFF_TRACE=1` prints every exchange.
#![forbid(unsafe_code)]

mod auth;
mod compare;
mod http;
mod known;
mod random;
mod recorded;
mod requests;
mod sequence;
mod servers;
mod sql;
mod streams;
mod tokens;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, Trial};
use sqlport_conformance::suite::sqld::SQLD_ENV;

use sequence::{Found, Group, Seq, Side, replay};
use servers::Servers;

/// Figures over the whole run.
#[derive(Default)]
struct Stats {
    requests: usize,
    sequences: usize,
    known: BTreeMap<&'static str, usize>,
}

fn run_seq(servers: &Servers, seq: &Seq, stats: &Mutex<Stats>) -> Result<(), Failed> {
    let pair = servers
        .pairs
        .get(&seq.group)
        .ok_or_else(|| Failed::from(format!("no servers for {:?}", seq.group)))?;
    let mut a = Side::new(&pair.sqld_client);
    let mut b = Side::new(&pair.ref_client);
    let found = replay(seq, &mut a, &mut b);
    let (known, unknown): (Vec<Found>, Vec<Found>) = found
        .into_iter()
        .partition(|f| known::classify(f).is_some());
    {
        let mut st = stats.lock().unwrap_or_else(|e| e.into_inner());
        st.requests += seq.requests();
        st.sequences += 1;
        for f in &known {
            if let Some(k) = known::classify(f) {
                *st.known.entry(k.id).or_default() += 1;
            }
        }
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        let text: Vec<String> = unknown.iter().map(|f| f.to_string()).collect();
        Err(Failed::from(format!(
            "{} difference(s) between sqld and the reference server:\n{}",
            unknown.len(),
            text.join("\n")
        )))
    }
}

/// Every sequence of the CI run, in order (the expiry sequences last: they
/// wait for streams to expire).
fn sequences() -> Vec<Seq> {
    let mut all = vec![recorded::plain(), recorded::auth()];
    all.extend(requests::all());
    all.extend(streams::all());
    all.extend(sql::all());
    all.extend(auth::all());
    all.extend(random::ci());
    all.push(recorded::expiry());
    all.push(streams::expiry());
    all
}

fn main() {
    let mut args = Arguments::from_args();
    // One database per server pair, and batons are per stream: one
    // sequence at a time, in order.
    args.test_threads = Some(1);
    let seqs = sequences();
    let Some(binary) = std::env::var_os(SQLD_ENV).map(PathBuf::from) else {
        println!(
            "skipped: {SQLD_ENV} is not set (the path of a sqld binary); the differential test did not run"
        );
        let trials = seqs
            .into_iter()
            .map(|s| Trial::test(s.name, || Ok(())).with_ignored_flag(true))
            .collect();
        libtest_mimic::run(&args, trials).exit();
    };
    let servers = match Servers::start(&binary, &[Group::Plain, Group::Auth, Group::RecordedAuth]) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("the servers did not start: {e}");
            std::process::exit(101);
        }
    };
    let stats = Arc::new(Mutex::new(Stats::default()));
    let mut trials = Vec::new();
    for seq in seqs {
        let (servers, stats) = (Arc::clone(&servers), Arc::clone(&stats));
        trials.push(Trial::test(seq.name.clone(), move || {
            run_seq(&servers, &seq, &stats)
        }));
    }
    {
        let (servers, stats) = (Arc::clone(&servers), Arc::clone(&stats));
        trials.push(
            Trial::test("random::large", move || {
                let var = |name: &str| std::env::var(name).ok().and_then(|s| s.parse().ok());
                let seeds = var("SQLPORT_DIFF_SEEDS").unwrap_or(300);
                let first = var("SQLPORT_DIFF_FIRST_SEED").unwrap_or(random::LARGE_FIRST_SEED);
                let mut failures = Vec::new();
                for seq in random::large(first, seeds) {
                    if let Err(f) = run_seq(&servers, &seq, &stats) {
                        failures.push(format!("{f:?}"));
                    }
                }
                if failures.is_empty() {
                    Ok(())
                } else {
                    Err(Failed::from(failures.join("\n")))
                }
            })
            .with_ignored_flag(true),
        );
    }
    let conclusion = libtest_mimic::run(&args, trials);
    {
        let st = stats.lock().unwrap_or_else(|e| e.into_inner());
        println!(
            "differential: {} requests compared in {} sequences; deliberate differences seen: {}",
            st.requests,
            st.sequences,
            if st.known.is_empty() {
                "none".to_owned()
            } else {
                st.known
                    .iter()
                    .map(|(k, n)| format!("{k} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        for k in known::KNOWN.iter().filter(|k| st.known.contains_key(k.id)) {
            println!("  {}: {}", k.id, k.reason);
        }
    }
    drop(servers);
    conclusion.exit();
}
