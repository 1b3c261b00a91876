//! SQLite's sqllogictest corpus format, run as SQLite's own harness runs it
//! (in verify mode), record by record, through any transport.
//!
//! The `sqllogictest` crate reads a dialect of its own; the corpus needs the
//! harness's exact rules, which differ from it on the points that decide
//! verdicts, so this runner implements them (from the format's description
//! and by comparing verdicts with the harness; no code is taken from it):
//!
//! - a `statement` record may hold several statements, run in order on the
//!   script's one connection, stopping at the first error
//!   ([`split_statements`]);
//! - a `query` runs its first statement; an error while stepping ends the
//!   rows (those read so far are the result, as the harness keeps them); a
//!   statement that does not compile, or has another number of columns than
//!   type letters, fails the record;
//! - values print as the harness prints them ([`format_value`](super::format::format_value));
//! - results of more values than the hash threshold (8 unless a
//!   `hash-threshold` record says otherwise; 0 turns hashing off) compare as
//!   `N values hashing to MD5`, the others line by line, exactly; a label
//!   ties results that must hash alike, skipped records included;
//! - `skipif` / `onlyif` name the engine `SQLite` (any case) and apply to the
//!   next record, `halt` and `hash-threshold` included.
//!
//! [`run_script`] returns a [`ScriptVerdict`] in the harness's terms: the
//! records that ran (`tests`), those skipped, and each record's verdict.

mod engine;
mod run;
pub mod script;
mod split;

pub use engine::{CONNECTION_SETUP, ConnectionEngine};
pub use run::{
    DEFAULT_HASH_THRESHOLD, ENGINE, Engine, Problem, RecordVerdict, ScriptVerdict, Verdict,
    run_script,
};
pub use split::split_statements;
