//! Golden tests from real Django 5.1.15 (fixtures/django_followup, made by tools/django):
//! `RenameIndex(old_fields=...)`, a non-atomic migration, unapplying `DeleteModel` of a
//! model that another deleted model points at, and the index names Django looks up in the
//! database; and (fixtures/django_non_atomic) what Django's migrate leaves when a
//! non-atomic migration of its own test suite fails.

use std::path::{Path, PathBuf};

use sqlport_core::{Statement, Transport, Value};
use sqlport_schema::{
    Handlers, Migration, MigrationGraph, MigrationPlan, Migrator, OnFailure, ProjectState,
    SchemaError, StepAction, Target, applied_migrations, introspect,
};

use crate::TempDb;

pub(crate) fn fixture(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(sub)
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

pub(crate) fn migrations(sub: &str) -> Vec<Migration> {
    let mut files = Vec::new();
    json_files(&fixture(sub).join("migrations"), &mut files);
    files
        .iter()
        .map(|p| Migration::from_json_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect()
}

pub(crate) fn read_json(sub: &str, file: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(sub).join(file)).unwrap()).unwrap()
}

/// The statements Django's schema editor ran (its history table aside).
pub(crate) fn django_executed(sub: &str, file: &str) -> Vec<String> {
    read_json(sub, file)
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| pair[0].as_str().unwrap().to_string())
        .filter(|s| !s.contains("\"django_migrations\""))
        .collect()
}

/// The statements a plan runs for its migrations (not its own transaction and history
/// steps).
pub(crate) fn plan_sql(plan: &MigrationPlan) -> Vec<String> {
    plan.steps
        .iter()
        .filter(|s| s.name.contains(": step "))
        .filter_map(|s| match &s.action {
            StepAction::Execute(st) => Some(st.sql.to_string()),
            StepAction::RunHandler(_) => None,
        })
        .collect()
}

pub(crate) fn schema_json(t: &mut dyn Transport) -> serde_json::Value {
    let rows = t
        .execute(&Statement::new(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name",
        ))
        .unwrap()
        .rows;
    serde_json::Value::Array(
        rows.iter()
            .map(|r| {
                serde_json::Value::Array(
                    r.values()
                        .iter()
                        .map(|v| match v {
                            Value::Text(s) => serde_json::Value::String(s.clone()),
                            _ => serde_json::Value::Null,
                        })
                        .collect(),
                )
            })
            .collect(),
    )
}

fn history(t: &mut dyn Transport) -> serde_json::Value {
    let recs = applied_migrations(t).unwrap();
    serde_json::Value::Array(
        recs.iter()
            .map(|r| serde_json::json!([r.app, r.name]))
            .collect(),
    )
}

const FOLLOWUP: &str = "django_followup";

#[test]
fn sqlmigrate_forwards_and_backwards_match_django() {
    let all = migrations(FOLLOWUP);
    let g = MigrationGraph::new(all.clone(), &[]).unwrap();
    let base = ProjectState::new();
    let mut compared = 0;
    for m in &all {
        let key = (m.app_label.clone(), m.name.clone());
        for (backwards, suffix) in [(false, ""), (true, ".backwards")] {
            let ours = g.sqlmigrate(&base, &key, backwards, None);
            let path = fixture(FOLLOWUP).join("sql").join(&m.name);
            match std::fs::read_to_string(format!("{}{suffix}.sql", path.display())) {
                Ok(text) => {
                    let ours = ours.unwrap_or_else(|e| panic!("{}{suffix}: {e}", m.name));
                    assert_eq!(ours, text, "{}{suffix}", m.name);
                }
                Err(_) => {
                    // Django renders the state afresh for sqlmigrate: Book's relation to the
                    // deleted Author is a lazy reference it refuses. So do we.
                    assert!(
                        std::path::Path::new(&format!("{}{suffix}.error", path.display())).exists()
                    );
                    assert!(
                        matches!(ours, Err(SchemaError::UnknownModel(_))),
                        "{}{suffix}: {ours:?}",
                        m.name
                    );
                }
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 10);
}

#[test]
fn rename_index_old_fields_describes_and_validates_as_django() {
    let m = Migration::from_json_str(
        r#"{"app_label": "a", "name": "0001", "operations": [
            {"op": "RenameIndex", "model_name": "tag", "new_name": "n", "old_fields": ["x"]},
            {"op": "RenameIndex", "model_name": "tag", "new_name": "n", "old_fields": ["x", "y"],
             "old_fields_is_list": true}]}"#,
    )
    .unwrap();
    assert_eq!(
        m.operations[0].describe(),
        "Rename unnamed index for ('x',) on tag to n"
    );
    assert_eq!(
        m.operations[1].describe(),
        "Rename unnamed index for ['x', 'y'] on tag to n"
    );
    for bad in [
        r#"{"op": "RenameIndex", "model_name": "tag", "new_name": "n"}"#,
        r#"{"op": "RenameIndex", "model_name": "tag", "new_name": "n", "old_name": "o", "old_fields": ["x"]}"#,
        r#"{"op": "RenameIndex", "model_name": "tag", "new_name": "n", "old_fields": [1]}"#,
    ] {
        let r = sqlport_schema::Operation::from_json(&serde_json::from_str(bad).unwrap());
        assert!(
            matches!(r, Err(SchemaError::InvalidValue { .. })),
            "{bad}: {r:?}"
        );
    }
}

