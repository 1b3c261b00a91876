//! `execute_batch(script)`: every statement of a script in order, stopping at
//! the first failure, whose index and code the error carries; remotely one
//! HTTP request whatever the script's length.

use sqlport::ErrorKind;

use super::*;

const SCRIPT: &str = "
    DROP TABLE IF EXISTS s; DROP TABLE IF EXISTS log;
    CREATE TABLE s (id INTEGER PRIMARY KEY, v TEXT UNIQUE); -- a comment; with a semicolon
    CREATE TABLE log (msg TEXT);
    /* a trigger: its body's `;` do not split it */
    CREATE TRIGGER s_log AFTER INSERT ON s BEGIN
        INSERT INTO log VALUES ('added ' || new.v);
        INSERT INTO log VALUES (CASE WHEN new.id > 1 THEN 'more' ELSE 'first' END);
    END;
    INSERT INTO s (v) VALUES ('a;b');
    INSERT INTO s (v) VALUES ('c');;
";

/// Statement 1 fails (UNIQUE); statement 0 stays applied, statement 2 never runs.
const FAILING: &str = "INSERT INTO s (v) VALUES ('d'); INSERT INTO s (v) VALUES ('c'); INSERT INTO s (v) VALUES ('e')";

/// Statement 1 is not SQL.
const BAD_SQL: &str = "INSERT INTO s (v) VALUES ('f'); SELEC 1; INSERT INTO s (v) VALUES ('g')";

fn check_failure(err: &sqlport::Error, step: usize, what: &str) {
    assert_eq!(err.failed_step(), Some(step), "{what}: {err}");
    assert_eq!(err.kind(), ErrorKind::Sqlite, "{what}: {err}");
}

#[test]
fn blocking_scripts_run_in_one_request() {
    for t in Target::all() {
        let what = format!("{:?}", t.kind);
        let db = t.blocking();
        let mut c = db.connect().unwrap();
        let before = t.requests();
        c.execute_batch(SCRIPT).unwrap();
        if t.kind == Kind::Http {
            assert_eq!(
                t.requests() - before,
                1,
                "{what}: one request for the whole script"
            );
        }
        let vs = c
            .query_map("SELECT v FROM s ORDER BY id", (), |r| r.get::<String>(0))
            .unwrap();
        assert_eq!(vs, ["a;b", "c"], "{what}");
        assert_eq!(
            c.query_scalar::<i64>("SELECT count(*) FROM log", ())
                .unwrap(),
            4
        );

        let before = t.requests();
        let err = c.execute_batch(FAILING).unwrap_err();
        if t.kind == Kind::Http {
            assert_eq!(t.requests() - before, 1, "{what}");
        }
        check_failure(&err, 1, &what);
        assert!(err.is_unique_violation(), "{what}: {err}");
        let vs = c
            .query_map("SELECT v FROM s ORDER BY id", (), |r| r.get::<String>(0))
            .unwrap();
        assert_eq!(
            vs,
            ["a;b", "c", "d"],
            "{what}: stops at the failure, keeps what ran"
        );

        // sqld refuses a batch whole when a step does not parse (nothing
        // runs); the transport then locates the step and runs the ones before
        // it: two more requests, on that error path only.
        let before = t.requests();
        let err = c.execute_batch(BAD_SQL).unwrap_err();
        if t.kind == Kind::Http {
            assert!((1..=3).contains(&(t.requests() - before)), "{what}");
        }
        check_failure(&err, 1, &what);
        assert_eq!(
            err.sqlite_code(),
            Some(sqlport::codes::SQLITE_ERROR),
            "{what}: {err}"
        );
        let fg = "SELECT v FROM s WHERE v IN ('f', 'g')";
        assert_eq!(
            c.query_map(fg, (), |r| r.get::<String>(0)).unwrap(),
            ["f"],
            "{what}: what ran before the bad statement stays"
        );

        // A script that opens a transaction leaves it open; inside a guard it
        // is part of the guard's transaction.
        c.execute_batch("BEGIN; INSERT INTO s (v) VALUES ('h');")
            .unwrap();
        assert!(!c.is_autocommit(), "{what}");
        c.execute_batch("ROLLBACK").unwrap();
        assert!(c.is_autocommit(), "{what}");
        let mut tx = c.transaction().unwrap();
        tx.execute_batch("INSERT INTO s (v) VALUES ('i'); INSERT INTO s (v) VALUES ('j');")
            .unwrap();
        tx.rollback().unwrap();
        assert_eq!(
            c.query_scalar::<i64>("SELECT count(*) FROM s WHERE v IN ('h', 'i', 'j')", ())
                .unwrap(),
            0
        );

        // Blank scripts send nothing.
        let before = t.requests();
        c.execute_batch("  ;; -- nothing\n /* at all */").unwrap();
        assert_eq!(t.requests(), before);
    }
}

#[test]
fn async_scripts_run_in_one_request() {
    let rt = runtime();
    for t in Target::all() {
        let what = format!("{:?}", t.kind);
        let db = t.nonblocking();
        rt.block_on(async {
            let mut c = db.connect().await.unwrap();
            let before = t.requests();
            c.execute_batch(SCRIPT).await.unwrap();
            if t.kind == Kind::Http {
                assert_eq!(t.requests() - before, 1, "{what}");
            }
            assert_eq!(
                c.query_scalar::<i64>("SELECT count(*) FROM log", ())
                    .await
                    .unwrap(),
                4
            );
            let before = t.requests();
            let err = c.execute_batch(FAILING).await.unwrap_err();
            if t.kind == Kind::Http {
                assert_eq!(t.requests() - before, 1, "{what}");
            }
            check_failure(&err, 1, &what);
            assert!(err.is_unique_violation());
            let err = c.execute_batch(BAD_SQL).await.unwrap_err();
            check_failure(&err, 1, &what);
            let mut tx = c.transaction().await.unwrap();
            tx.execute_batch("INSERT INTO s (v) VALUES ('i'); INSERT INTO s (v) VALUES ('j');")
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let vs = c
                .query_map("SELECT v FROM s ORDER BY id", (), |r| r.get::<String>(0))
                .await
                .unwrap();
            assert_eq!(vs, ["a;b", "c", "d", "f", "i", "j"], "{what}");
        });
    }
}
