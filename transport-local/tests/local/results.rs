//! Result shapes: columns, declared types, rows affected, last insert rowid, streaming.

use super::*;
use sqlport_core::RowRef;

#[test]
fn columns_decl_types_and_duplicates() {
    let (_db, mut c) = mem();
    exec(
        &mut c,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(10), n)",
    );
    let rs = exec(&mut c, "SELECT id, name, n, id AS id, 1 + 1 FROM t");
    let cols: Vec<Column> = rs.columns.to_vec();
    assert_eq!(
        cols,
        vec![
            Column::new("id", Some("INTEGER".into())),
            Column::new("name", Some("VARCHAR(10)".into())),
            Column::new("n", None),
            Column::new("id", Some("INTEGER".into())),
            Column::new("1 + 1", None),
        ]
    );
    assert!(rs.rows.is_empty());
}

#[test]
fn rows_affected_and_rowid_only_for_dml() {
    let (_db, mut c) = mem();
    let rs = exec(&mut c, "CREATE TABLE t (id INTEGER PRIMARY KEY, x)");
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (0, None));
    let rs = exec(&mut c, "INSERT INTO t (x) VALUES (1), (2), (3)");
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (3, Some(3)));
    let rs = exec(&mut c, "SELECT * FROM t");
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (0, None));
    let rs = exec(&mut c, "UPDATE t SET x = 9 WHERE id > 1");
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (2, None));
    let rs = exec(&mut c, "REPLACE INTO t (id, x) VALUES (10, 1)");
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (1, Some(10)));
    let rs = exec(
        &mut c,
        "WITH d AS (SELECT 1) DELETE FROM t WHERE id IN (SELECT * FROM d)",
    );
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (1, None));
    let rs = exec(&mut c, "INSERT INTO t (x) VALUES ('r') RETURNING id, x");
    assert_eq!(rs.rows.len(), 1);
    assert_eq!(rs.rows[0].get::<i64>("id").unwrap(), 11);
    assert_eq!((rs.rows_affected, rs.last_insert_rowid), (1, Some(11)));
    let rs = exec(&mut c, "CREATE TABLE u (y)");
    assert_eq!(rs.rows_affected, 0);
}

struct TakeTwo(Vec<Row>);

impl RowSink for TakeTwo {
    fn columns(&mut self, _columns: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }
    fn row(&mut self, row: Row) -> Result<ControlFlow<()>> {
        self.0.push(row);
        Ok(if self.0.len() >= 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    }
}

#[test]
fn query_stream_honours_break() {
    let (_db, mut c) = mem();
    let stmt = Statement::new(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n",
    );
    let mut sink = TakeTwo(Vec::new());
    let summary = c.query_stream(&stmt, &mut sink).unwrap();
    assert_eq!(sink.0.len(), 2);
    assert_eq!(summary.columns.len(), 1);
    // The connection is still usable.
    assert_eq!(one(&mut c, "SELECT 5"), Value::Integer(5));
}

/// A sink that borrows rows (the facade's `query_each`): it copies what it
/// sees, counts how rows reached it, and stops after `limit`.
struct Borrowing {
    seen: Vec<Vec<Value>>,
    lent: usize,
    owned: usize,
    limit: usize,
}

impl RowSink for Borrowing {
    fn columns(&mut self, _columns: &Arc<[Column]>) -> Result<()> {
        Ok(())
    }
    fn row(&mut self, row: Row) -> Result<ControlFlow<()>> {
        self.owned += 1;
        self.row_ref(&RowRef::from(&row))
    }
    fn borrows_rows(&self) -> bool {
        true
    }
    fn row_ref(&mut self, row: &RowRef<'_>) -> Result<ControlFlow<()>> {
        self.lent += 1;
        self.seen.push(row.to_row().into_values());
        Ok(if self.seen.len() >= self.limit {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    }
}

/// Rows lent to a borrowing sink (read in place from the statement) hold
/// exactly their own values whatever the previous row held (longer or
/// shorter text, blob after text, NULL, numbers), the same as the owned rows
/// `execute` returns, for rows up to and wider than the stack-lent width;
/// `Break` still stops the query, and text that is not UTF-8 is the same
/// conversion error either way.
#[test]
fn lent_rows_match_owned_rows() {
    let (_db, mut c) = mem();
    let sql = "SELECT * FROM (VALUES \
               ('a long first text', x'010203', 'first long', x'0102030405'), \
               (7, 'short', 'xy', x'09'), \
               ('ab', NULL, 'a longer one', x''), \
               (x'ff', 2.5, 'q', x'aabb'), \
               (NULL, 'a much longer text than before', '', x'cc'), \
               ('', x'', 'é', x'dd'), \
               ('é€', 'z', 'end', x'eeff'))";
    let owned: Vec<Vec<Value>> = exec(&mut c, sql)
        .rows
        .iter()
        .map(|r| r.values().to_vec())
        .collect();
    assert_eq!(owned.len(), 7);
    let mut sink = Borrowing {
        seen: Vec::new(),
        lent: 0,
        owned: 0,
        limit: usize::MAX,
    };
    c.query_stream(&Statement::new(sql), &mut sink).unwrap();
    assert_eq!(sink.seen, owned);
    assert_eq!(
        (sink.lent, sink.owned),
        (7, 0),
        "every row was lent, none built"
    );

    let mut sink = Borrowing {
        seen: Vec::new(),
        lent: 0,
        owned: 0,
        limit: 3,
    };
    c.query_stream(&Statement::new(sql), &mut sink).unwrap();
    assert_eq!(sink.seen, owned[..3]);
    assert_eq!(one(&mut c, "SELECT 5"), Value::Integer(5));

    // 16 columns (lent from the stack) and 17 (from a vector).
    for width in [16, 17] {
        let cols: Vec<String> = (0..width)
            .map(|i| {
                format!("CASE WHEN column1 % 2 THEN 'text {i} ' || column1 ELSE column1 * {i} END")
            })
            .collect();
        let sql = format!(
            "SELECT {} FROM (VALUES (1), (2), (3), (4), (5))",
            cols.join(", ")
        );
        let owned: Vec<Vec<Value>> = exec(&mut c, &sql)
            .rows
            .iter()
            .map(|r| r.values().to_vec())
            .collect();
        assert_eq!(owned.len(), 5);
        assert_eq!(owned[0].len(), width);
        let mut sink = Borrowing {
            seen: Vec::new(),
            lent: 0,
            owned: 0,
            limit: usize::MAX,
        };
        c.query_stream(&Statement::new(sql), &mut sink).unwrap();
        assert_eq!(sink.seen, owned, "{width} columns");
        assert_eq!((sink.lent, sink.owned), (5, 0));
    }

    // Text that is not UTF-8: the same error kind lent or owned.
    let bad = "SELECT CAST(x'ff' AS TEXT)";
    let owned_err = c.execute(&Statement::new(bad)).unwrap_err();
    let mut sink = Borrowing {
        seen: Vec::new(),
        lent: 0,
        owned: 0,
        limit: usize::MAX,
    };
    let lent_err = c.query_stream(&Statement::new(bad), &mut sink).unwrap_err();
    assert_eq!(lent_err.kind(), owned_err.kind());
    assert!(sink.seen.is_empty());
}
