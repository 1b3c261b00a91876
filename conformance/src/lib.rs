//! # sqlport-conformance
//!
//! The conformance suite every sqlport transport is held to, the runner CLI
//! that runs it against any NAME/URL, and the reference Hrana-over-HTTP server
//! that the HTTP transport is tested against.
//!
//! ## The suite
//!
//! One list of cases ([`suite::cases()`]), written once and grouped by concern:
//! `values::`, `results::`, `parameters::`, `errors::`, `transactions::`,
//! `savepoints::`, `batches::`, `pragmas::`, `schema::`, `concurrency::`,
//! `limits::`. Each case declares the [`Capability`](sqlport::Capability)s it
//! needs; a transport reports its own, and a case it cannot run is reported as
//! skipped with the missing capabilities named, never as passed. What depends
//! on the server rather than the transport is detected by the runner with a
//! [`Probe`](suite::Probe) (e.g. `exact_real_parameters`) and skips the same
//! way. Cases compare error kinds and codes, never message text, and use only
//! SQL that `sqld` accepts (the `unrestricted_sql` capability gates the rest,
//! PRAGMA assignments other than `foreign_keys`, `defer_foreign_keys` and
//! `user_version` included). A failure shows the SQL, what was expected and
//! what came back.
//!
//! ## Prove your own transport (one line)
//!
//! With the `harness` feature (on by default), add a test target with
//! `harness = false` and run the whole suite on your transport, one test per
//! case (`cargo test --test conformance -- values::` filters):
//!
//! ```no_run
//! // tests/conformance.rs, with `[[test]] name = "conformance" harness = false`
//! use sqlport::Transport;
//! # struct Toy;
//! # impl Toy { fn new() -> Toy { Toy } }
//! # impl Transport for Toy {
//! #     fn execute(&mut self, _: &sqlport::Statement) -> sqlport::Result<sqlport::ResultSet> { unimplemented!() }
//! #     fn batch(&mut self, _: &sqlport::Batch) -> sqlport::Result<sqlport::BatchResult> { unimplemented!() }
//! #     fn is_autocommit(&self) -> bool { true }
//! #     fn capabilities(&self) -> sqlport::Capabilities { sqlport::Capabilities::none() }
//! #     fn close(&mut self) -> sqlport::Result<()> { Ok(()) }
//! # }
//! fn main() {
//!     sqlport_conformance::harness::run_blocking("toy", || Ok(Box::new(Toy::new()) as Box<dyn Transport>))
//! }
//! ```
//!
//! Every call of the closure opens a connection to the same database (a
//! [`Connector`](sqlport::Connector) works too: `harness::run_connector`).
//! For an async transport use
//! `harness::run_async` with an [`AsyncConnector`](sqlport::AsyncConnector);
//! to give each case a fresh database, build a [`suite::Subject`] with
//! [`Subject::isolated`](suite::Subject::isolated) and call
//! `harness::run_subjects`. The bundled sqllogictest files run too.
//! `conformance/examples/toy_transport.rs` and `toy_async_transport.rs` are
//! complete examples.
//!
//! ## Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `harness` | yes | `harness::`: the suite as a `cargo test` target, one test per case (libtest-mimic, which brings clap) |
//! | `slt` | yes | the `sqllogictest` crate's `.slt` format in [`suite::slt`] (the crate brings libtest-mimic and clap); SQLite's `.test` corpus format needs no feature |
//! | `server` | yes | the reference Hrana server (`server::`), and the runner's default run against it (axum, hyper, ed25519-dalek) |
//! | `cli` | yes | the `sqlport-conformance` command (`suite::cli`, clap), implies `server` and `slt` |
//!
//! With `default-features = false` a transport author gets the plain suite:
//! the cases, [`suite::run`] and its [`Report`](suite::Report) (printed with
//! [`suite::report`]), the `.test` sqllogictest runner and
//! [`suite::sqld::Sqld`], and none of axum, clap or ed25519 (CI checks this
//! with `cargo tree`). Without the libtest harness, a test runs the suite
//! and asserts on the report:
//!
//! ```no_run
//! use sqlport_conformance::suite::{self, RunOptions, Subject};
//! # fn make() -> sqlport::Result<Box<dyn sqlport::Transport>> { unimplemented!() }
//! let subject = Subject::blocking("toy", make);
//! let options = RunOptions { bundled_slt: true, ..RunOptions::default() };
//! let report = suite::run(&[subject], &suite::cases(), &options);
//! assert!(report.is_success(), "{}", suite::report::human::render(&report));
//! ```
//!
//! ## The command line
//!
//! ```text
//! sqlport-conformance [NAME] [--auth-token-env VAR] [--filter PATTERN]
//!                     [--slt PATH]... [--format human|json|junit] [--list]
//! sqlport-conformance serve [DATABASE]
//! ```
//!
//! Without NAME it runs the local transport (blocking and async, in memory)
//! and starts the reference server in-process to run both HTTP backends
//! against it: `cargo run --release -p sqlport-conformance`. With a NAME or
//! URL it runs that database's transport in both flavours (for a server, both
//! HTTP backends). Progress goes to stderr, the report to stdout; the exit
//! status is 1 when a case failed, 2 when the run could not start. `--slt`
//! runs sqllogictest files (instead of the cases) through every transport.
//!
//! ### Formats
//!
//! - `human`: a table of cases × transports (`pass`, `FAIL`, `skip`), each
//!   failure with its SQL, expected and actual outcome, the skips with the
//!   missing capabilities, and as the very last line
//!   `N passed, N failed, N skipped`.
//! - `json`: one document:
//!
//!   ```json
//!   {
//!     "transports": ["local", "local-async", "http", "http-async"],
//!     "cases": [
//!       { "transport": "local", "case": "values::integer_extremes",
//!         "outcome": "passed", "duration_ms": 1.2 },
//!       { "transport": "http", "case": "schema::unrestricted_sql",
//!         "outcome": "skipped", "duration_ms": 0.4,
//!         "missing_capabilities": ["unrestricted_sql"] },
//!       { "transport": "toy", "case": "values::storage_classes",
//!         "outcome": "failed", "duration_ms": 0.9,
//!         "failure": { "sql": "SELECT ?", "expected": "[INTEGER 7]", "got": "[REAL 7.0]" } }
//!     ],
//!     "summary": { "passed": 180, "failed": 1, "skipped": 12, "duration_ms": 5230.0 }
//!   }
//!   ```
//!
//!   `outcome` is `passed`, `failed` or `skipped`; `failure.sql` may be
//!   `null`; `missing_capabilities` uses the names of
//!   [`Capability::name`](sqlport::Capability::name) and, for what the runner
//!   detects about the server, of [`Probe::name`](suite::Probe::name).
//! - `junit`: JUnit XML, one `<testsuite name="TRANSPORT">` per transport and
//!   one `<testcase classname="TRANSPORT" name="CASE">` per case, with
//!   `<failure message="…">` or `<skipped message="needs …"/>`.
//!
//! ## sqllogictest
//!
//! [`suite::slt`] runs sqllogictest files through any transport: SQLite's
//! original corpus format (`.test`) as SQLite's own harness runs it, record by
//! record (multi-statement records, rows kept up to a stepping error, `I`/`R`/`T`
//! formatting, hashing, labels, `onlyif`/`skipif` with engine name `SQLite`),
//! held to the harness's recorded verdicts on a sample of the public corpus;
//! and the `sqllogictest` crate's own format (`.slt`).
//!
//! ## Against a real sqld
//!
//! [`suite::sqld::Sqld`] starts the sqld named by `SQLPORT_SQLD` (own database,
//! free loopback port, bounded wait for `/health`, killed on drop); the
//! conformance tests run the suite and the corpus sample against it when the
//! variable is set, and print a skip line otherwise.
#![forbid(unsafe_code)]

#[cfg(feature = "server")]
pub mod server;
pub mod suite;

#[cfg(feature = "harness")]
pub use suite::harness;
