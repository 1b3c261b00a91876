//! Alteration paths not covered by the fixture migrations.

use sqlport_schema::{Migration, ProjectState};

fn run(base_ops: &str, ops: &str) -> String {
    let mut s = ProjectState::new();
    let base = format!(r#"{{"app_label": "t", "name": "0001", "operations": [{base_ops}]}}"#);
    Migration::from_json_str(&base)
        .unwrap()
        .apply_state(&mut s)
        .unwrap();
    let m = format!(r#"{{"app_label": "t", "name": "0002", "operations": [{ops}]}}"#);
    Migration::from_json_str(&m)
        .unwrap()
        .sqlmigrate(&mut s)
        .unwrap()
}

const BASE: &str = r#"
    {"op": "CreateModel", "name": "Sup", "fields": [
        ["code", {"class": "CharField", "max_length": 12, "primary_key": true}],
        ["name", {"class": "CharField", "max_length": 20, "db_column": "nm"}]]},
    {"op": "CreateModel", "name": "Item", "fields": [
        ["id", {"class": "AutoField", "primary_key": true}],
        ["sup", {"class": "ForeignKey", "to": "t.sup", "on_delete": "CASCADE"}],
        ["tags", {"class": "ManyToManyField", "to": "t.sup"}]]}"#;

#[test]
fn pk_type_change_remakes_referencing_tables() {
    let out = run(
        BASE,
        r#"{"op": "AlterField", "model_name": "sup", "name": "code", "field": {"class": "CharField", "max_length": 20, "primary_key": true}}"#,
    );
    let creates: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("CREATE TABLE"))
        .collect();
    assert_eq!(creates.len(), 3, "{out}");
    assert!(
        creates[0].starts_with("CREATE TABLE \"new__t_sup\" ("),
        "{out}"
    );
    assert!(
        creates[0].contains("\"code\" varchar(20) NOT NULL PRIMARY KEY"),
        "{out}"
    );
    assert!(out.contains("CREATE TABLE \"new__t_item\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"sup_id\" varchar(20) NOT NULL REFERENCES \"t_sup\" (\"code\") DEFERRABLE INITIALLY DEFERRED);"), "{out}");
    assert!(
        out.contains("\"sup_id\" varchar(20) NOT NULL REFERENCES \"t_sup\" (\"code\")"),
        "{out}"
    );
    assert!(out.contains("CREATE TABLE \"new__t_item_tags\""), "{out}");
}

#[test]
fn no_schema_change_is_a_no_op() {
    let out = run(
        BASE,
        r#"
        {"op": "AlterField", "model_name": "sup", "name": "name", "field": {"class": "CharField", "max_length": 20, "db_column": "nm", "verbose_name": "Name", "help_text": "x"}},
        {"op": "RenameField", "model_name": "sup", "old_name": "name", "new_name": "title"},
        {"op": "AlterModelOptions", "name": "sup", "options": {"ordering": ["code"]}}"#,
    );
    assert_eq!(
        out,
        "BEGIN;\n--\n-- Alter field name on sup\n--\n-- (no-op)\n--\n-- Rename field name on sup to title\n--\n-- (no-op)\n--\n-- Change Meta options on sup\n--\n-- (no-op)\nCOMMIT;\n"
    );
}

#[test]
fn delete_model_drops_its_m2m_table_first() {
    let out = run(BASE, r#"{"op": "DeleteModel", "name": "Item"}"#);
    assert_eq!(
        out,
        "BEGIN;\n--\n-- Delete model Item\n--\nDROP TABLE \"t_item_tags\";\nDROP TABLE \"t_item\";\nCOMMIT;\n"
    );
}

#[test]
fn plain_rename_and_drop_column() {
    let out = run(
        r#"{"op": "CreateModel", "name": "A", "fields": [["x", {"class": "IntegerField", "null": true}]]}"#,
        r#"{"op": "RenameField", "model_name": "a", "old_name": "x", "new_name": "y"},
           {"op": "RemoveField", "model_name": "a", "name": "y"}"#,
    );
    assert!(
        out.contains("ALTER TABLE \"t_a\" RENAME COLUMN \"x\" TO \"y\";\n"),
        "{out}"
    );
    assert!(
        out.contains("ALTER TABLE \"t_a\" DROP COLUMN \"y\";\n"),
        "{out}"
    );
}

#[test]
fn non_atomic_and_empty_migrations() {
    let mut s = ProjectState::new();
    let m = Migration::from_json_str(
        r#"{"app_label": "t", "name": "1", "atomic": false, "operations": [
        {"op": "CreateModel", "name": "A", "fields": []}]}"#,
    )
    .unwrap();
    let out = m.sqlmigrate(&mut s).unwrap();
    assert!(out.starts_with("--\n-- Create model A\n--\nCREATE TABLE \"t_a\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT);\n"), "{out}");
    let empty =
        Migration::from_json_str(r#"{"app_label": "t", "name": "2", "operations": []}"#).unwrap();
    assert_eq!(empty.sqlmigrate(&mut s).unwrap(), "");
}

#[test]
fn renaming_an_auto_m2m_recreates_its_table() {
    let out = run(
        BASE,
        r#"{"op": "RenameField", "model_name": "item", "old_name": "tags", "new_name": "labels"}"#,
    );
    let expected = "BEGIN;\n--\n-- Rename field tags on item to labels\n--\n\
CREATE TABLE \"t_item_labels\" (\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT, \"item_id\" integer NOT NULL REFERENCES \"t_item\" (\"id\") DEFERRABLE INITIALLY DEFERRED, \"sup_id\" varchar(12) NOT NULL REFERENCES \"t_sup\" (\"code\") DEFERRABLE INITIALLY DEFERRED);\n\
INSERT INTO \"t_item_labels\" (id, item_id, sup_id) SELECT id, item_id, sup_id FROM \"t_item_tags\";\n\
DROP TABLE \"t_item_tags\";\n\
CREATE UNIQUE INDEX \"t_item_labels_item_id_sup_id_";
    assert!(out.starts_with(expected), "{out}");
    assert_eq!(out.matches("CREATE INDEX").count(), 2, "{out}");
}

#[test]
fn only_non_db_attrs_are_no_ops() {
    let base = r#"{"op": "CreateModel", "name": "F", "fields": [["f", {"class": "FileField", "upload_to": "a/", "choices": [["x", "X"]]}]]}"#;
    let choices = run(
        base,
        r#"{"op": "AlterField", "model_name": "f", "name": "f", "field": {"class": "FileField", "upload_to": "a/", "choices": [["y", "Y"]]}}"#,
    );
    assert!(choices.contains("-- (no-op)"), "{choices}");
    // Django compares every other keyword argument, so this remakes the table on SQLite.
    let upload = run(
        base,
        r#"{"op": "AlterField", "model_name": "f", "name": "f", "field": {"class": "FileField", "upload_to": "b/"}}"#,
    );
    assert!(upload.contains("CREATE TABLE \"new__t_f\""), "{upload}");
}
