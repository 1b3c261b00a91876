//! Migrations through the local transport: all-or-nothing, recorded in django_migrations.

use sqlport_core::{Statement, Transport, Value};
use sqlport_schema::{Migration, ProjectState, applied_migrations, diff, introspect, migrate};

use crate::TempDb;
use crate::golden::migration;

fn auth_base() -> ProjectState {
    let mut s = ProjectState::new();
    migration("auth_stub").apply_state(&mut s).unwrap();
    s
}

fn exec(t: &mut dyn Transport, sql: &str) {
    t.execute(&Statement::new(sql)).unwrap();
}

fn scalar(t: &mut dyn Transport, sql: &str) -> Value {
    let rs = t.execute(&Statement::new(sql)).unwrap();
    rs.rows[0].values()[0].clone()
}

fn schema_sql(t: &mut dyn Transport) -> Vec<Value> {
    let rs = t
        .execute(&Statement::new(
            "SELECT sql FROM sqlite_master ORDER BY name",
        ))
        .unwrap();
    rs.rows.iter().map(|r| r.values()[0].clone()).collect()
}

#[test]
fn fixture_migrations_apply_and_match_the_models() {
    let db = TempDb::new("migrate");
    let mut t = db.connect();
    // The auth table the shop migrations reference.
    exec(
        &mut t,
        "CREATE TABLE \"auth_user\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"username\" varchar(150) NOT NULL UNIQUE)",
    );
    let migrations: Vec<Migration> = ["0001_initial", "0002_alter", "0003_more_alter"]
        .into_iter()
        .map(migration)
        .collect();
    let applied = migrate(&mut t, &auth_base(), &migrations).unwrap();
    assert_eq!(applied.len(), 3);
    assert_eq!(applied_migrations(&mut t).unwrap(), applied);
    // The history table is stored exactly as Django stores it.
    assert_eq!(
        scalar(&mut t, "SELECT sql FROM sqlite_master WHERE name = 'django_migrations'"),
        Value::Text("CREATE TABLE \"django_migrations\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"app\" varchar(255) NOT NULL, \"name\" varchar(255) NOT NULL, \"applied\" datetime NOT NULL)".into())
    );
    // serde works too.
    let via_serde: Migration =
        serde_json::from_str(&crate::golden::fixture("migrations/0002_alter.json")).unwrap();
    assert_eq!(via_serde, migrations[1]);
    // Running again applies nothing.
    assert!(
        migrate(&mut t, &auth_base(), &migrations)
            .unwrap()
            .is_empty()
    );
    // Foreign keys are back on.
    assert_eq!(scalar(&mut t, "PRAGMA foreign_keys"), Value::Integer(1));
    // The result matches the final models (shop tables only: auth is a stub).
    let mut state = auth_base();
    for m in &migrations {
        m.apply_state(&mut state).unwrap();
    }
    let mut expected = state.expected_schema().unwrap();
    expected.tables.remove("auth_user");
    let d = diff(&expected, &introspect(&mut t).unwrap(), false);
    assert_eq!(d, vec![], "{d:#?}");
}

#[test]
fn failing_migration_leaves_the_database_unchanged() {
    let db = TempDb::new("fail");
    let mut t = db.connect();
    let first = Migration::from_json_str(
        r#"{"app_label": "shop", "name": "0001_initial", "operations": [
            {"op": "CreateModel", "name": "Tag", "fields": [
              ["id", {"class": "AutoField", "primary_key": true}],
              ["label", {"class": "CharField", "max_length": 40}]]}]}"#,
    )
    .unwrap();
    migrate(&mut t, &ProjectState::new(), std::slice::from_ref(&first)).unwrap();
    exec(
        &mut t,
        "INSERT INTO \"shop_tag\" (\"label\") VALUES ('a'), ('b')",
    );
    let before = schema_sql(&mut t);
    // Step one succeeds (a nullable column), step two cannot: NOT NULL without a default
    // on a table with rows makes the remake's INSERT fail.
    let second = Migration::from_json_str(
        r#"{"app_label": "shop", "name": "0002_bad", "operations": [
            {"op": "AddField", "model_name": "tag", "name": "note", "field": {"class": "TextField", "null": true}},
            {"op": "AddField", "model_name": "tag", "name": "weight", "field": {"class": "IntegerField"}}]}"#,
    )
    .unwrap();
    let err = migrate(&mut t, &ProjectState::new(), &[first.clone(), second]).unwrap_err();
    assert!(
        matches!(err, sqlport_schema::SchemaError::Database(_)),
        "{err}"
    );
    assert_eq!(schema_sql(&mut t), before);
    assert_eq!(
        scalar(&mut t, "SELECT COUNT(*) FROM \"shop_tag\""),
        Value::Integer(2)
    );
    assert_eq!(applied_migrations(&mut t).unwrap().len(), 1);
    assert!(t.is_autocommit());
    assert_eq!(scalar(&mut t, "PRAGMA foreign_keys"), Value::Integer(1));
}

