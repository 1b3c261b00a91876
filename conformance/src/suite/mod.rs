//! The conformance suite: one list of [`Case`]s, written once, run against any
//! transport (a [`Subject`]), with reports in three formats.
//!
//! - [`cases()`] is the list, grouped by concern (`values::`, `results::`,
//!   `parameters::`, `errors::`, `transactions::`, `savepoints::`,
//!   `batches::`, `pragmas::`, `schema::`, `concurrency::`, `limits::`).
//! - A [`Subject`] is a transport under test: a name and a way to open a
//!   database ([`Fixture`]). [`builtin`] has the built-in ones.
//! - [`run`] runs cases against subjects into a [`Report`]; [`report`] prints
//!   it as text, JSON or JUnit XML.
//! - [`harness`] runs the suite as a `cargo test` target (libtest-mimic).
//! - [`slt`] runs sqllogictest files through any subject.
//! - [`cli`] is the `sqlport-conformance` command line.

pub mod async_bridge;
pub mod builtin;
mod case;
pub mod cases;
mod check;
pub mod cli;
mod context;
pub mod harness;
pub mod report;
mod runner;
pub mod slt;
mod subject;

pub use case::{Case, CaseFn};
pub use cases::cases;
pub use check::{CaseResult, Checked, Failure, describe_error};
pub use context::Ctx;
pub use runner::{CaseReport, Outcome, Report, RunOptions, run, run_case};
pub use subject::{Fixture, Subject};
