//! Golden tests from real Django 5.1.15 for RunPython, RunSQL, SeparateDatabaseAndState,
//! AlterIndexTogether, AlterOrderWithRespectTo, callable defaults in remakes and the
//! many-to-many switch (fixtures/django_ops, made by tools/django).

use sqlport_core::{Statement, Transport, Value};
use sqlport_schema::{
    Direction, Handlers, Migration, MigrationGraph, Migrator, ProjectState, SchemaError, Target,
};

use crate::TempDb;

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/django_ops")
}

fn migrations() -> Vec<Migration> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir().join("migrations/ops"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for p in files {
        out.push(Migration::from_json_str(&std::fs::read_to_string(&p).unwrap()).unwrap());
    }
    out
}

/// Clock and uuid4 values differ run to run (as in Django): compared by shape.
fn normalise(s: &str) -> String {
    let mut out = String::new();
    for part in s.split('\'').enumerate() {
        let (i, text) = part;
        if i % 2 == 1 {
            let is_clock = text.len() >= 19
                && text.as_bytes()[4] == b'-'
                && text.as_bytes()[10] == b' '
                && text.as_bytes()[13] == b':';
            let is_date =
                text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
            let is_uuid = text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit());
            out.push('\'');
            out.push_str(if is_clock {
                "<now>"
            } else if is_date {
                "<today>"
            } else if is_uuid {
                "<uuid4>"
            } else {
                text
            });
            out.push('\'');
        } else {
            out.push_str(text);
        }
    }
    out
}