#[test]
fn foreign_key_violation_rolls_back() {
    let db = TempDb::new("fk");
    let mut t = db.connect();
    let first = Migration::from_json_str(
        r#"{"app_label": "shop", "name": "0001_initial", "operations": [
            {"op": "CreateModel", "name": "Tag", "fields": [["label", {"class": "CharField", "max_length": 40}]]},
            {"op": "CreateModel", "name": "Item", "fields": [["n", {"class": "IntegerField"}]]}]}"#,
    )
    .unwrap();
    migrate(&mut t, &ProjectState::new(), std::slice::from_ref(&first)).unwrap();
    exec(&mut t, "INSERT INTO \"shop_item\" (\"n\") VALUES (1)");
    let before = schema_sql(&mut t);
    // A NOT NULL FK with a default that points at no row: the remake copies it, and the
    // foreign key check at the end refuses the migration.
    let second = Migration::from_json_str(
        r#"{"app_label": "shop", "name": "0002_fk", "operations": [
            {"op": "AddField", "model_name": "item", "name": "tag", "field": {"class": "ForeignKey", "to": "shop.tag", "default": 99, "on_delete": "CASCADE"}}]}"#,
    )
    .unwrap();
    let err = migrate(&mut t, &ProjectState::new(), &[first, second]).unwrap_err();
    assert!(
        matches!(err, sqlport_schema::SchemaError::Migration(_)),
        "{err}"
    );
    assert_eq!(schema_sql(&mut t), before);
    assert_eq!(applied_migrations(&mut t).unwrap().len(), 1);
}

#[test]
fn migrating_inside_a_transaction_is_refused() {
    let db = TempDb::new("tx");
    let mut t = db.connect();
    exec(&mut t, "BEGIN");
    let m = Migration::from_json_str(r#"{"app_label": "a", "name": "0001", "operations": []}"#)
        .unwrap();
    // Refused up front by the guard (not by SQLite failing the nested BEGIN),
    // and the caller's transaction is left as it was.
    let err = migrate(&mut t, &ProjectState::new(), std::slice::from_ref(&m)).unwrap_err();
    assert!(
        matches!(err, sqlport_schema::SchemaError::Migration(_)),
        "{err}"
    );
    let plan = sqlport_schema::MigrationPlan::build(&ProjectState::new(), &[m], &[]).unwrap();
    let err = sqlport_schema::execute_plan(&mut t, &plan).unwrap_err();
    assert!(
        matches!(err, sqlport_schema::SchemaError::Migration(_)),
        "{err}"
    );
    assert!(!t.is_autocommit());
    exec(&mut t, "ROLLBACK");
}

#[test]
fn async_driver_applies_and_rolls_back_like_the_blocking_one() {
    use sqlport_core::AsyncConnector;
    use sqlport_schema::{applied_migrations_async, introspect_async, migrate_async};
    let db = TempDb::new("async");
    let connector = sqlport_local::async_connector(
        sqlport_local::LocalConnector::open_path(&db.0, sqlport_local::LocalConfig::default())
            .unwrap(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut t = connector.connect().await.unwrap();
        let first = Migration::from_json_str(
            r#"{"app_label": "shop", "name": "0001_initial", "operations": [
                {"op": "CreateModel", "name": "Tag", "fields": [
                  ["label", {"class": "CharField", "max_length": 40}]]}]}"#,
        )
        .unwrap();
        let bad = Migration::from_json_str(
            r#"{"app_label": "shop", "name": "0002_bad", "operations": [
                {"op": "AddField", "model_name": "tag", "name": "weight", "field": {"class": "IntegerField"}}]}"#,
        )
        .unwrap();
        let done = migrate_async(t.as_mut(), &ProjectState::new(), std::slice::from_ref(&first)).await.unwrap();
        assert_eq!(done.len(), 1);
        t.execute(&Statement::new("INSERT INTO \"shop_tag\" (\"label\") VALUES ('a')")).await.unwrap();
        let before = introspect_async(t.as_mut()).await.unwrap();
        assert!(migrate_async(t.as_mut(), &ProjectState::new(), &[first, bad]).await.is_err());
        assert_eq!(introspect_async(t.as_mut()).await.unwrap(), before);
        assert_eq!(applied_migrations_async(t.as_mut()).await.unwrap().len(), 1);
        assert!(t.is_autocommit());
    });
}

