//! The `sqlport` binary end to end: on a local file and against the reference server.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sqlport_conformance::server::{ServerConfig, TestServer};
use sqlport_core::LocalTarget;

mod serve_check;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/tests/fixtures/django_ops")
}

/// The golden project's migrations without the one Django refuses (the M2M switch).
fn migrations_dir(tmp: &Path) -> PathBuf {
    let dir = tmp.join("migrations");
    std::fs::create_dir_all(dir.join("ops")).unwrap();
    for e in std::fs::read_dir(fixtures().join("migrations/ops")).unwrap() {
        let p = e.unwrap().path();
        if !p.ends_with("0010_m2m_switch.json") {
            std::fs::copy(&p, dir.join("ops").join(p.file_name().unwrap())).unwrap();
        }
    }
    dir
}

fn sqlport(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sqlport"))
        .args(args)
        .env_remove("SQLPORT_DATABASE")
        .env_remove("SQLPORT_MIGRATIONS")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

/// migrate, showmigrations, a dry run and migrating back, on one database NAME.
fn full_cycle(m: &str, db: &str) {
    // No handler for the RunPython callables: refused before anything runs.
    let o = sqlport(&["migrate", "-m", m, "-d", db]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("add_authors"));
    let shown = ok(sqlport(&["showmigrations", "-m", m, "-d", db]));
    assert!(shown.starts_with("ops\n [ ] 0001_initial\n"), "{shown}");

    let out = ok(sqlport(&[
        "migrate",
        "-m",
        m,
        "-d",
        db,
        "--noop-handler",
        "*",
    ]));
    let applying: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("  Applying ops."))
        .collect();
    assert_eq!(applying.len(), 9, "{out}");
    assert_eq!(applying[0], "  Applying ops.0001_initial... OK");
    let shown = ok(sqlport(&["showmigrations", "ops", "-m", m, "-d", db]));
    assert_eq!(shown.matches("[X]").count(), 9, "{shown}");
    let again = ok(sqlport(&[
        "migrate",
        "-m",
        m,
        "-d",
        db,
        "--noop-handler",
        "*",
    ]));
    assert!(again.contains("No migrations to apply."), "{again}");

    // Dry run: the plan is printed, nothing changes.
    let plan = ok(sqlport(&[
        "migrate", "ops", "0002", "--plan", "-m", m, "-d", db,
    ]));
    assert!(
        plan.contains("Planned operations:\nops.0009_callable_defaults\n"),
        "{plan}"
    );
    assert!(
        plan.contains("    Undo Add field created to book"),
        "{plan}"
    );
    let shown = ok(sqlport(&["showmigrations", "--plan", "-m", m, "-d", db]));
    assert_eq!(shown.matches("[X]").count(), 9, "{shown}");

    // Back to 0002, then to zero.
    let back = ok(sqlport(&[
        "migrate",
        "ops",
        "0002",
        "-m",
        m,
        "-d",
        db,
        "--noop-handler",
        "*",
    ]));
    assert!(back.contains("  Unapplying ops.0003_sql... OK"), "{back}");
    let shown = ok(sqlport(&["showmigrations", "-m", m, "-d", db]));
    assert_eq!(shown.matches("[X]").count(), 2, "{shown}");
    ok(sqlport(&[
        "migrate",
        "ops",
        "zero",
        "-m",
        m,
        "-d",
        db,
        "--noop-handler",
        "*",
    ]));
    let shown = ok(sqlport(&["showmigrations", "-m", m, "-d", db]));
    assert_eq!(shown.matches("[X]").count(), 0, "{shown}");
}

#[test]
fn migrate_showmigrations_and_back_on_a_local_file() {
    let tmp = tempfile::tempdir().unwrap();
    let m = migrations_dir(tmp.path());
    let db = tmp.path().join("db.sqlite3");
    full_cycle(m.to_str().unwrap(), db.to_str().unwrap());
}