#[test]
fn sqlmigrate_forwards_and_backwards_match_django() {
    let g = MigrationGraph::new(migrations(), &[]).unwrap();
    let mut compared = 0;
    for m in migrations() {
        let key = (m.app_label.clone(), m.name.clone());
        for (backwards, suffix) in [(false, ""), (true, ".backwards")] {
            let mut state = g.project_state(&ProjectState::new(), &key, false).unwrap();
            let ours = if backwards {
                m.sqlmigrate_backwards(&state)
            } else {
                m.sqlmigrate(&mut state)
            };
            let base = dir().join("sql").join(&m.name);
            let expected = std::fs::read_to_string(format!("{}{suffix}.sql", base.display()));
            match expected {
                Ok(text) => {
                    let ours = ours.unwrap_or_else(|e| panic!("{} {suffix}: {e}", m.name));
                    assert_eq!(normalise(&ours), normalise(&text), "{}{suffix}", m.name);
                }
                Err(_) => {
                    // Django refuses (the many-to-many switch): so do we.
                    assert!(std::fs::metadata(format!("{}{suffix}.error", base.display())).is_ok());
                    assert!(
                        matches!(ours, Err(SchemaError::Unsupported(_))),
                        "{}{suffix}: {ours:?}",
                        m.name
                    );
                }
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 20);
}

fn schema_rows(t: &mut dyn Transport) -> Vec<Vec<Value>> {
    t.execute(&Statement::new(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name",
    ))
    .unwrap()
    .rows
    .iter()
    .map(|r| r.values().to_vec())
    .collect()
}

fn handlers() -> Handlers {
    let mut h = Handlers::new();
    h.register("add_authors", |t| {
        t.execute(&Statement::new(
            "INSERT INTO \"ops_author\" (\"name\") VALUES ('ada')",
        ))?;
        Ok(())
    });
    h.register("remove_authors", |t| {
        t.execute(&Statement::new(
            "DELETE FROM \"ops_author\" WHERE \"name\" = 'ada'",
        ))?;
        Ok(())
    });
    h
}

#[test]
fn migrate_matches_django_schema_and_runs_handlers_and_backwards() {
    let all: Vec<Migration> = migrations()
        .into_iter()
        .filter(|m| m.name != "0010_m2m_switch")
        .collect();
    let db = TempDb::new("django-ops");
    let mut t = db.connect();
    let h = handlers();
    let base = ProjectState::new();
    let done = Migrator::new(&base, &all).handlers(&h).run(&mut t).unwrap();
    assert_eq!(done.len(), 9);
    // Django's schema after its migrate, exactly (sqlite_master text included).
    let expected: Vec<Vec<serde_json::Value>> =
        serde_json::from_str(&std::fs::read_to_string(dir().join("schema_migrate.json")).unwrap())
            .unwrap();
    let to_json = |v: &Value| match v {
        Value::Text(s) => serde_json::Value::String(s.clone()),
        _ => serde_json::Value::Null,
    };
    let ours: Vec<Vec<serde_json::Value>> = schema_rows(&mut t)
        .iter()
        .map(|r| r.iter().map(to_json).collect())
        .collect();
    assert_eq!(ours, expected);
    // The handler ran inside the migration; RunSQL with parameters too.
    let rs = t
        .execute(&Statement::new(
            "SELECT COUNT(*) FROM ops_author WHERE name = 'ada'",
        ))
        .unwrap();
    assert_eq!(rs.rows[0].values()[0], Value::Integer(1));
    let rs = t
        .execute(&Statement::new("SELECT body FROM ops_note ORDER BY id"))
        .unwrap();
    assert_eq!(rs.rows.len(), 2);
    assert_eq!(rs.rows[1].values()[0], Value::Text("100%!".into()));
    // Back to before 0003: its reverse SQL and 0004.. unapplied, atomically.
    let back = Migrator::new(&base, &all)
        .handlers(&h)
        .target(Target::Migration("ops".into(), "0002".into()))
        .run(&mut t)
        .unwrap();
    assert!(back.iter().all(|(_, d)| *d == Direction::Backwards));
    assert_eq!(back.last().unwrap().0.name, "0003_sql");
    let tables: Vec<Value> = schema_rows(&mut t)
        .into_iter()
        .map(|r| r[1].clone())
        .collect();
    assert!(!tables.contains(&Value::Text("ops_note".into())));
    // All the way back: the reverse handler removes the row, then the tables go.
    Migrator::new(&base, &all)
        .handlers(&h)
        .target(Target::Zero("ops".into()))
        .run(&mut t)
        .unwrap();
    let tables: Vec<Value> = schema_rows(&mut t)
        .into_iter()
        .map(|r| r[1].clone())
        .collect();
    assert!(!tables.contains(&Value::Text("ops_author".into())));
}

#[test]
fn a_missing_handler_fails_before_anything_runs() {
    let all = migrations();
    let db = TempDb::new("django-ops-missing");
    let mut t = db.connect();
    let base = ProjectState::new();
    let err = Migrator::new(&base, &all[..2]).run(&mut t).unwrap_err();
    match err {
        SchemaError::MissingHandler(name) => assert!(name.ends_with("add_authors"), "{name}"),
        other => panic!("{other}"),
    }
    // Nothing ran: not even the history table.
    assert!(schema_rows(&mut t).is_empty());
    assert!(t.is_autocommit());
}

#[test]
fn a_failing_handler_rolls_everything_back() {
    let all = migrations();
    let db = TempDb::new("django-ops-fail");
    let mut t = db.connect();
    let mut h = Handlers::new();
    h.register("add_authors", |_| Err("no authors today".into()));
    let base = ProjectState::new();
    let err = Migrator::new(&base, &all[..2])
        .handlers(&h)
        .run(&mut t)
        .unwrap_err();
    assert!(matches!(err, SchemaError::Handler { .. }), "{err}");
    assert!(schema_rows(&mut t).is_empty());
    // An irreversible migration cannot be unapplied, and nothing changes.
    let mut ok = Handlers::new();
    ok.register("add_authors", |_| Ok(()));
    let one = vec![
        all[0].clone(),
        Migration::from_json_str(
            r#"{"app_label": "ops", "name": "0002_x", "dependencies": [["ops", "0001_initial"]],
                "operations": [{"op": "RunSQL", "sql": "SELECT 1"}]}"#,
        )
        .unwrap(),
    ];
    Migrator::new(&base, &one).run(&mut t).unwrap();
    let before = schema_rows(&mut t);
    let err = Migrator::new(&base, &one)
        .target(Target::Zero("ops".into()))
        .run(&mut t)
        .unwrap_err();
    assert!(matches!(err, SchemaError::Irreversible(_)), "{err}");
    assert_eq!(schema_rows(&mut t), before);
}
