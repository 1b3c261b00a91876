//! sqlport-schema migrations and introspection over the HTTP transport (both backends),
//! against the reference Hrana server backed by a temporary database file.

use sqlport_conformance::server::{ServerConfig, TestServer};
use sqlport_core::{AsyncTransport, LocalTarget, RemoteTarget, Statement, Transport, Value};
use sqlport_http::{AsyncHttpConnector, HttpConfig, HttpConnector};
use sqlport_schema::{
    Migration, ProjectState, SchemaError, applied_migrations, applied_migrations_async, diff,
    introspect, introspect_async, migrate, migrate_async,
};

fn fixture(name: &str) -> String {
    let p = format!(
        "{}/../schema/tests/fixtures/migrations/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn migration(name: &str) -> Migration {
    Migration::from_json_str(&fixture(name)).unwrap()
}

fn server() -> (tempfile::TempDir, TestServer) {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        database: LocalTarget::Path(dir.path().join("db.sqlite3")),
        ..Default::default()
    };
    (dir, TestServer::start(config).unwrap())
}

fn target(s: &TestServer) -> RemoteTarget {
    RemoteTarget {
        url: s.url().parse().unwrap(),
        auth_token: None,
    }
}

/// A blocking HTTP connection to `s`.
fn blocking(s: &TestServer) -> sqlport_http::HttpTransport {
    HttpConnector::new(&target(s), HttpConfig::default())
        .unwrap()
        .connect_http()
        .unwrap()
}

fn tag_migrations() -> (Migration, Migration) {
    let first = Migration::from_json_str(
        r#"{"app_label": "shop", "name": "0001_initial", "operations": [
            {"op": "CreateModel", "name": "Tag", "fields": [
              ["id", {"class": "AutoField", "primary_key": true}],
              ["label", {"class": "CharField", "max_length": 40}]]}]}"#,
    )
    .unwrap();
    // The first step works; the second is a remake whose copy fails: NOT NULL, no default,
    // on a table with rows.
    let bad = Migration::from_json_str(
        r#"{"app_label": "shop", "name": "0002_bad", "operations": [
            {"op": "AddField", "model_name": "tag", "name": "note", "field": {"class": "TextField", "null": true}},
            {"op": "AddField", "model_name": "tag", "name": "weight", "field": {"class": "IntegerField"}}]}"#,
    )
    .unwrap();
    (first, bad)
}

fn column(rs: &sqlport_core::ResultSet) -> Vec<Value> {
    rs.rows.iter().map(|r| r.values()[0].clone()).collect()
}

const SCHEMA_SQL: &str = "SELECT sql FROM sqlite_master ORDER BY name";

#[test]
fn blocking_http_failed_migration_changes_nothing() {
    let (_dir, s) = server();
    let mut t = blocking(&s);
    let (first, bad) = tag_migrations();
    migrate(&mut t, &ProjectState::new(), std::slice::from_ref(&first)).unwrap();
    t.execute(&Statement::new(
        "INSERT INTO \"shop_tag\" (\"label\") VALUES ('a'), ('b')",
    ))
    .unwrap();
    let before = column(&t.execute(&Statement::new(SCHEMA_SQL)).unwrap());
    let err = migrate(&mut t, &ProjectState::new(), &[first, bad]).unwrap_err();
    assert!(matches!(err, SchemaError::Database(_)), "{err}");
    assert!(t.is_autocommit());
    assert_eq!(
        column(&t.execute(&Statement::new(SCHEMA_SQL)).unwrap()),
        before
    );
    assert_eq!(
        column(
            &t.execute(&Statement::new("SELECT COUNT(*) FROM \"shop_tag\""))
                .unwrap()
        ),
        vec![Value::Integer(2)]
    );
    assert_eq!(applied_migrations(&mut t).unwrap().len(), 1);
    assert_eq!(
        column(&t.execute(&Statement::new("PRAGMA foreign_keys")).unwrap()),
        vec![Value::Integer(1)]
    );
}

#[test]
fn blocking_http_fixture_migrations_match_the_models() {
    let (_dir, s) = server();
    let mut t = blocking(&s);
    t.execute(&Statement::new(
        "CREATE TABLE \"auth_user\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"username\" varchar(150) NOT NULL UNIQUE)",
    ))
    .unwrap();
    let mut base = ProjectState::new();
    migration("auth_stub").apply_state(&mut base).unwrap();
    let migrations: Vec<Migration> = ["0001_initial", "0002_alter", "0003_more_alter"]
        .into_iter()
        .map(migration)
        .collect();
    assert_eq!(migrate(&mut t, &base, &migrations).unwrap().len(), 3);
    let mut state = base.clone();
    for m in &migrations {
        m.apply_state(&mut state).unwrap();
    }
    let mut expected = state.expected_schema().unwrap();
    expected.tables.remove("auth_user");
    let d = diff(&expected, &introspect(&mut t).unwrap(), false);
    assert_eq!(d, vec![], "{d:#?}");
}

