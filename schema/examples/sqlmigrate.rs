//! Prints what `python manage.py sqlmigrate` prints for a migration given as JSON.
//!
//! ```text
//! cargo run -p sqlport-schema --example sqlmigrate -- [EARLIER.json ...] FILE.json
//! ```
//!
//! Every file but the last only builds up the project state (the migrations FILE.json
//! depends on, and stubs for other apps such as `auth`); the last one is printed.

use std::process::ExitCode;

use sqlport_schema::{Migration, ProjectState};

fn load(path: &str) -> Result<Migration, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    Migration::from_json_str(&text).map_err(|e| format!("{path}: {e}"))
}

fn run(args: &[String]) -> Result<String, String> {
    let Some((last, earlier)) = args.split_last() else {
        return Err("usage: sqlmigrate [EARLIER.json ...] FILE.json".into());
    };
    let mut state = ProjectState::new();
    for p in earlier {
        load(p)?
            .apply_state(&mut state)
            .map_err(|e| format!("{p}: {e}"))?;
    }
    load(last)?
        .sqlmigrate(&mut state)
        .map_err(|e| format!("{last}: {e}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
