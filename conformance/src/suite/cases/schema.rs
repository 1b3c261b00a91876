//! Schema: CREATE/ALTER/DROP and introspection through `PRAGMA table_info`
//! and `sqlite_master`.

use sqlport::blocking::Connection;
use sqlport::{Capability, Value};

use crate::suite::case::Case;
use crate::suite::check::{
    CaseResult, Checked, Failure, ensure_eq, ensure_values, rows_of, strings,
};
use crate::suite::context::Ctx;

pub(super) const CASES: &[Case] = &[
    Case::new("schema::create_alter_drop", &[], create_alter_drop),
    Case::new("schema::table_info", &[], table_info),
    Case::new("schema::sqlite_master", &[], sqlite_master),
    Case::new("schema::index_view_trigger", &[], index_view_trigger),
    Case::new(
        "schema::unrestricted_sql",
        &[Capability::UnrestrictedSql, Capability::ConnectionState],
        unrestricted_sql,
    ),
];

fn column_names(conn: &mut Connection, table: &str) -> Result<Vec<String>, Failure> {
    let rs = conn.ok_query(&format!("PRAGMA table_info({table})"), ())?;
    rs.rows
        .iter()
        .map(|r| r.get::<String>("name").map_err(Failure::from))
        .collect()
}

fn table_exists(conn: &mut Connection, name: &str) -> Result<bool, Failure> {
    let n: i64 = conn.ok_one(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
        [name],
    )?;
    Ok(n == 1)
}

fn create_alter_drop(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["sc_people", "sc_persons"])?;
    conn.ok_execute(
        "CREATE TABLE sc_people (id INTEGER PRIMARY KEY, name TEXT)",
        (),
    )?;
    conn.ok_execute("INSERT INTO sc_people (name) VALUES ('ada')", ())?;
    ensure_eq(
        None,
        "columns",
        strings(&["id", "name"]),
        column_names(&mut conn, "sc_people")?,
    )?;
    conn.ok_execute(
        "ALTER TABLE sc_people ADD COLUMN age INTEGER NOT NULL DEFAULT 0",
        (),
    )?;
    ensure_eq(
        None,
        "columns after ADD COLUMN",
        strings(&["id", "name", "age"]),
        column_names(&mut conn, "sc_people")?,
    )?;
    conn.ok_execute("ALTER TABLE sc_people RENAME COLUMN name TO full_name", ())?;
    ensure_eq(
        None,
        "columns after RENAME COLUMN",
        strings(&["id", "full_name", "age"]),
        column_names(&mut conn, "sc_people")?,
    )?;
    conn.ok_execute("ALTER TABLE sc_people RENAME TO sc_persons", ())?;
    ensure_eq(
        None,
        "old name exists after RENAME TO",
        false,
        table_exists(&mut conn, "sc_people")?,
    )?;
    ensure_eq(
        None,
        "new name exists after RENAME TO",
        true,
        table_exists(&mut conn, "sc_persons")?,
    )?;
    let sql = "SELECT full_name, age FROM sc_persons";
    let row = conn.ok_row(sql, ())?;
    ensure_values(
        Some(sql),
        &[Value::Text("ada".into()), Value::Integer(0)],
        &row,
    )?;
    conn.ok_execute("ALTER TABLE sc_persons DROP COLUMN age", ())?;
    ensure_eq(
        None,
        "columns after DROP COLUMN",
        strings(&["id", "full_name"]),
        column_names(&mut conn, "sc_persons")?,
    )?;
    conn.ok_execute("DROP TABLE sc_persons", ())?;
    ensure_eq(
        None,
        "table exists after DROP TABLE",
        false,
        table_exists(&mut conn, "sc_persons")?,
    )?;
    conn.ok_execute(
        "CREATE TABLE IF NOT EXISTS sc_people (id INTEGER PRIMARY KEY)",
        (),
    )?;
    conn.ok_execute(
        "CREATE TABLE IF NOT EXISTS sc_people (id INTEGER PRIMARY KEY)",
        (),
    )?;
    let err = conn.execute("CREATE TABLE sc_people (id INTEGER PRIMARY KEY)", ());
    ensure_eq(
        Some("CREATE TABLE sc_people (…) when it exists"),
        "SQLite primary code",
        Some(sqlport::codes::SQLITE_ERROR),
        err.err().and_then(|e| e.sqlite_code()),
    )?;
    conn.drop_tables(&["sc_people"])
}