#[test]
fn continues_the_history_of_a_django_migrated_database() {
    let db = TempDb::copy_of("db.sqlite3");
    let mut t = db.connect();
    let before = applied_migrations(&mut t).unwrap();
    assert!(
        before
            .iter()
            .any(|r| r.app == "shop" && r.name == "0003_more_alter")
    );
    let mut base = ProjectState::new();
    for f in [
        "contrib_contenttypes",
        "contrib_auth",
        "contrib_admin",
        "contrib_sessions",
    ] {
        migration(f).apply_state(&mut base).unwrap();
    }
    let mut migrations: Vec<Migration> = ["0001_initial", "0002_alter", "0003_more_alter"]
        .into_iter()
        .map(migration)
        .collect();
    // Django applied these already: nothing to do.
    assert!(migrate(&mut t, &base, &migrations).unwrap().is_empty());
    // A new migration written on the Rust side runs on top of Django's history, and the
    // database then matches the models exactly.
    t.execute(&Statement::new(
        "INSERT INTO \"shop_label\" (\"label\", \"priority\") VALUES ('x', 1)",
    ))
    .unwrap();
    migrations.push(
        Migration::from_json_str(
            r#"{"app_label": "shop", "name": "0004_rust", "operations": [
                {"op": "AddField", "model_name": "label", "name": "rank", "field": {"class": "IntegerField", "default": 7}},
                {"op": "AddField", "model_name": "label", "name": "owner", "field": {"class": "ForeignKey", "null": true, "to": "auth.user", "on_delete": "SET_NULL"}},
                {"op": "CreateModel", "name": "Note", "fields": [
                    ["id", {"class": "BigAutoField", "primary_key": true}],
                    ["label", {"class": "ForeignKey", "to": "shop.label", "on_delete": "CASCADE"}],
                    ["text", {"class": "TextField"}]]}]}"#,
        )
        .unwrap(),
    );
    let applied = migrate(&mut t, &base, &migrations).unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied_migrations(&mut t).unwrap().len(), before.len() + 1);
    assert_eq!(
        scalar(
            &mut t,
            "SELECT \"rank\" FROM \"shop_label\" WHERE \"label\" = 'x'"
        ),
        Value::Integer(7)
    );
    let mut state = base.clone();
    for m in &migrations {
        m.apply_state(&mut state).unwrap();
    }
    let d = diff(
        &state.expected_schema().unwrap(),
        &introspect(&mut t).unwrap(),
        false,
    );
    assert_eq!(d, vec![], "{d:#?}");
}

#[test]
fn a_plan_made_stale_by_someone_else_is_refused() {
    use sqlport_schema::{MigrationPlan, execute_plan};
    let db = TempDb::new("stale");
    let mut t = db.connect();
    let m = Migration::from_json_str(
        r#"{"app_label": "shop", "name": "0001_initial", "operations": [
            {"op": "CreateModel", "name": "Tag", "fields": [["label", {"class": "CharField", "max_length": 40}]]}]}"#,
    )
    .unwrap();
    // Planned while nothing was applied...
    let plan = MigrationPlan::build(&ProjectState::new(), std::slice::from_ref(&m), &[]).unwrap();
    // ...but another process applies it first.
    migrate(&mut t, &ProjectState::new(), std::slice::from_ref(&m)).unwrap();
    let before = schema_sql(&mut t);
    let err = execute_plan(&mut t, &plan).unwrap_err();
    assert!(
        matches!(err, sqlport_schema::SchemaError::Migration(_)),
        "{err}"
    );
    assert_eq!(schema_sql(&mut t), before);
    assert_eq!(applied_migrations(&mut t).unwrap().len(), 1);
    assert!(t.is_autocommit());
}

