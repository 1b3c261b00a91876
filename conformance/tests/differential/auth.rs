//! Generated sequences on the servers that check JWTs: missing, malformed,
//! foreign, expired and read-only tokens on every endpoint.

use serde_json::json;

use crate::sequence::*;
use crate::tokens::{foreign, now_plus, token};

fn tokens_and_schemes() -> Seq {
    let mut s = Seq::new("auth::tokens", Group::Auth);
    let valid = token(&json!({"exp": now_plus(3600)}));
    let expired = token(&json!({"exp": now_plus(-3600)}));
    let just_expired = token(&json!({"exp": now_plus(-10)}));
    let noexp = token(&json!({}));
    let wrong_key = foreign(&json!({"exp": now_plus(3600)}));
    let ro = token(&json!({"a": "ro"}));
    let rw = token(&json!({"a": "rw"}));
    let id_default = token(&json!({"id": "default"}));
    let id_other = token(&json!({"id": "other"}));
    let not_yet = token(&json!({"nbf": now_plus(3600)}));
    let p_rw = token(&json!({"p": {"rw": {"ns": ["default"]}}}));
    let p_ro = token(&json!({"p": {"ro": {"ns": ["default"]}}}));
    let p_other = token(&json!({"p": {"rw": {"ns": ["other"]}}}));
    let select = json!([exec("SELECT 1"), close()]);

    s.authorization(None);
    s.v3("no token", "", select.clone());
    s.get("GET /v3 without a token", "/v3");
    s.get("GET /health without a token", "/health");
    s.post(
        "v1 without a token",
        "/v1/execute",
        &json!({"stmt": {"sql": "SELECT 1"}}),
    );
    s.cursor("cursor without a token", "", json!([step("SELECT 1")]));
    for (label, header) in [
        ("valid", format!("Bearer {valid}")),
        ("lower-case scheme", format!("bearer {valid}")),
        ("upper-case scheme", format!("BEARER {valid}")),
        ("no exp", format!("Bearer {noexp}")),
        ("a: rw", format!("Bearer {rw}")),
        ("id: default", format!("Bearer {id_default}")),
        ("p: rw on default", format!("Bearer {p_rw}")),
        ("expired", format!("Bearer {expired}")),
        (
            "expired within the leeway",
            format!("Bearer {just_expired}"),
        ),
        ("signed by another key", format!("Bearer {wrong_key}")),
        ("id: other", format!("Bearer {id_other}")),
        ("nbf in the future", format!("Bearer {not_yet}")),
        ("p: rw on another namespace", format!("Bearer {p_other}")),
        ("a: ro", format!("Bearer {ro}")),
        ("garbage", "Bearer abc.def.ghi".to_owned()),
        ("not a JWT", "Bearer x".to_owned()),
        ("empty bearer", "Bearer ".to_owned()),
        ("Basic scheme", "Basic dXNlcjpwYXNz".to_owned()),
        ("no scheme", valid.clone()),
        ("two spaces", format!("Bearer  {valid}")),
    ] {
        s.authorization(Some(&header));
        s.v3(label, "", select.clone());
    }
    s.authorization(None);
    s.send(
        "x-authorization header",
        "POST",
        "/v3/pipeline",
        &[
            ("Content-Type", "application/json"),
            ("x-authorization", &format!("Bearer {valid}")),
        ],
        Some(select.to_string()),
    );
    s.send(
        "both headers, bad Authorization",
        "POST",
        "/v3/pipeline",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", "Bearer x"),
            ("x-authorization", &format!("Bearer {valid}")),
        ],
        Some(select.to_string()),
    );
    s.bearer(&p_ro);
    s.v3("p: ro reads", "", select.clone());
    s.v3(
        "p: ro writes",
        "",
        json!([exec("CREATE TABLE au_p (x)"), close()]),
    );
    s
}