fn table_info(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["sc_info"])?;
    conn.ok_execute(
        "CREATE TABLE sc_info (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(100) NOT NULL, score REAL DEFAULT 1.5, note TEXT DEFAULT 'n/a', raw)",
        (),
    )?;
    let sql = "PRAGMA table_info(sc_info)";
    let rs = conn.ok_query(sql, ())?;
    let names: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
    ensure_eq(
        Some(sql),
        "columns",
        vec!["cid", "name", "type", "notnull", "dflt_value", "pk"],
        names,
    )?;
    let rows = rows_of(&rs);
    let t = |s: &str| Value::Text(s.into());
    let i = Value::Integer;
    let expected = vec![
        vec![i(0), t("id"), t("INTEGER"), i(0), Value::Null, i(1)],
        vec![i(1), t("name"), t("VARCHAR(100)"), i(1), Value::Null, i(0)],
        vec![i(2), t("score"), t("REAL"), i(0), t("1.5"), i(0)],
        vec![i(3), t("note"), t("TEXT"), i(0), t("'n/a'"), i(0)],
        vec![i(4), t("raw"), t(""), i(0), Value::Null, i(0)],
    ];
    ensure_eq(Some(sql), "rows", expected, rows)?;
    conn.drop_tables(&["sc_info"])
}

fn sqlite_master(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["sc_master"])?;
    let create = "CREATE TABLE sc_master (id INTEGER PRIMARY KEY, email TEXT)";
    conn.ok_execute(create, ())?;
    conn.ok_execute(
        "CREATE UNIQUE INDEX sc_master_email ON sc_master (email)",
        (),
    )?;
    let sql = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name = 'sc_master' ORDER BY type DESC";
    let rs = conn.ok_query(sql, ())?;
    let rows = rows_of(&rs);
    let t = |s: &str| Value::Text(s.into());
    let expected = vec![
        vec![t("table"), t("sc_master"), t("sc_master"), t(create)],
        vec![
            t("index"),
            t("sc_master_email"),
            t("sc_master"),
            t("CREATE UNIQUE INDEX sc_master_email ON sc_master (email)"),
        ],
    ];
    ensure_eq(Some(sql), "rows", expected, rows)?;
    let sql = "SELECT name FROM sqlite_schema WHERE name = 'sc_master'";
    let row = conn.ok_row(sql, ())?;
    ensure_values(Some(sql), &[t("sc_master")], &row)?;
    conn.drop_tables(&["sc_master"])
}

fn index_view_trigger(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.ok_execute("DROP VIEW IF EXISTS sc_big", ())?;
    conn.drop_tables(&["sc_items", "sc_log"])?;
    conn.ok_execute(
        "CREATE TABLE sc_items (id INTEGER PRIMARY KEY, n INTEGER)",
        (),
    )?;
    conn.ok_execute("CREATE TABLE sc_log (item INTEGER)", ())?;
    conn.ok_execute("CREATE INDEX sc_items_n ON sc_items (n)", ())?;
    conn.ok_execute(
        "CREATE VIEW sc_big AS SELECT id FROM sc_items WHERE n > 10",
        (),
    )?;
    conn.ok_execute(
        "CREATE TRIGGER sc_items_ins AFTER INSERT ON sc_items BEGIN INSERT INTO sc_log VALUES (new.id); END",
        (),
    )?;
    conn.ok_execute("INSERT INTO sc_items (n) VALUES (5), (50), (500)", ())?;
    let sql = "SELECT id FROM sc_big ORDER BY id";
    let rs = conn.ok_query(sql, ())?;
    let got = rows_of(&rs);
    ensure_eq(
        Some(sql),
        "rows",
        vec![vec![Value::Integer(2)], vec![Value::Integer(3)]],
        got,
    )?;
    let n: i64 = conn.ok_one("SELECT count(*) FROM sc_log", ())?;
    ensure_eq(
        Some("SELECT count(*) FROM sc_log"),
        "rows the trigger wrote",
        3,
        n,
    )?;
    let sql = "SELECT type, name FROM sqlite_master WHERE type <> 'table' AND tbl_name IN ('sc_items', 'sc_log', 'sc_big') ORDER BY name";
    let rs = conn.ok_query(sql, ())?;
    let got = rows_of(&rs);
    let t = |s: &str| Value::Text(s.into());
    ensure_eq(
        Some(sql),
        "rows",
        vec![
            vec![t("view"), t("sc_big")],
            vec![t("trigger"), t("sc_items_ins")],
            vec![t("index"), t("sc_items_n")],
        ],
        got,
    )?;
    conn.ok_execute("DROP TRIGGER sc_items_ins", ())?;
    conn.ok_execute("DROP VIEW sc_big", ())?;
    conn.ok_execute("DROP INDEX sc_items_n", ())?;
    conn.drop_tables(&["sc_items", "sc_log"])
}

fn unrestricted_sql(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.ok_execute("CREATE TEMP TABLE sc_temp (x INTEGER)", ())?;
    conn.ok_execute("INSERT INTO sc_temp VALUES (1)", ())?;
    let n: i64 = conn.ok_one("SELECT count(*) FROM sc_temp", ())?;
    ensure_eq(
        Some("SELECT count(*) FROM sc_temp"),
        "rows in the temp table",
        1,
        n,
    )?;
    conn.ok_query("ANALYZE", ())?;
    conn.ok_execute("DROP TABLE sc_temp", ())?;
    conn.ok_query("VACUUM", ())?;
    Ok(())
}
