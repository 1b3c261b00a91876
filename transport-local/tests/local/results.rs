//! Result shapes: columns, declared types, rows affected, last insert rowid, streaming.

use super::*;

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
