//! Batches: atomic, stop-on-error and continue-on-error, stored SQL, and
//! batches sqld refuses whole because a step does not parse.

use super::*;

pub(crate) fn atomic_batch_failing_midway(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER UNIQUE)").unwrap();
    let batch = Batch::atomic([
        Statement::with_params("INSERT INTO t VALUES (?)", [1]).unwrap(),
        Statement::with_params("INSERT INTO t VALUES (?)", [2]).unwrap(),
        Statement::with_params("INSERT INTO t VALUES (?)", [1]).unwrap(),
        Statement::with_params("INSERT INTO t VALUES (?)", [3]).unwrap(),
    ]);
    let e = c.batch(&batch).unwrap_err();
    assert_eq!(e.failed_step(), Some(2));
    assert!(e.is_constraint());
    assert!(c.autocommit());
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);
}

pub(crate) fn atomic_batch_inside_a_transaction_keeps_it(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER UNIQUE)").unwrap();
    c.exec("BEGIN").unwrap();
    c.exec("INSERT INTO t VALUES (10)").unwrap();
    let bad = Batch::atomic([
        Statement::new("INSERT INTO t VALUES (11)"),
        Statement::new("INSERT INTO t VALUES (10)"),
    ]);
    let e = c.batch(&bad).unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    assert!(!c.autocommit(), "the outer transaction survives");
    let good = Batch::atomic([Statement::new("INSERT INTO t VALUES (12)")]);
    c.batch(&good).unwrap();
    c.exec("COMMIT").unwrap();
    assert_eq!(c.int("SELECT sum(x) FROM t"), 22);
    // Held BEGIN followed directly by an atomic batch.
    c.exec("BEGIN").unwrap();
    c.batch(&Batch::atomic([Statement::new(
        "INSERT INTO t VALUES (13)",
    )]))
    .unwrap();
    assert!(!c.autocommit());
    c.exec("ROLLBACK").unwrap();
    assert_eq!(c.int("SELECT count(*) FROM t"), 2);
}

pub(crate) fn stop_on_error_and_continue_on_error(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    let steps = || {
        vec![
            Statement::new("SELECT 1"),
            Statement::new("SELECT * FROM missing"),
            Statement::new("SELECT 3"),
        ]
    };
    let r = c
        .batch(&Batch::new(steps(), BatchMode::StopOnError))
        .unwrap();
    assert!(r.steps[0].ok().is_some());
    assert_eq!(
        r.steps[1].err().unwrap().sqlite_code(),
        Some(codes::SQLITE_ERROR)
    );
    assert!(matches!(r.steps[2], StepResult::Skipped));
    let r = c
        .batch(&Batch::new(steps(), BatchMode::ContinueOnError))
        .unwrap();
    assert_eq!(
        r.steps[2].ok().unwrap().rows[0].values(),
        &[Value::Integer(3)]
    );
}

pub(crate) fn duplicate_long_sql_in_batch(b: Backend) {
    let (s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    let sql = format!(
        "INSERT INTO t (x) VALUES (?) /* {} */",
        "long comment ".repeat(40)
    );
    let steps: Vec<_> = (0..20)
        .map(|i| Statement::with_params(sql.clone(), [i]).unwrap())
        .collect();
    let (r, n) = count(&s, || c.batch(&Batch::atomic(steps)));
    assert_eq!(r.unwrap().steps.len(), 20);
    assert_eq!(n, 1);
    assert_eq!(c.int("SELECT sum(x) FROM t"), 190);
}

pub(crate) fn batches_with_an_unparsable_step(b: Backend) {
    let (_s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    let steps = |a: i64, z: i64| {
        vec![
            Statement::with_params("INSERT INTO t VALUES (?)", [a]).unwrap(),
            Statement::new("SELEC 2"),
            Statement::with_params("INSERT INTO t VALUES (?)", [z]).unwrap(),
        ]
    };
    let e = c.batch(&Batch::atomic(steps(1, 3))).unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    assert_eq!(e.sqlite_code(), Some(codes::SQLITE_ERROR));
    assert_eq!(c.int("SELECT count(*) FROM t"), 0);

    let r = c
        .batch(&Batch::new(steps(1, 3), BatchMode::StopOnError))
        .unwrap();
    assert!(r.steps[0].ok().is_some());
    assert_eq!(
        r.steps[1].err().unwrap().sqlite_code(),
        Some(codes::SQLITE_ERROR)
    );
    assert!(matches!(r.steps[2], StepResult::Skipped));
    assert_eq!(c.int("SELECT sum(x) FROM t"), 1);

    let r = c
        .batch(&Batch::new(steps(10, 20), BatchMode::ContinueOnError))
        .unwrap();
    assert!(r.steps[1].err().is_some());
    assert!(r.steps[2].ok().is_some());
    assert_eq!(c.int("SELECT sum(x) FROM t"), 31);

    // Inside a transaction the outer transaction survives.
    c.exec("BEGIN").unwrap();
    c.exec("INSERT INTO t VALUES (100)").unwrap();
    let e = c.batch(&Batch::atomic(steps(5, 6))).unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    assert!(!c.autocommit());
    c.exec("COMMIT").unwrap();
    assert_eq!(c.int("SELECT sum(x) FROM t"), 131);
    // Right after a held BEGIN: the BEGIN is still held afterwards.
    c.exec("BEGIN").unwrap();
    let e = c.batch(&Batch::atomic(steps(7, 8))).unwrap_err();
    assert_eq!(e.failed_step(), Some(1));
    assert!(!c.autocommit());
    c.exec("INSERT INTO t VALUES (1000)").unwrap();
    c.exec("ROLLBACK").unwrap();
    assert_eq!(c.int("SELECT sum(x) FROM t"), 131);
}

pub(crate) fn a_refused_batch_on_an_expired_stream_reports_every_step(b: Backend) {
    let (s, db) = setup(b);
    let mut c = db.connect().unwrap();
    c.exec("CREATE TABLE t (x INTEGER)").unwrap();
    // A PRAGMA keeps the stream, so the batch carries a baton that expires.
    let default = c.int("PRAGMA foreign_keys");
    c.exec(&format!("PRAGMA foreign_keys = {}", 1 - default))
        .unwrap();
    s.expire_idle_streams();
    let steps = vec![
        Statement::new("INSERT INTO t VALUES (1)"),
        Statement::new("SELEC 2"),
        Statement::new("INSERT INTO t VALUES (3)"),
    ];
    let (r, n) = count(&s, || c.batch(&Batch::new(steps, BatchMode::StopOnError)));
    // Expired, retried on a new stream (refused: a step does not parse),
    // the steps described, the step before the bad one run: the reply to
    // the last request is the batch's result, never dropped.
    let r = r.unwrap();
    assert_eq!(n, 4);
    assert!(r.steps[0].ok().is_some());
    assert_eq!(
        r.steps[1].err().unwrap().sqlite_code(),
        Some(codes::SQLITE_ERROR)
    );
    assert!(matches!(r.steps[2], StepResult::Skipped));
    assert_eq!(c.int("SELECT sum(x) FROM t"), 1);
    assert_eq!(c.int("PRAGMA foreign_keys"), 1 - default);
}