#[test]
fn alter_unique_together_drops_the_index_by_its_real_name() {
    use sqlport_schema::{MigrationPlan, execute_plan};
    let m = |name: &str, ops: &str| {
        Migration::from_json_str(&format!(
            r#"{{"app_label": "shop", "name": "{name}", "operations": [{ops}]}}"#
        ))
        .unwrap()
    };
    let all = vec![
        m(
            "0001",
            r#"{"op": "CreateModel", "name": "Supplier", "fields": [
                ["code", {"class": "CharField", "max_length": 12, "primary_key": true}],
                ["name", {"class": "CharField", "max_length": 20}],
                ["country", {"class": "CharField", "max_length": 2}]],
               "options": {"unique_together": [["name", "country"]]}}"#,
        ),
        m(
            "0002",
            r#"{"op": "AlterModelTable", "name": "supplier", "table": "shop_vendor"}"#,
        ),
        m(
            "0003",
            r#"{"op": "AlterUniqueTogether", "name": "supplier", "unique_together": []}"#,
        ),
    ];
    let index_count = |t: &mut dyn Transport| {
        scalar(
            t,
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE '%_uniq'",
        )
    };

    // In one plan: the index was made by the plan itself under the old table name.
    let db = TempDb::new("ut1");
    let mut t = db.connect();
    migrate(&mut t, &ProjectState::new(), &all).unwrap();
    assert_eq!(index_count(&mut t), Value::Integer(0));

    // In two runs: the second finds the name in the database, as Django does.
    let db = TempDb::new("ut2");
    let mut t = db.connect();
    migrate(&mut t, &ProjectState::new(), &all[..2]).unwrap();
    assert_eq!(index_count(&mut t), Value::Integer(1));
    // Without looking at the database, the computed name is wrong (the table was renamed).
    let blind = MigrationPlan::build(
        &ProjectState::new(),
        &all,
        &applied_migrations(&mut t).unwrap(),
    )
    .unwrap();
    let err = execute_plan(&mut t, &blind).unwrap_err();
    assert!(
        matches!(err, sqlport_schema::SchemaError::Database(_)),
        "{err}"
    );
    assert_eq!(
        migrate(&mut t, &ProjectState::new(), &all).unwrap().len(),
        1
    );
    assert_eq!(index_count(&mut t), Value::Integer(0));
}

#[test]
fn unique_together_index_is_found_after_a_column_rename_forwards_and_backwards() {
    use sqlport_schema::{Migrator, Target};
    let m = |name: &str, dep: &str, ops: &str| {
        Migration::from_json_str(&format!(
            r#"{{"app_label": "shop", "name": "{name}", "dependencies": [{dep}], "operations": [{ops}]}}"#
        ))
        .unwrap()
    };
    let all = vec![
        m(
            "0001",
            "",
            r#"{"op": "CreateModel", "name": "Item", "fields": [
                ["a", {"class": "IntegerField"}], ["b", {"class": "IntegerField"}]],
               "options": {"unique_together": [["a", "b"]]}}"#,
        ),
        m(
            "0002",
            r#"["shop", "0001"]"#,
            r#"{"op": "RenameField", "model_name": "item", "old_name": "b", "new_name": "c"}"#,
        ),
        m(
            "0003",
            r#"["shop", "0002"]"#,
            r#"{"op": "AlterUniqueTogether", "name": "item", "unique_together": []}"#,
        ),
    ];
    let uniq = |t: &mut dyn Transport| {
        scalar(
            t,
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE '%_uniq'",
        )
    };
    let base = ProjectState::new();
    // Two runs: the index made by the first is found by its (renamed) columns.
    let db = TempDb::new("ut-col");
    let mut t = db.connect();
    let to = |n: &str| Target::Migration("shop".into(), n.into());
    Migrator::new(&base, &all)
        .target(to("0002"))
        .run(&mut t)
        .unwrap();
    Migrator::new(&base, &all).run(&mut t).unwrap();
    assert_eq!(uniq(&mut t), Value::Integer(0));
    // Backwards in one plan: 0003 re-creates it (named after the current columns), 0002
    // renames the column back, and unapplying 0001 drops the table.
    Migrator::new(&base, &all)
        .target(to("0001"))
        .run(&mut t)
        .unwrap();
    assert_eq!(uniq(&mut t), Value::Integer(1));
    Migrator::new(&base, &all).run(&mut t).unwrap();
    assert_eq!(uniq(&mut t), Value::Integer(0));
    // One plan on a fresh database: the index the plan made under the old column name is
    // dropped by that name.
    let fresh = TempDb::new("ut-col-fresh");
    let mut t = fresh.connect();
    Migrator::new(&base, &all).run(&mut t).unwrap();
    assert_eq!(uniq(&mut t), Value::Integer(0));
}