#[test]
fn async_http_failed_migration_changes_nothing() {
    let (_dir, s) = server();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut t = AsyncHttpConnector::new(&target(&s), HttpConfig::default())
            .unwrap()
            .connect_http()
            .await
            .unwrap();
        let (first, bad) = tag_migrations();
        migrate_async(&mut t, &ProjectState::new(), std::slice::from_ref(&first))
            .await
            .unwrap();
        t.execute(&Statement::new(
            "INSERT INTO \"shop_tag\" (\"label\") VALUES ('a')",
        ))
        .await
        .unwrap();
        let before = introspect_async(&mut t).await.unwrap();
        let err = migrate_async(&mut t, &ProjectState::new(), &[first, bad])
            .await
            .unwrap_err();
        assert!(matches!(err, SchemaError::Database(_)), "{err}");
        assert!(t.is_autocommit());
        assert_eq!(introspect_async(&mut t).await.unwrap(), before);
        let rows = t
            .execute(&Statement::new("SELECT COUNT(*) FROM \"shop_tag\""))
            .await
            .unwrap();
        assert_eq!(column(&rows), vec![Value::Integer(1)]);
        assert_eq!(applied_migrations_async(&mut t).await.unwrap().len(), 1);
        let fk = t
            .execute(&Statement::new("PRAGMA foreign_keys"))
            .await
            .unwrap();
        assert_eq!(column(&fk), vec![Value::Integer(1)]);
    });
}

/// Forwards with an async RunPython handler, then back to an earlier target and to zero,
/// over the async HTTP backend; a failing handler rolls the whole plan back.
#[test]
fn async_http_migrator_forwards_and_backwards_with_handlers() {
    use sqlport_schema::{Direction, Handlers, Migrator, Target};
    let (_dir, s) = server();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let m = |text: &str| Migration::from_json_str(text).unwrap();
    let all = vec![
        m(
            r#"{"app_label": "shop", "name": "0001_initial", "operations": [
            {"op": "CreateModel", "name": "Tag", "fields": [
              ["id", {"class": "AutoField", "primary_key": true}],
              ["label", {"class": "CharField", "max_length": 40}]]}]}"#,
        ),
        m(
            r#"{"app_label": "shop", "name": "0002_fill", "dependencies": [["shop", "0001_initial"]],
            "operations": [{"op": "RunPython", "code": "shop.migrations.0002_fill.fill",
                            "reverse_code": "shop.migrations.0002_fill.unfill"}]}"#,
        ),
        m(
            r#"{"app_label": "shop", "name": "0003_weight", "dependencies": [["shop", "0002_fill"]],
            "operations": [{"op": "AddField", "model_name": "tag", "name": "weight",
                            "field": {"class": "IntegerField", "default": 3}}]}"#,
        ),
    ];
    let mut h = Handlers::new();
    h.register_async("fill", |t| {
        Box::pin(async move {
            t.execute(&Statement::new("INSERT INTO shop_tag (label) VALUES ('a')"))
                .await?;
            Ok(())
        })
    });
    h.register_async("unfill", |t| {
        Box::pin(async move {
            t.execute(&Statement::new("DELETE FROM shop_tag")).await?;
            Ok(())
        })
    });
    let mut broken = Handlers::new();
    broken.register_async("fill", |_| Box::pin(async { Err("refused".into()) }));
    rt.block_on(async {
        let mut t = AsyncHttpConnector::new(&target(&s), HttpConfig::default())
            .unwrap()
            .connect_http()
            .await
            .unwrap();
        let base = ProjectState::new();
        // A failing handler: nothing at all is applied.
        let err = Migrator::new(&base, &all)
            .handlers(&broken)
            .run_async(&mut t)
            .await
            .unwrap_err();
        assert!(matches!(err, SchemaError::Handler { .. }), "{err}");
        assert!(applied_migrations_async(&mut t).await.unwrap().is_empty());
        assert!(t.is_autocommit());
        let done = Migrator::new(&base, &all)
            .handlers(&h)
            .run_async(&mut t)
            .await
            .unwrap();
        assert_eq!(done.len(), 3);
        let rs = t
            .execute(&Statement::new("SELECT label, weight FROM shop_tag"))
            .await
            .unwrap();
        assert_eq!(
            rs.rows[0].values(),
            &[Value::Text("a".into()), Value::Integer(3)]
        );
        let back = Migrator::new(&base, &all)
            .handlers(&h)
            .target(Target::Migration("shop".into(), "0001".into()))
            .run_async(&mut t)
            .await
            .unwrap();
        assert_eq!(
            back.iter()
                .map(|(r, d)| (r.name.as_str(), *d))
                .collect::<Vec<_>>(),
            vec![
                ("0003_weight", Direction::Backwards),
                ("0002_fill", Direction::Backwards)
            ]
        );
        let rs = t
            .execute(&Statement::new("SELECT COUNT(*) FROM shop_tag"))
            .await
            .unwrap();
        assert_eq!(column(&rs), vec![Value::Integer(0)]);
        Migrator::new(&base, &all)
            .handlers(&h)
            .target(Target::Zero("shop".into()))
            .run_async(&mut t)
            .await
            .unwrap();
        assert!(applied_migrations_async(&mut t).await.unwrap().is_empty());
        let tables = introspect_async(&mut t).await.unwrap();
        assert!(!tables.tables.contains_key("shop_tag"));
    });
}
