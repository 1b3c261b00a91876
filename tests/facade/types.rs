//! The type integrations through `sqlport::blocking` on the local transport:
//! a typed write and read on `:memory:` with Django's column types, the real
//! Django fixture file read through the transport, and rows written by
//! sqlport stored exactly as Django stores them.
//!
//! Set `SQLPORT_DJANGO_TYPES_OUT=/path/file.sqlite3` to keep the file sqlport
//! writes, then check that Django reads it back:
//! `python core/tests/fixtures/django_types/django_types.py check /path/file.sqlite3`.

#[path = "../../core/tests/django_types/fixture.rs"]
mod fixture;

use sqlport::types::chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use sqlport::types::rust_decimal::Decimal;
use sqlport::types::serde_json::{self, json};
use sqlport::types::uuid::Uuid;
use sqlport::types::{Json, time};
use sqlport::{ErrorKind, Value, params};

/// The columns Django's SQLite backend declares for these fields.
const EVENT_DDL: &str = r#"CREATE TABLE "event" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" datetime NULL,
    "day" date NULL,
    "start" time NULL,
    "length" bigint NULL,
    "uid" char(32) NULL,
    "data" text NULL CHECK ((JSON_VALID("data") OR "data" IS NULL)),
    "price" decimal NULL
)"#;

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Tags {
    name: String,
    tags: Vec<String>,
}

#[test]
fn typed_write_and_read_on_memory() {
    let db = sqlport::blocking::Database::open(":memory:").unwrap();
    let mut conn = db.connect().unwrap();
    conn.execute(EVENT_DDL, ()).unwrap();

    let at = Utc
        .with_ymd_and_hms(2024, 2, 29, 12, 34, 56)
        .unwrap()
        .checked_add_signed(TimeDelta::microseconds(123_456))
        .unwrap();
    let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    let start = NaiveTime::from_hms_opt(9, 30, 0).unwrap();
    let length = TimeDelta::days(-1) - TimeDelta::microseconds(1);
    let uid = Uuid::parse_str("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d").unwrap();
    let data = json!({"name": "café", "n": [1, 2.5]});
    let price: Decimal = "12.50".parse().unwrap();
    conn.execute(
        "INSERT INTO event (at, day, start, length, uid, data, price) VALUES (?, ?, ?, ?, ?, ?, ?)",
        params![at, day, start, length, uid, data, price],
    )
    .unwrap();

    // Stored exactly as Django stores these fields.
    let raw = conn
        .query_row(
            "SELECT at, day, start, length, uid, data, price, typeof(price) FROM event",
            (),
            |r| Ok(r.values().to_vec()),
        )
        .unwrap();
    assert_eq!(
        raw,
        vec![
            Value::Text("2024-02-29 12:34:56.123456".into()),
            Value::Text("2024-02-29".into()),
            Value::Text("09:30:00".into()),
            Value::Integer(-86_400_000_001),
            Value::Text("a1b2c3d4e5f64a7b8c9d0e1f2a3b4c5d".into()),
            Value::Text(r#"{"n": [1, 2.5], "name": "caf\u00e9"}"#.into()),
            Value::Real(12.5),
            Value::Text("real".into()),
        ]
    );

    // Read back through chrono, uuid, serde_json and rust_decimal.
    conn.query_row(
        "SELECT at, day, start, length, uid, data, price FROM event",
        (),
        |r| {
            assert_eq!(r.get::<DateTime<Utc>>(0)?, at);
            assert_eq!(r.get::<NaiveDate>(1)?, day);
            assert_eq!(r.get::<NaiveTime>(2)?, start);
            assert_eq!(r.get::<TimeDelta>(3)?, length);
            assert_eq!(r.get::<Uuid>(4)?, uid);
            assert_eq!(r.get::<serde_json::Value>(5)?, data);
            assert_eq!(r.get::<Decimal>(6)?, price);
            // The same storage through the `time` crate.
            assert_eq!(
                r.get::<time::OffsetDateTime>(0)?.unix_timestamp(),
                at.timestamp()
            );
            assert_eq!(r.get::<time::Date>(1)?.to_string(), "2024-02-29");
            assert_eq!(
                r.get::<time::Duration>(3)?.whole_microseconds(),
                -86_400_000_001
            );
            Ok(())
        },
    )
    .unwrap();

    // A typed serde value, and SQL NULL through Option.
    let tags = Tags {
        name: "x".into(),
        tags: vec!["a".into()],
    };
    conn.execute(
        "UPDATE event SET data = ?, at = ?",
        params![Json(&tags), None::<DateTime<Utc>>],
    )
    .unwrap();
    let (back, at_back) = conn
        .query_row("SELECT data, at FROM event", (), |r| {
            Ok((r.get::<Json<Tags>>(0)?, r.get::<Option<DateTime<Utc>>>(1)?))
        })
        .unwrap();
    assert_eq!(back.0, tags);
    assert_eq!(at_back, None);

    // A wrong type is a conversion error, never a panic.
    let err = conn
        .query_scalar::<NaiveDate>("SELECT uid FROM event", ())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
    let err = conn
        .query_scalar::<Uuid>("SELECT 'not-a-uuid'", ())
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
    // A value Django cannot hold is refused when binding.
    let year_zero = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
    let err = conn
        .execute("UPDATE event SET day = ?", params![year_zero])
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conversion);
}

