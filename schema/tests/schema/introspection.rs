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

#[test]
fn stored_sql_differences_pragma_cannot_see_are_reported() {
    use sqlport_schema::{Condition, Constraint};
    let db = TempDb::copy_of("db.sqlite3");
    let mut t = db.connect();
    let actual = introspect(&mut t).unwrap();
    let mut state = final_state();
    // A collation: PRAGMA table_info does not show it, the stored definition does.
    let all = state.get_mut("shop", "AllFields").unwrap();
    let i = all
        .fields
        .iter()
        .position(|(n, _)| n == "char_collate")
        .unwrap();
    all.fields[i].1 = Field::new(FieldKind::CharField)
        .max_length(60)
        .db_collation("RTRIM");
    // A check constraint's condition.
    let product = state.get_mut("shop", "Product").unwrap();
    for c in &mut product.options.constraints {
        if c.name() == "product_price_gte_0" {
            *c = Constraint::check("product_price_gte_0", Condition::lookup("price__gte", 1));
        }
    }
    let d = diff(&state.expected_schema().unwrap(), &actual, false);
    assert_eq!(
        d,
        vec![
            Difference::ColumnDefinitionMismatch {
                table: "shop_all_fields".into(),
                column: "char_collate".into(),
                expected: "\"char_collate\" varchar(60) COLLATE RTRIM NOT NULL".into(),
                actual: "\"char_collate\" varchar(60) COLLATE NOCASE NOT NULL".into(),
            },
            Difference::MissingConstraint {
                table: "shop_catalog_product".into(),
                sql: "CONSTRAINT \"product_price_gte_0\" CHECK (\"price\" >= '1')".into(),
            },
            Difference::ExtraConstraint {
                table: "shop_catalog_product".into(),
                sql: "CONSTRAINT \"product_price_gte_0\" CHECK (\"price\" >= '0')".into(),
            },
        ]
    );
}
