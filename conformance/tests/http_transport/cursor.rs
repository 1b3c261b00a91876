//! Streaming through `/v3/cursor`: many rows, a sink that stops or fails.

use super::*;

const COUNT_TO: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT x, 'padding padding padding' AS p FROM c";

pub(crate) fn cursor_streams_many_rows(b: Backend) {
    let (s, db) = setup(b);
    let mut c = db.connect().unwrap();
    assert!(c.caps().has(Capability::Streaming));
    let mut sink = Counter::default();
    let (summary, n) = count(&s, || c.stream(&Statement::new(COUNT_TO), &mut sink));
    let summary = summary.unwrap();
    assert_eq!(n, 1);
    assert_eq!(summary.columns.len(), 2);
    assert_eq!(sink.columns, 2);
    assert_eq!(sink.rows, 100_000);
    assert_eq!(sink.sum, 100_000 * 100_001 / 2);
    // Back-to-back cursors share one server stream.
    for i in 0..5 {
        let mut sink = Counter::default();
        c.stream(&Statement::with_params("SELECT ?", [i]).unwrap(), &mut sink)
            .unwrap();
        assert_eq!((sink.rows, sink.sum), (1, i));
    }
    assert!(s.open_streams() <= 1, "{} streams", s.open_streams());
    // Inside a transaction the cursor shares the stream.
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    c.exec("BEGIN").unwrap();
    c.exec("INSERT INTO t VALUES (5)").unwrap();
    let mut sink = Counter::default();
    c.stream(&Statement::new("SELECT x FROM t"), &mut sink)
        .unwrap();
    assert_eq!((sink.rows, sink.sum), (1, 5));
    assert!(!c.autocommit());
    c.exec("ROLLBACK").unwrap();
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);
}

/// Fails on the first row.
struct FailingSink;

impl RowSink for FailingSink {
    fn columns(&mut self, _: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }
    fn row(&mut self, _: Row) -> Result<ControlFlow<()>> {
        Err(Error::NoRows)
    }
}

pub(crate) fn cursor_break_then_reuse(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    // A sink error comes back unchanged, with or without state held.
    let e = c
        .stream(&Statement::new(COUNT_TO), &mut FailingSink)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoRows);
    c.exec("BEGIN").unwrap();
    c.exec("SELECT 1").unwrap();
    let e = c
        .stream(&Statement::new(COUNT_TO), &mut FailingSink)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoRows);
    assert!(!c.autocommit());
    c.exec("COMMIT").unwrap();
    let mut sink = Counter {
        stop_after: Some(10),
        ..Counter::default()
    };
    c.stream(&Statement::new(COUNT_TO), &mut sink).unwrap();
    assert_eq!(sink.rows, 10);
    assert_eq!(c.int("SELECT 7"), 7);
    // With state held, the rest is drained and the stream stays usable.
    c.exec("BEGIN").unwrap();
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    let mut sink = Counter {
        stop_after: Some(3),
        ..Counter::default()
    };
    c.stream(&Statement::new(COUNT_TO), &mut sink).unwrap();
    assert_eq!(sink.rows, 3);
    assert!(!c.autocommit());
    c.exec("INSERT INTO t VALUES (1)").unwrap();
    c.exec("COMMIT").unwrap();
    assert_eq!(c.int("SELECT count(*) FROM t"), 1);
}
