//! Golden tests from real Django 5.1.15 (fixtures/django_numeric, made by tools/django):
//! expressions whose output field is a `DecimalField` are wrapped in
//! `(CAST(... AS NUMERIC))` by Django's SQLite backend (`SQLiteNumericMixin`) at every
//! level — expression indexes and unique constraints (and the parenthesising wrapper
//! around them), generated columns, database defaults — and a plain column reference in an
//! index is not parenthesised. Found by the generated differential corpus (an expression
//! index on a field altered to a `DecimalField`). And (0003) functions SQLite's backend
//! renders in its own way: `Concat` (`||` over `COALESCE`), `Left`/`Right` (`SUBSTR`),
//! `StrIndex`, `Chr`, `Ord`, `Greatest`, `Least`, `JSONObject`, the `%` operator.

use sqlport_schema::{
    Migration, MigrationGraph, Migrator, ProjectState, Target, applied_migrations, introspect,
};

use crate::TempDb;
use crate::django_followup::{
    django_executed, fixture, migrations, plan_sql, read_json, schema_json,
};

const NUMERIC: &str = "django_numeric";

#[test]
fn sqlmigrate_casts_decimal_expressions_as_django() {
    let all: Vec<Migration> = migrations(NUMERIC);
    let g = MigrationGraph::new(all.clone(), &[]).unwrap();
    let mut compared = 0;
    for m in &all {
        let key = (m.app_label.clone(), m.name.clone());
        for (backwards, suffix) in [(false, ""), (true, ".backwards")] {
            let ours = g
                .sqlmigrate(&ProjectState::new(), &key, backwards, None)
                .unwrap_or_else(|e| panic!("{}{suffix}: {e}", m.name));
            let path = fixture(NUMERIC)
                .join("sql")
                .join(format!("{}{suffix}.sql", m.name));
            assert_eq!(
                ours,
                std::fs::read_to_string(path).unwrap(),
                "{}{suffix}",
                m.name
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 6);
}

/// `migrate` runs exactly Django's statements and leaves its sqlite_master (SQLite accepts
/// the casts: the expressions of the indexes are what Django made), and back.
#[test]
fn migrate_and_back_leave_djangos_schema() {
    let all = migrations(NUMERIC);
    let db = TempDb::new("numeric");
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
        django_executed(NUMERIC, "migrate_executed.json")
    );
    assert_eq!(migrator.run(&mut t).unwrap().len(), 3);
    assert_eq!(
        schema_json(&mut t),
        read_json(NUMERIC, "schema_migrate.json")
    );
    let back =
        Migrator::new(&base, &all).target(Target::Migration("numeric".into(), "0001".into()));
    let plan = back
        .plan(
            &applied_migrations(&mut t).unwrap(),
            Some(&introspect(&mut t).unwrap()),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        plan_sql(&plan),
        django_executed(NUMERIC, "back_executed.json")
    );
    assert_eq!(back.run(&mut t).unwrap().len(), 2);
    assert_eq!(schema_json(&mut t), read_json(NUMERIC, "schema_back.json"));
}
