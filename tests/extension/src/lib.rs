//! Test only: nothing public. `tests/load/main.rs` loads the SQLite extension
//! that build.rs compiles (`sqlport_ext_answer()`, 42) through sqlport.

/// The extension build.rs compiled (a shared library in `OUT_DIR`).
pub const EXTENSION: &str = env!("SQLPORT_TEST_EXTENSION");
