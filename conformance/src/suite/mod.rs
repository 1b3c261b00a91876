//! The conformance suite: one list of [`Case`]s, written once, run against any
//! transport (a [`Subject`]), with reports in three formats.
//!
//! - [`cases()`] is the list, grouped by concern (`values::`, `results::`,
//!   `parameters::`, `errors::`, `transactions::`, `savepoints::`,
//!   `batches::`, `pragmas::`, `schema::`, `concurrency::`, `limits::`).
//! - A [`Subject`] is a transport under test: a name and a way to open a
//!   database ([`Fixture`]). [`builtin`] has the built-in ones.
//! - A [`Probe`] detects what a case needs from the server where no
//!   transport can report it (a skipped case names it like a capability).
//! - [`run`] runs cases against subjects into a [`Report`]; [`report`] prints
//!   it as text, JSON or JUnit XML.
//! - `harness` (feature `harness`) runs the suite as a `cargo test` target
//!   (libtest-mimic).
//! - [`slt`] runs sqllogictest files through any subject (the `sqllogictest`
//!   crate's `.slt` format with the feature `slt`).
//! - `cli` (feature `cli`) is the `sqlport-conformance` command line.
//! - [`sqld`] starts a real sqld for tests (`SQLPORT_SQLD`).

pub mod blocking_over_async;
pub mod builtin;
mod case;
pub mod cases;
mod check;
#[cfg(feature = "cli")]
pub mod cli;
mod context;
mod exact_real;
#[cfg(feature = "harness")]
pub mod harness;
mod probe;
pub mod report;
mod runner;
pub mod slt;
pub mod sqld;
mod subject;

pub use case::{Case, CaseFn, Requirement};
pub use cases::cases;
pub use check::{CaseResult, Checked, Failure, describe_error};
pub use context::Ctx;
pub use exact_real::exact_real_sql;
pub use probe::Probe;
pub use runner::{CaseReport, Outcome, Report, RunOptions, run, run_case};
pub use subject::{Fixture, Subject};
