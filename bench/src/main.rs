//! `sqlport-bench`: the scenario runner of issue 12. Each scenario runs
//! sqlport beside its baselines (raw rusqlite on the same bundled SQLite,
//! sqlx's SQLite driver, and, from `bench/libsql`'s own binary, the official
//! `libsql` crate), alternating clients in rounds; `report` takes the records
//! of one or more runs and prints medians, per-round ratios and pass/fail per
//! budget. `bench/run.sh` runs everything and writes the table.
//!
//! ```text
//! sqlport-bench run [--rounds 3] [--full] [--dir DIR] [--url URL] [--sqld PATH | --sqld-url URL]
//! sqlport-bench report RESULTS.jsonl...
//! sqlport-bench serve-ref --db FILE
//! ```

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use sqlport_bench_common::memory::PeakAlloc;

mod local;
mod remote;
mod report;
mod servers;

/// Counts Rust heap use, for the peak-memory figures.
#[global_allocator]
pub static ALLOC: PeakAlloc = PeakAlloc;

/// How much work each scenario does.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// Point queries per client per round (local).
    pub point_ops: u64,
    /// Point queries per client per round (async local).
    pub async_ops: u64,
    /// Rows inserted per client per round.
    pub insert_rows: u64,
    /// Rows of the local scan.
    pub scan_rows: u64,
    /// Sequential remote point queries per client per round.
    pub remote_ops: u64,
    /// Remote point queries per connection (16 connections) per round.
    pub remote_par_ops: u64,
    /// Remote 10-INSERT transactions per client per round.
    pub remote_txs: u64,
    /// Rows of the remote cursor SELECT.
    pub cursor_rows: u64,
}

impl Sizes {
    fn new(full: bool) -> Sizes {
        Sizes {
            point_ops: 20_000,
            async_ops: 20_000,
            insert_rows: 100_000,
            scan_rows: 1_000_000,
            remote_ops: if full { 2_000 } else { 300 },
            remote_par_ops: if full { 200 } else { 40 },
            remote_txs: if full { 100 } else { 20 },
            cursor_rows: if full { 1_000_000 } else { 100_000 },
        }
    }
}

#[derive(Parser)]
#[command(about = "sqlport benchmark scenarios (issue 12)")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the scenarios; records (JSON lines) on stdout, progress on stderr.
    Run(RunArgs),
    /// Merge records into the table (medians of per-round ratios, budgets).
    Report {
        /// Files of JSON-line records (from `run` and `libsql-bench`).
        files: Vec<PathBuf>,
    },
    /// Run the reference server on a file until stdin closes.
    ServeRef {
        /// Database file.
        #[arg(long)]
        db: PathBuf,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Rounds (clients alternate within each).
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Number of the first round (to continue a run across processes).
    #[arg(long, default_value_t = 1)]
    first_round: u32,
    /// Full sizes for the remote rows (2,000 sequential queries, 1M-row cursor);
    /// without it the reduced sizes of BENCHMARKS.md.
    #[arg(long)]
    full: bool,
    /// Where the databases live (kept between runs).
    #[arg(long, default_value = "target/bench-data")]
    dir: PathBuf,
    /// The reference server's URL (default: start one as a child process).
    #[arg(long)]
    url: Option<String>,
    /// Path of a real sqld to start and measure too.
    #[arg(long, conflicts_with = "sqld_url")]
    sqld: Option<PathBuf>,
    /// URL of a running sqld to measure too.
    #[arg(long)]
    sqld_url: Option<String>,
    /// Scenario groups to run (default all): local, async, scan, remote, cursor.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Run(args) => run(args),
        Cmd::Report { files } => report::print(&files),
        Cmd::ServeRef { db } => {
            if let Err(e) = servers::serve_reference(&db) {
                eprintln!("serve-ref: {e}");
                std::process::exit(1);
            }
        }
    }
}

fn run(args: RunArgs) {
    let sizes = Sizes::new(args.full);
    let want = |g: &str| args.only.is_empty() || args.only.iter().any(|o| o == g);
    std::fs::create_dir_all(&args.dir).expect("data dir");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let rounds = args.first_round..args.first_round + args.rounds;
    if want("local") || want("async") || want("scan") {
        let files = local::prepare_files(&args.dir, &sizes).expect("local databases");
        for round in rounds.clone() {
            eprintln!("local round {round}");
            if want("local") {
                local::point(&files, &sizes, round);
                local::insert(&files, &sizes, round);
            }
            if want("async") {
                local::async_point(&files, &sizes, round, &rt);
            }
            if want("scan") {
                local::scan(&files, &sizes, round);
            }
        }
    }
    if !(want("remote") || want("cursor")) {
        return;
    }
    let mut children = Vec::new();
    let mut servers: Vec<(&str, String)> = Vec::new();
    match &args.url {
        Some(u) => servers.push(("", u.clone())),
        None => {
            let child = servers::spawn_reference(&args.dir.join("remote-ref.db"))
                .expect("start the reference server");
            servers.push(("", child.url.clone()));
            children.push(child);
        }
    }
    if let Some(bin) = &args.sqld {
        let child = servers::spawn_sqld(bin, &args.dir).expect("start sqld");
        servers.push(("@sqld", child.url.clone()));
        children.push(child);
    } else if let Some(u) = &args.sqld_url {
        servers.push(("@sqld", u.clone()));
    }
    for (scen, url) in &servers {
        remote::prepare_server(url, &sizes).expect("populate the server");
        if args.first_round == 1 && want("remote") {
            let addr = servers::socket_addr(url).expect("server address");
            remote::requests(addr, scen, &rt);
        }
    }
    for round in rounds {
        for (scen, url) in &servers {
            eprintln!("remote round {round} {url}");
            if want("remote") {
                remote::seq(url, scen, &sizes, round, &rt);
                remote::parallel(url, scen, &sizes, round, &rt);
                remote::tx(url, scen, &sizes, round, &rt);
            }
            if want("cursor") {
                remote::cursor(url, scen, &sizes, round, &rt);
            }
        }
    }
    drop(children);
}