/// Migrating and migrating back run exactly the statements Django ran (Django's schema
/// editor, recorded), and leave exactly its sqlite_master: the unnamed index found by
/// introspection, the non-atomic migration, and — backwards — Book recreated while Author
/// is already gone from the state, its FK resolved to Author as it was rendered.
#[test]
fn migrate_and_back_run_djangos_statements_and_leave_its_schema() {
    let all = migrations(FOLLOWUP);
    let db = TempDb::new("followup");
    let mut t = db.connect();
    let base = ProjectState::new();
    let migrator = Migrator::new(&base, &all);
    let plan = migrator
        .plan(
            &applied_migrations(&mut t).unwrap(),
            Some(&introspect(&mut t).unwrap()),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        plan_sql(&plan),
        django_executed(FOLLOWUP, "migrate_executed.json")
    );
    assert_eq!(migrator.run(&mut t).unwrap().len(), 5);
    assert_eq!(
        schema_json(&mut t),
        read_json(FOLLOWUP, "schema_migrate.json")
    );

    let back =
        Migrator::new(&base, &all).target(Target::Migration("followup".into(), "0001".into()));
    let plan = back
        .plan(
            &applied_migrations(&mut t).unwrap(),
            Some(&introspect(&mut t).unwrap()),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        plan_sql(&plan),
        django_executed(FOLLOWUP, "back_executed.json")
    );
    assert_eq!(back.run(&mut t).unwrap().len(), 4);
    assert_eq!(schema_json(&mut t), read_json(FOLLOWUP, "schema_back.json"));
    // The rename of the unnamed index is not undone (a no-op backwards, as in Django), and
    // unapplying index_together then found the index under its new name.
    let rs = t
        .execute(&Statement::new(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'followup_tag'",
        ))
        .unwrap();
    assert_eq!(rs.rows[0].values()[0], Value::Integer(0));
}

/// The plan of a non-atomic migration: what came before is committed, its statements run
/// outside a transaction (a failure there can only restore foreign-key enforcement), its
/// history row comes after everything else succeeded, and a new transaction follows.
#[test]
fn a_non_atomic_migration_runs_outside_the_transaction() {
    let all = migrations(FOLLOWUP);
    let plan = Migrator::new(&ProjectState::new(), &all)
        .plan(&[], None)
        .unwrap()
        .unwrap();
    let names: Vec<&str> = plan.steps.iter().map(|s| s.name.as_str()).collect();
    let first = names
        .iter()
        .position(|n| n.starts_with("followup.0004_non_atomic: step"))
        .unwrap();
    assert_eq!(names[first - 2..first], ["foreign key check", "commit"]);
    let record = names
        .iter()
        .position(|n| *n == "followup.0004_non_atomic: record applied")
        .unwrap();
    assert_eq!(
        names[record - 1],
        "followup.0004_non_atomic: foreign key check"
    );
    for s in &plan.steps[first..=record] {
        assert_eq!(s.on_failure, OnFailure::RestoreForeignKeys, "{}", s.name);
    }
    assert!(plan.steps[record].completes.is_some());
    assert_eq!(names[record + 1], "followup.0005_delete_author_book: begin");
    assert_eq!(
        plan.steps[record + 2].on_failure,
        OnFailure::RollBack,
        "{}",
        plan.steps[record + 2].name
    );
    assert_eq!(
        names[names.len() - 3..],
        ["foreign key check", "commit", "foreign keys on"]
    );
}

