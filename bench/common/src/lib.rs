//! What the sqlport benchmark runners share: per-round statistics, result
//! records (one JSON object a line), a counting loopback proxy (HTTP requests
//! and new TCP connections per operation, for any client), client CPU time
//! from `getrusage`, and peak heap growth from a counting allocator.
//!
//! It links no SQLite, so both runners use it: `sqlport-bench` (sqlport,
//! rusqlite, sqlx) and `libsql-bench` (the official `libsql` crate, which
//! cannot link beside rusqlite's bundled SQLite).

pub mod cpu;
pub mod memory;
pub mod proxy;
pub mod record;
pub mod stats;
