//! Atomic, stop-on-error and continue-on-error batches.

use super::*;

#[test]
fn atomic_batch_all_or_nothing() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (x UNIQUE)");
    let ok = c
        .batch(&Batch::atomic(vec![
            Statement::with_params("INSERT INTO t VALUES (?)", (1,)).unwrap(),
            Statement::with_params("INSERT INTO t VALUES (?)", (2,)).unwrap(),
            Statement::new("SELECT count(*) FROM t"),
        ]))
        .unwrap();
    assert_eq!(ok.steps.len(), 3);
    assert_eq!(
        ok.steps[2].ok().unwrap().rows[0].values()[0],
        Value::Integer(2)
    );
    assert!(c.is_autocommit());
    let err = c
        .batch(&Batch::atomic(stmts(&[
            "INSERT INTO t VALUES (3)",
            "INSERT INTO t VALUES (1)",
            "INSERT INTO t VALUES (4)",
        ])))
        .unwrap_err();
    assert_eq!(err.failed_step(), Some(1));
    assert_eq!(err.extended_code(), Some(codes::SQLITE_CONSTRAINT_UNIQUE));
    assert!(c.is_autocommit());
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(2));
    for behavior in [
        TransactionBehavior::Immediate,
        TransactionBehavior::Exclusive,
    ] {
        let r = c
            .batch(&Batch::new(
                stmts(&["INSERT INTO t VALUES (10)", "DELETE FROM t WHERE x = 10"]),
                BatchMode::Atomic(behavior),
            ))
            .unwrap();
        let affected: Vec<u64> = r
            .steps
            .iter()
            .map(|s| s.ok().unwrap().rows_affected)
            .collect();
        assert_eq!(affected, [1, 1], "{behavior:?}");
        assert!(c.is_autocommit(), "{behavior:?}");
        assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(2));
    }
}

#[test]
fn atomic_batch_inside_a_transaction_uses_a_savepoint() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (x UNIQUE)");
    exec(&mut c, "BEGIN");
    exec(&mut c, "INSERT INTO t VALUES (1)");
    let err = c
        .batch(&Batch::atomic(stmts(&[
            "INSERT INTO t VALUES (2)",
            "INSERT INTO t VALUES (1)",
        ])))
        .unwrap_err();
    assert_eq!(err.failed_step(), Some(1));
    assert!(!c.is_autocommit(), "the outer transaction survives");
    assert_eq!(
        one(&mut c, "SELECT group_concat(x) FROM t"),
        Value::Text("1".into())
    );
    c.batch(&Batch::atomic(stmts(&["INSERT INTO t VALUES (5)"])))
        .unwrap();
    assert!(!c.is_autocommit());
    exec(&mut c, "ROLLBACK");
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(0));
}

#[test]
fn atomic_batch_step_that_ends_the_transaction_fails() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (x)");
    let err = c
        .batch(&Batch::atomic(stmts(&[
            "INSERT INTO t VALUES (1)",
            "ROLLBACK",
            "INSERT INTO t VALUES (2)",
        ])))
        .unwrap_err();
    assert_eq!(err.failed_step(), Some(1));
    assert!(c.is_autocommit());
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(0));
}

#[test]
fn non_atomic_batches() {
    let (_db, mut c) = mem();
    exec(&mut c, "CREATE TABLE t (x UNIQUE)");
    let sqls = [
        "INSERT INTO t VALUES (1)",
        "INSERT INTO t VALUES (1)",
        "INSERT INTO t VALUES (2)",
    ];
    let r = c
        .batch(&Batch::new(stmts(&sqls), BatchMode::StopOnError))
        .unwrap();
    assert!(matches!(r.steps[0], StepResult::Ok(_)));
    assert_eq!(
        r.steps[1].err().unwrap().extended_code(),
        Some(codes::SQLITE_CONSTRAINT_UNIQUE)
    );
    assert!(matches!(r.steps[2], StepResult::Skipped));
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(1));
    exec(&mut c, "DELETE FROM t");
    let r = c
        .batch(&Batch::new(stmts(&sqls), BatchMode::ContinueOnError))
        .unwrap();
    assert!(matches!(r.steps[0], StepResult::Ok(_)));
    assert!(r.steps[1].err().is_some());
    assert!(matches!(r.steps[2], StepResult::Ok(_)));
    assert_eq!(one(&mut c, "SELECT count(*) FROM t"), Value::Integer(2));
}