fn copy_fixture(dir: &std::path::Path) -> std::path::PathBuf {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("core/tests/fixtures/django_types/django_types.sqlite3");
    let dst = dir.join("django_types.sqlite3");
    std::fs::copy(src, &dst).unwrap();
    dst
}

fn table_values(conn: &mut sqlport::blocking::Connection, table: &str) -> Vec<(String, Value)> {
    conn.query(
        &format!(r#"SELECT label, value FROM "{table}" ORDER BY id"#),
        (),
    )
    .unwrap()
    .rows
    .iter()
    .map(|r| (r.get::<String>(0).unwrap(), r.get::<Value>(1).unwrap()))
    .collect()
}

#[test]
fn django_fixture_file_reads_through_the_local_transport() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlport::blocking::Database::open(copy_fixture(dir.path()).to_str().unwrap()).unwrap();
    let mut conn = db.connect().unwrap();
    for table in fixture::TABLES {
        let expected: Vec<(String, Value)> = fixture::rows(table)
            .into_iter()
            .map(|r| (r.label, r.stored))
            .collect();
        // What the transport hands to FromSql is what the dump records, so
        // sqlport-core's fixture tests cover what this file holds.
        assert_eq!(table_values(&mut conn, table), expected, "{table}");
    }
    // A few typed reads straight from Django's rows.
    let at: DateTime<Utc> = conn
        .query_scalar(
            "SELECT value FROM djtypes_awaredatetime WHERE label = 'plus_0530'",
            (),
        )
        .unwrap();
    assert_eq!(at.to_rfc3339(), "2024-06-30T18:00:00.500+00:00");
    let d: Decimal = conn
        .query_scalar(
            "SELECT value FROM djtypes_decimalsample WHERE label = 'tenth'",
            (),
        )
        .unwrap();
    assert_eq!(d.to_string(), "0.1");
    let u: Uuid = conn
        .query_scalar(
            "SELECT value FROM djtypes_uuidsample WHERE label = 'typical'",
            (),
        )
        .unwrap();
    assert_eq!(
        u.hyphenated().to_string(),
        "12345678-1234-5678-1234-567812345678"
    );
}

#[test]
fn rows_written_by_sqlport_are_stored_as_django_stores_them() {
    let dir = tempfile::tempdir().unwrap();
    let django_file = copy_fixture(dir.path());
    let ours_file = dir.path().join("written_by_sqlport.sqlite3");
    std::fs::copy(&django_file, &ours_file).unwrap();
    {
        let theirs = sqlport::blocking::Database::open(django_file.to_str().unwrap()).unwrap();
        let mut theirs = theirs.connect().unwrap();
        let ours = sqlport::blocking::Database::open(ours_file.to_str().unwrap()).unwrap();
        let mut ours = ours.connect().unwrap();
        for table in fixture::TABLES {
            ours.execute(&format!(r#"DELETE FROM "{table}""#), ())
                .unwrap();
            let saved: Vec<_> = fixture::rows(table)
                .into_iter()
                .filter(|r| r.bound.is_some())
                .collect();
            for row in &saved {
                let value = fixture::ours(table, row).expect("all features are on");
                ours.execute(
                    &format!(r#"INSERT INTO "{table}" (label, value) VALUES (?, ?)"#),
                    params![row.label, value],
                )
                .unwrap();
            }
            let django: Vec<_> = table_values(&mut theirs, table)
                .into_iter()
                .filter(|(label, _)| saved.iter().any(|r| &r.label == label))
                .collect();
            let written = table_values(&mut ours, table);
            assert_eq!(written.len(), django.len(), "{table}");
            for ((label, a), (_, b)) in written.iter().zip(&django) {
                if label == "insertion_order" && a != b {
                    // serde_json sorts keys unless `preserve_order` is on.
                    let (Value::Text(a), Value::Text(b)) = (a, b) else {
                        panic!("JSON is text")
                    };
                    assert_eq!(
                        serde_json::from_str::<serde_json::Value>(a).unwrap(),
                        serde_json::from_str::<serde_json::Value>(b).unwrap()
                    );
                    continue;
                }
                assert_eq!(a, b, "{table}.{label}");
            }
        }
        // Leave a plain rollback-journal file that any SQLite (and Django) opens.
        ours.query("PRAGMA journal_mode = DELETE", ()).unwrap();
    }
    if let Ok(out) = std::env::var("SQLPORT_DJANGO_TYPES_OUT") {
        std::fs::copy(&ours_file, &out).unwrap();
        println!("kept the file sqlport wrote at {out}");
    }
}