fn read_only() -> Seq {
    let mut s = Seq::new("auth::read_only", Group::Auth);
    let rw = token(&json!({"a": "rw"}));
    let ro = token(&json!({"a": "ro"}));
    let roa = token(&json!({"a": "roa"}));
    s.bearer(&rw);
    s.once("create", "CREATE TABLE au_t (x)");
    s.once("insert", "INSERT INTO au_t VALUES (1)");
    for (who, t) in [("ro", &ro), ("roa", &roa)] {
        s.bearer(t);
        s.v3(
            &format!("{who}: select"),
            "",
            json!([exec("SELECT * FROM au_t"), close()]),
        );
        s.v3(
            &format!("{who}: insert"),
            "",
            json!([exec("INSERT INTO au_t VALUES (2)"), close()]),
        );
        s.v3(
            &format!("{who}: read then write"),
            "",
            json!([exec("SELECT 1"), exec("DELETE FROM au_t"), close()]),
        );
        s.v3(
            &format!("{who}: ddl"),
            "",
            json!([exec("CREATE TABLE au_ro (x)")]),
        );
        s.v3(
            &format!("{who}: transactions"),
            "",
            json!([
                exec("BEGIN"),
                exec("SELECT 1"),
                exec("SAVEPOINT a"),
                exec("RELEASE a"),
                exec("COMMIT"),
                close()
            ]),
        );
        for sql in [
            "PRAGMA foreign_keys",
            "PRAGMA foreign_keys = OFF",
            "PRAGMA user_version",
            "PRAGMA table_info(au_t)",
            "PRAGMA journal_mode",
            "PRAGMA integrity_check",
            "EXPLAIN DELETE FROM au_t",
            "EXPLAIN QUERY PLAN SELECT 1",
            "SELECT no_such_column",
            "SELEC 1",
            "REINDEX",
            "WITH c AS (SELECT 1) SELECT * FROM c",
            "DETACH foo",
            "ATTACH foo AS bar",
        ] {
            s.v3(&format!("{who}: {sql}"), "", json!([exec(sql), close()]));
        }
        s.v3(
            &format!("{who}: describe a write"),
            "",
            json!([{"type": "describe", "sql": "DELETE FROM au_t"}, close()]),
        );
        s.v3(
            &format!("{who}: store a write"),
            "",
            json!([{"type": "store_sql", "sql_id": 1, "sql": "DELETE FROM au_t"}, close()]),
        );
        s.v3(
            &format!("{who}: sequence"),
            "",
            json!([{"type": "sequence", "sql": "SELECT 1; DELETE FROM au_t"}, close()]),
        );
        s.v3(
            &format!("{who}: batch"),
            "",
            json!([
                batch(json!([step("SELECT 1"), step("DELETE FROM au_t")])),
                close()
            ]),
        );
        s.cursor(
            &format!("{who}: cursor read"),
            "",
            json!([step("SELECT * FROM au_t")]),
        );
        s.cursor(
            &format!("{who}: cursor write"),
            "",
            json!([step("SELECT 1"), step("DELETE FROM au_t")]),
        );
        s.cursor(
            &format!("{who}: cursor write on a stream"),
            &format!("@{who}k"),
            json!([step("SELECT 1"), step("DELETE FROM au_t")]),
        );
        s.v3(
            &format!("{who}: that stream after the cut"),
            &format!("@{who}k"),
            json!([exec("SELECT 1"), close()]),
        );
        s.post(
            &format!("{who}: v1 read"),
            "/v1/execute",
            &json!({"stmt": {"sql": "SELECT * FROM au_t"}}),
        );
        s.post(
            &format!("{who}: v1 write"),
            "/v1/execute",
            &json!({"stmt": {"sql": "DELETE FROM au_t"}}),
        );
        s.post(
            &format!("{who}: v1 batch write"),
            "/v1/batch",
            &json!({"batch": {"steps": [step("DELETE FROM au_t")]}}),
        );
        s.v3(
            &format!("{who}: stream for later"),
            &format!("@{who}"),
            json!([exec("SELECT 1")]),
        );
        s.v3(
            &format!("{who}: write on that stream"),
            &format!("@{who}"),
            json!([exec("DELETE FROM au_t")]),
        );
        s.v3(
            &format!("{who}: stream after the 403"),
            &format!("@{who}"),
            json!([exec("SELECT 1")]),
        );
    }
    s.bearer(&rw);
    s.once("nothing was deleted", "SELECT count(*) FROM au_t");
    s.v3("rw stream", "@w", json!([exec("SELECT 1")]));
    s.authorization(None);
    s.v3("same stream, no token", "@w", json!([exec("SELECT 2")]));
    s.bearer(&ro);
    s.v3(
        "same stream, read-only token",
        "@w",
        json!([exec("INSERT INTO au_t VALUES (5)")]),
    );
    s.bearer(&rw);
    s.v3(
        "same stream, back to rw",
        "@w",
        json!([exec("SELECT 3"), close()]),
    );
    s
}

pub fn all() -> Vec<Seq> {
    vec![tokens_and_schemes(), read_only()]
}