/// A non-atomic migration failing half-way: the migrations before it stay applied, its
/// statements that ran stay, its history row is not written, later ones do not run.
#[test]
fn a_failing_non_atomic_migration_keeps_what_ran_but_not_its_history_row() {
    let mut all = migrations(FOLLOWUP);
    let m4 = all
        .iter_mut()
        .find(|m| m.name == "0004_non_atomic")
        .unwrap();
    m4.operations[1] = sqlport_schema::Operation::from_json(&serde_json::json!(
        {"op": "RunSQL", "sql": "INSERT INTO missing_table VALUES (1)", "reverse_sql": ""}
    ))
    .unwrap();
    let db = TempDb::new("followup-fail");
    let mut t = db.connect();
    let base = ProjectState::new();
    let err = Migrator::new(&base, &all).run(&mut t).unwrap_err();
    assert!(matches!(err, SchemaError::Database(_)), "{err}");
    assert!(t.is_autocommit());
    let applied: Vec<String> = applied_migrations(&mut t)
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(
        applied,
        [
            "0001_initial",
            "0002_index_together",
            "0003_rename_unnamed_index"
        ]
    );
    // AddField ran before the failing statement and stays (no transaction to roll back).
    let rs = t
        .execute(&Statement::new(
            "SELECT COUNT(*) FROM pragma_table_info('followup_tag') WHERE name = 'weight'",
        ))
        .unwrap();
    assert_eq!(rs.rows[0].values()[0], Value::Integer(1));
    // 0005 did not run: its tables are still there.
    let rs = t
        .execute(&Statement::new(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'followup_author'",
        ))
        .unwrap();
    assert_eq!(rs.rows[0].values()[0], Value::Integer(1));
    // Foreign-key enforcement is back on.
    let rs = t.execute(&Statement::new("PRAGMA foreign_keys")).unwrap();
    assert_eq!(rs.rows[0].values()[0], Value::Integer(1));
}

fn insert_then_fail(table: &'static str, value: &'static str) -> Handlers {
    let mut h = Handlers::new();
    h.register("raise_error", move |t| {
        t.execute(&Statement::new(format!(
            "INSERT INTO \"{table}\" (\"name\") VALUES ('{value}')"
        )))?;
        Err("Abort migration".into())
    });
    // auth 0011 fills permissions (data only).
    h.register("update_proxy_model_permissions", |_| Ok(()));
    h
}

fn count(t: &mut dyn Transport, table: &str) -> Value {
    t.execute(&Statement::new(format!("SELECT COUNT(*) FROM \"{table}\"")))
        .unwrap()
        .rows[0]
        .values()[0]
        .clone()
}

/// Django's `test_non_atomic_migration` (tests/migrations/test_executor.py) on its own
/// fixture: the RunPython of a non-atomic migration inserts a row and raises; the table
/// and the row stay, the later CreateModel does not run, no history row. The schema and
/// history Django's migrate left are the golden files.
#[test]
fn djangos_non_atomic_test_migration_leaves_what_django_leaves() {
    let sub = "django_non_atomic/test_migrations_non_atomic";
    let all = migrations(sub);
    let db = TempDb::new("non-atomic");
    let mut t = db.connect();
    let h = insert_then_fail("migrations_publisher", "Test Publisher");
    let err = Migrator::new(&ProjectState::new(), &all)
        .handlers(&h)
        .run(&mut t)
        .unwrap_err();
    assert!(matches!(err, SchemaError::Handler { .. }), "{err}");
    assert_eq!(schema_json(&mut t), read_json(sub, "schema_migrate.json"));
    assert_eq!(history(&mut t), read_json(sub, "history_migrate.json"));
    assert_eq!(count(&mut t, "migrations_publisher"), Value::Integer(1));
}

/// Django's `test_atomic_operation_in_non_atomic_migration`: `RunPython(atomic=True)` in a
/// non-atomic migration runs in a transaction of its own, so its insert is rolled back
/// while the CreateModel before it stays; unapplying is atomic in the same way.
#[test]
fn djangos_atomic_operation_test_migration_rolls_back_only_the_operation() {
    let sub = "django_non_atomic/test_migrations_atomic_operation";
    let all = migrations(sub);
    let db = TempDb::new("atomic-op");
    let mut t = db.connect();
    let h = insert_then_fail("migrations_editor", "Test Editor");
    let base = ProjectState::new();
    let err = Migrator::new(&base, &all)
        .handlers(&h)
        .run(&mut t)
        .unwrap_err();
    assert!(matches!(err, SchemaError::Handler { .. }), "{err}");
    assert_eq!(schema_json(&mut t), read_json(sub, "schema_migrate.json"));
    assert_eq!(history(&mut t), read_json(sub, "history_migrate.json"));
    assert_eq!(count(&mut t, "migrations_editor"), Value::Integer(0));
    // Record the migration as applied (Django's test fakes it), then unapply: the reverse
    // handler fails in its own transaction, its row is rolled back, the history row stays.
    t.execute(&Statement::new(
        "INSERT INTO django_migrations (app, name, applied) VALUES ('migrations', '0001_initial', '2000-01-01')",
    ))
    .unwrap();
    let err = Migrator::new(&base, &all)
        .handlers(&h)
        .target(Target::Zero("migrations".into()))
        .run(&mut t)
        .unwrap_err();
    assert!(matches!(err, SchemaError::Handler { .. }), "{err}");
    assert_eq!(count(&mut t, "migrations_editor"), Value::Integer(0));
    let recs = applied_migrations(&mut t).unwrap();
    assert!(
        recs.iter()
            .any(|r| r.app == "migrations" && r.name == "0001_initial")
    );
}