#[test]
fn migrate_showmigrations_and_back_over_http() {
    let tmp = tempfile::tempdir().unwrap();
    let m = migrations_dir(tmp.path());
    let server = TestServer::start(ServerConfig {
        database: LocalTarget::Path(tmp.path().join("served.sqlite3")),
        ..Default::default()
    })
    .unwrap();
    full_cycle(m.to_str().unwrap(), &server.url());
}

#[test]
fn sqlmigrate_prints_what_django_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let m = migrations_dir(tmp.path());
    let m = m.to_str().unwrap();
    for (name, file) in [
        ("0003", "0003_sql.sql"),
        ("0004_separate", "0004_separate.sql"),
        ("0007", "0007_order.sql"),
    ] {
        let expected = std::fs::read_to_string(fixtures().join("sql").join(file)).unwrap();
        assert_eq!(
            ok(sqlport(&["sqlmigrate", "ops", name, "-m", m])),
            expected,
            "{name}"
        );
    }
    let expected = std::fs::read_to_string(fixtures().join("sql/0003_sql.backwards.sql")).unwrap();
    let back = ok(sqlport(&[
        "sqlmigrate",
        "ops",
        "0003",
        "--backwards",
        "-m",
        m,
    ]));
    assert_eq!(back, expected);
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let m = migrations_dir(tmp.path());
    let m = m.to_str().unwrap();
    std::fs::write(tmp.path().join("migrations/ops/bad.json"), "{not json").unwrap();
    for args in [
        vec!["sqlmigrate", "ops", "0001", "-m", m],
        vec!["sqlmigrate", "nope", "0001", "-m", "/nonexistent/dir"],
        vec!["migrate", "-m", m],
        vec!["migrate", "-m", m, "-d", "http://[::1"],
    ] {
        let o = sqlport(&args);
        assert!(!o.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.starts_with("sqlport: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    std::fs::remove_file(tmp.path().join("migrations/ops/bad.json")).unwrap();
    // An ambiguous prefix (as in Django) and an unknown migration.
    for args in [
        vec!["sqlmigrate", "ops", "000", "-m", m],
        vec!["sqlmigrate", "ops", "0099", "-m", m],
    ] {
        let o = sqlport(&args);
        assert!(!o.status.success(), "{args:?}");
    }
}

/// The followup golden project (RenameIndex of an unnamed index, a non-atomic migration),
/// plus an app whose RunSQL renames that index behind the migrations' back.
fn followup_dir(tmp: &Path) -> PathBuf {
    let src = fixtures().join("../django_followup/migrations/followup");
    let dir = tmp.join("followup-migrations");
    std::fs::create_dir_all(dir.join("followup")).unwrap();
    std::fs::create_dir_all(dir.join("manual")).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join("followup").join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        dir.join("manual/0001_rename_by_hand.json"),
        r#"{"app_label": "manual", "name": "0001_rename_by_hand",
            "dependencies": [["followup", "0002_index_together"]],
            "operations": [{"op": "RunSQL", "reverse_sql": "",
              "sql": "DROP INDEX \"followup_tag_name_slug_8f6d9b8e_idx\"; CREATE INDEX \"custom_tag_idx\" ON \"followup_tag\" (\"name\", \"slug\");"}]}"#,
    )
    .unwrap();
    dir
}

