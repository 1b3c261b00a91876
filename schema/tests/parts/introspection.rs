//! Introspection of the fixture database against the final models.

use sqlport_schema::{Difference, Field, FieldKind, diff, introspect};

use crate::TempDb;
use crate::golden::final_state;

#[test]
fn fixture_db_matches_final_models() {
    let db = TempDb::copy_of("db.sqlite3");
    let mut t = db.connect();
    let actual = introspect(&mut t).unwrap();
    let expected = final_state().expected_schema().unwrap();
    assert!(expected.tables.len() > 20);
    let d = diff(&expected, &actual, false);
    assert_eq!(d, vec![], "{d:#?}");
    // Only django_migrations is not described by the models.
    let extra = diff(&expected, &actual, true);
    assert_eq!(
        extra,
        vec![Difference::ExtraTable("django_migrations".into())]
    );
}

#[test]
fn one_changed_field_is_reported() {
    let db = TempDb::copy_of("db.sqlite3");
    let mut t = db.connect();
    let actual = introspect(&mut t).unwrap();
    let mut state = final_state();
    let label = state.get_mut("shop", "Label").unwrap();
    let i = label.fields.iter().position(|(n, _)| n == "label").unwrap();
    label.fields[i].1 = Field::new(FieldKind::CharField).max_length(50).null(true);
    let d = diff(&state.expected_schema().unwrap(), &actual, false);
    assert_eq!(
        d,
        vec![Difference::ColumnMismatch {
            table: "shop_label".into(),
            column: "label".into(),
            property: "type",
            expected: "varchar(50)".into(),
            actual: "varchar(40)".into(),
        }]
    );
}

#[test]
fn async_introspection_matches_blocking() {
    let db = TempDb::copy_of("db.sqlite3");
    let mut t = db.connect();
    let blocking = introspect(&mut t).unwrap();
    use sqlport_core::AsyncConnector;
    let connector = sqlport_local::async_connector(
        sqlport_local::LocalConnector::open_path(&db.0, sqlport_local::LocalConfig::default())
            .unwrap(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let from_async = rt.block_on(async {
        let mut at = connector.connect().await.unwrap();
        sqlport_schema::introspect_async(at.as_mut()).await.unwrap()
    });
    assert_eq!(blocking, from_async);
}
