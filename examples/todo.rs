//! A tiny to-do list that runs unchanged on a local SQLite file and on a remote
//! libSQL server: only the NAME in `SQLPORT_DATABASE` changes.
//!
//! ```sh
//! cargo run --example todo -- add "buy milk"
//! cargo run --example todo -- list
//! cargo run --example todo -- done 1
//! SQLPORT_DATABASE=http://127.0.0.1:8080 cargo run --example todo --features http-blocking -- list
//! ```
//! A remote token, if needed, comes from `SQLPORT_AUTH_TOKEN`.

use std::process::ExitCode;

use sqlport::OpenOptions;
use sqlport::blocking::{Connection, Database};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("todo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> sqlport::Result<()> {
    let name = std::env::var("SQLPORT_DATABASE").unwrap_or_else(|_| "todo.db".into());
    let mut options = OpenOptions::new();
    if let Ok(token) = std::env::var("SQLPORT_AUTH_TOKEN") {
        options = options.auth_token(token);
    }
    let db = Database::open_with(&name, options)?;
    let mut conn = db.connect()?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS todo (
             id INTEGER PRIMARY KEY,
             title TEXT NOT NULL CHECK (length(title) > 0),
             done INTEGER NOT NULL DEFAULT 0
         )",
        (),
    )?;
    match args.first().map(String::as_str) {
        Some("add") => {
            let title = args[1..].join(" ");
            let id: i64 =
                conn.query_scalar("INSERT INTO todo (title) VALUES (?) RETURNING id", [title])?;
            println!("added #{id}");
        }
        Some("done") => {
            let id = parse_id(args.get(1))?;
            let changed = conn.execute("UPDATE todo SET done = 1 WHERE id = ?", [id])?;
            println!("{}", if changed == 1 { "done" } else { "no such item" });
        }
        Some("remove") => {
            let id = parse_id(args.get(1))?;
            let changed = conn.execute("DELETE FROM todo WHERE id = ?", [id])?;
            println!(
                "{}",
                if changed == 1 {
                    "removed"
                } else {
                    "no such item"
                }
            );
        }
        Some("clear-done") => {
            // A transaction: count and delete see the same rows.
            let mut tx = conn.transaction()?;
            let n: i64 = tx.query_scalar("SELECT count(*) FROM todo WHERE done", ())?;
            tx.execute("DELETE FROM todo WHERE done", ())?;
            tx.commit()?;
            println!("cleared {n}");
        }
        Some("list") | None => list(&mut conn)?,
        Some(other) => {
            return Err(sqlport::Error::Unsupported(format!(
                "unknown command {other:?} (add TITLE | list | done ID | remove ID | clear-done)"
            )));
        }
    }
    Ok(())
}

fn list(conn: &mut Connection) -> sqlport::Result<()> {
    let rs = conn.query("SELECT id, title, done FROM todo ORDER BY id", ())?;
    for row in &rs.rows {
        let id: i64 = row.get("id")?;
        let title: String = row.get("title")?;
        let done: bool = row.get("done")?;
        println!("[{}] #{id} {title}", if done { "x" } else { " " });
    }
    println!("{} item(s)", rs.rows.len());
    Ok(())
}

fn parse_id(arg: Option<&String>) -> sqlport::Result<i64> {
    arg.and_then(|s| s.parse().ok())
        .ok_or_else(|| sqlport::Error::InvalidArguments("expected an item id".into()))
}
