//! Constraint helpers answer the same on every transport: locally from
//! SQLite's extended codes, remotely (reference server, real sqld) from the
//! message shape, as the primary code is all a Hrana server sends.

use sqlport::Error;

use super::*;

const SCHEMA: &str = "PRAGMA foreign_keys = ON;
    DROP TABLE IF EXISTS child; DROP TABLE IF EXISTS parent;
    CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE, name TEXT NOT NULL,
                         qty INTEGER CHECK (qty >= 0));
    CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
    INSERT INTO parent VALUES (1, 'a', 'x', 1);";

/// The statements that break each constraint, in the order of [`check`].
const VIOLATIONS: [&str; 5] = [
    "INSERT INTO parent VALUES (2, 'a', 'y', 1)",  // UNIQUE
    "INSERT INTO parent VALUES (1, 'b', 'y', 1)",  // PRIMARY KEY
    "INSERT INTO parent VALUES (3, 'c', NULL, 1)", // NOT NULL
    "INSERT INTO parent VALUES (4, 'd', 'y', -1)", // CHECK
    "INSERT INTO child VALUES (1, 99)",            // FOREIGN KEY
];

/// What the helpers say about each violation (`remote`: no extended codes).
fn check(errors: &[Error], remote: bool, what: &str) {
    let [unique, pk, not_null, check, fk] = errors else {
        panic!("{what}: {errors:?}")
    };
    for e in errors {
        assert!(e.is_constraint(), "{what}: {e}");
        assert_eq!(e.extended_code().is_none(), remote, "{what}: {e}");
    }
    assert!(unique.is_unique_violation(), "{what}: {unique}");
    assert_eq!(
        unique.is_primary_key_violation(),
        if remote { None } else { Some(false) }
    );
    assert!(pk.is_unique_violation(), "{what}: {pk}");
    assert_eq!(
        pk.is_primary_key_violation(),
        if remote { None } else { Some(true) }
    );
    assert!(not_null.is_not_null_violation(), "{what}: {not_null}");
    assert!(check.is_check_violation(), "{what}: {check}");
    assert!(fk.is_foreign_key_violation(), "{what}: {fk}");
    // And nothing else.
    for (i, e) in errors.iter().enumerate() {
        let answers = [
            e.is_unique_violation(),
            e.is_not_null_violation(),
            e.is_check_violation(),
            e.is_foreign_key_violation(),
        ];
        let want = match i {
            0 | 1 => [true, false, false, false],
            2 => [false, true, false, false],
            3 => [false, false, true, false],
            _ => [false, false, false, true],
        };
        assert_eq!(answers, want, "{what}: step {i}: {e}");
    }
}

fn blocking_errors(db: &sqlport::blocking::Database) -> Vec<Error> {
    let mut c = db.connect().unwrap();
    c.execute_batch(SCHEMA).unwrap();
    VIOLATIONS
        .iter()
        .map(|sql| c.execute(sql, ()).unwrap_err())
        .collect()
}

#[test]
fn constraint_helpers_agree_on_every_transport() {
    let rt = runtime();
    for t in Target::all() {
        let remote = t.kind == Kind::Http;
        check(
            &blocking_errors(&t.blocking()),
            remote,
            &format!("{:?} blocking", t.kind),
        );
        let db = t.nonblocking();
        let errors = rt.block_on(async {
            let mut c = db.connect().await.unwrap();
            c.execute_batch(SCHEMA).await.unwrap();
            let mut out = Vec::new();
            for sql in VIOLATIONS {
                out.push(c.execute(sql, ()).await.unwrap_err());
            }
            out
        });
        check(&errors, remote, &format!("{:?} async", t.kind));
    }
}

#[test]
fn constraint_helpers_on_real_sqld() {
    let Some(sqld) = sqlport_conformance::suite::sqld::Sqld::from_env() else {
        println!("SQLPORT_SQLD is not set: skipping the real-sqld constraint check");
        return;
    };
    let sqld = sqld.unwrap();
    let options = OpenOptions::new().timeout(GUARD);
    let db = sqlport::blocking::Database::open_with(sqld.url(), options.clone()).unwrap();
    check(&blocking_errors(&db), true, "sqld blocking");
    // Inside a batch, the step's error is classified the same way.
    let mut c = db.connect().unwrap();
    let err = c
        .execute_batch("PRAGMA foreign_keys = ON; INSERT INTO parent VALUES (7, 'q', 'y', 1); INSERT INTO child VALUES (2, 98);")
        .unwrap_err();
    assert_eq!(err.failed_step(), Some(2));
    assert!(err.is_foreign_key_violation(), "{err}");
    let adb = sqlport::Database::open_with(sqld.url(), options).unwrap();
    let errors = runtime().block_on(async {
        let mut c = adb.connect().await.unwrap();
        let mut out = Vec::new();
        c.execute("PRAGMA foreign_keys = ON", ()).await.unwrap();
        for sql in VIOLATIONS {
            out.push(c.execute(sql, ()).await.unwrap_err());
        }
        out
    });
    check(&errors, true, "sqld async");
}
