//! What every subcommand shares: the migrations folder, the base state, the database.

use std::path::{Path, PathBuf};

use sqlport::OpenOptions;
use sqlport::blocking::{Connection, Database};
use sqlport::schema::{Migration, MigrationGraph, MigrationRecord, ProjectState};

/// A command's error: what went wrong, for a person (never the auth token).
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Where the migrations and the database are.
#[derive(Debug, Clone, clap::Args)]
pub struct ProjectArgs {
    /// The folder of JSON migrations (searched recursively for `*.json`).
    #[arg(
        long,
        short = 'm',
        env = "SQLPORT_MIGRATIONS",
        default_value = "migrations"
    )]
    pub migrations: PathBuf,
    /// JSON migrations of apps that are not migrated here (their models form the base
    /// state only, e.g. a stub of `auth.User`).
    #[arg(long = "base")]
    pub base: Vec<PathBuf>,
    /// The database NAME: a file, `:memory:`, `http(s)://...`, `libsql://...`.
    #[arg(long, short = 'd', env = "SQLPORT_DATABASE")]
    pub database: Option<String>,
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<(), Error> {
    if depth > 16 {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            json_files(&p, out, depth + 1)?;
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    Ok(())
}

fn load(path: &Path) -> Result<Migration, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Migration::from_json_str(&text).map_err(|e| format!("{}: {e}", path.display()).into())
}

impl ProjectArgs {
    /// Every migration in the folder.
    pub fn migrations(&self) -> Result<Vec<Migration>, Error> {
        let mut files = Vec::new();
        json_files(&self.migrations, &mut files, 0)?;
        files.iter().map(|p| load(p)).collect()
    }

    /// The base state (apps not migrated here).
    pub fn base(&self) -> Result<ProjectState, Error> {
        let mut state = ProjectState::new();
        for p in &self.base {
            load(p)?
                .apply_state(&mut state)
                .map_err(|e| format!("{}: {e}", p.display()))?;
        }
        Ok(state)
    }

    /// A connection to the database, if one was named.
    pub fn connect(&self) -> Result<Option<Connection>, Error> {
        let Some(name) = &self.database else {
            return Ok(None);
        };
        let mut options = OpenOptions::new();
        if let Ok(token) = std::env::var("SQLPORT_AUTH_TOKEN") {
            options = options.auth_token(token);
        }
        let db = Database::open_with(name, options)?;
        Ok(Some(db.connect()?))
    }

    /// A connection to the database, which must be named.
    pub fn require_connection(&self) -> Result<Connection, Error> {
        self.connect()?
            .ok_or_else(|| "no database: pass --database NAME or set SQLPORT_DATABASE".into())
    }
}

/// The migrations' graph, given what the database has applied.
pub fn graph(
    migrations: Vec<Migration>,
    applied: &[MigrationRecord],
) -> Result<MigrationGraph, Error> {
    Ok(MigrationGraph::new(migrations, applied)?)
}