/// `sqlmigrate` finds the name of an unnamed index as Django does: in the named database
/// when there is one (here renamed by hand, so the computed name would be wrong), else the
/// name a database migrated from empty has; a database without the index is Django's
/// error. `migrate` drops it by its real name.
fn index_names_looked_up(m: &str, db: &str, empty_db: &str) {
    let golden = std::fs::read_to_string(
        fixtures().join("../django_followup/sql/0003_rename_unnamed_index.sql"),
    )
    .unwrap();
    assert_eq!(
        ok(sqlport(&["sqlmigrate", "followup", "0003", "-m", m])),
        golden
    );
    ok(sqlport(&["migrate", "manual", "-m", m, "-d", db]));
    let found = ok(sqlport(&[
        "sqlmigrate",
        "followup",
        "0003",
        "-m",
        m,
        "-d",
        db,
    ]));
    assert_eq!(
        found,
        golden.replace("followup_tag_name_slug_8f6d9b8e_idx", "custom_tag_idx")
    );
    // Without the database: the replayed name (manual is no ancestor of followup 0003).
    assert_eq!(
        ok(sqlport(&["sqlmigrate", "followup", "0003", "-m", m])),
        golden
    );
    let o = sqlport(&["sqlmigrate", "followup", "0003", "-m", m, "-d", empty_db]);
    assert!(!o.status.success(), "{}", stdout(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("found wrong number (0) of indexes"), "{err}");
    let out = ok(sqlport(&["migrate", "-m", m, "-d", db]));
    assert!(
        out.contains("  Applying followup.0004_non_atomic... OK"),
        "{out}"
    );
    let shown = ok(sqlport(&["showmigrations", "-m", m, "-d", db]));
    assert_eq!(shown.matches("[X]").count(), 6, "{shown}");
}

#[test]
fn sqlmigrate_looks_index_names_up_in_the_database_local() {
    let tmp = tempfile::tempdir().unwrap();
    let m = followup_dir(tmp.path());
    let db = tmp.path().join("db.sqlite3");
    let empty = tmp.path().join("empty.sqlite3");
    index_names_looked_up(
        m.to_str().unwrap(),
        db.to_str().unwrap(),
        empty.to_str().unwrap(),
    );
}

#[test]
fn sqlmigrate_looks_index_names_up_in_the_database_over_http() {
    let tmp = tempfile::tempdir().unwrap();
    let m = followup_dir(tmp.path());
    let start = |name: &str| {
        TestServer::start(ServerConfig {
            database: LocalTarget::Path(tmp.path().join(name)),
            ..Default::default()
        })
        .unwrap()
    };
    let (server, empty) = (start("served.sqlite3"), start("empty.sqlite3"));
    index_names_looked_up(m.to_str().unwrap(), &server.url(), &empty.url());
}

/// A non-atomic migration that fails: the migrations before it stay committed, its history
/// row is not written, and the command says what stayed (local and over HTTP).
fn non_atomic_failure(m: &Path, db: &str) {
    let bad = m.join("followup/0004_non_atomic.json");
    let text = std::fs::read_to_string(&bad)
        .unwrap()
        .replace("INSERT INTO followup_author", "INSERT INTO missing_table");
    std::fs::write(&bad, text).unwrap();
    let m = m.to_str().unwrap();
    let o = sqlport(&["migrate", "followup", "-m", m, "-d", db]);
    assert!(!o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("Stopped: committed before the failure (a non-atomic migration runs outside the transaction): applied followup.0001_initial, applied followup.0002_index_together, applied followup.0003_rename_unnamed_index."),
        "{out}"
    );
    let shown = ok(sqlport(&["showmigrations", "followup", "-m", m, "-d", db]));
    assert_eq!(
        shown,
        "followup\n [X] 0001_initial\n [X] 0002_index_together\n [X] 0003_rename_unnamed_index\n [ ] 0004_non_atomic\n [ ] 0005_delete_author_book\n"
    );
}

#[test]
fn a_failing_non_atomic_migration_local() {
    let tmp = tempfile::tempdir().unwrap();
    let m = followup_dir(tmp.path());
    let db = tmp.path().join("db.sqlite3");
    non_atomic_failure(&m, db.to_str().unwrap());
}

#[test]
fn a_failing_non_atomic_migration_over_http() {
    let tmp = tempfile::tempdir().unwrap();
    let m = followup_dir(tmp.path());
    let server = TestServer::start(ServerConfig {
        database: LocalTarget::Path(tmp.path().join("served.sqlite3")),
        ..Default::default()
    })
    .unwrap();
    non_atomic_failure(&m, &server.url());
}
