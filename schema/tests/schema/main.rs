//! Integration tests: golden DDL against real Django 5.1.15 output, introspection, migrations.

mod alter;
mod django_followup;
mod django_numeric;
mod django_ops;
mod edge_cases;
mod golden;
mod introspection;
mod migrate;

/// A fresh path in the temp dir (removed on drop).
pub(crate) struct TempDb(pub std::path::PathBuf);

impl TempDb {
    pub(crate) fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!(
            "sqlport-schema-{tag}-{}-{n}.sqlite3",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&p);
        TempDb(p)
    }

    /// A copy of a fixture database.
    pub(crate) fn copy_of(fixture: &str) -> Self {
        let t = Self::new("copy");
        let src = format!("{}/tests/fixtures/{fixture}", env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(src, &t.0).unwrap();
        t
    }

    pub(crate) fn connect(&self) -> sqlport_local::LocalTransport {
        sqlport_local::LocalConnector::open_path(&self.0, sqlport_local::LocalConfig::default())
            .unwrap()
            .connect_local()
            .unwrap()
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}
