//! The servers compared: for each [`Group`], a fresh sqld and a fresh
//! reference server configured alike.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sqlport_conformance::server::{ServerAuth, ServerConfig, TestServer};
use sqlport_conformance::suite::sqld::Sqld;

use crate::http::Client;
use crate::sequence::Group;
use crate::tokens;

/// One sqld and one reference server, configured alike.
pub struct Pair {
    /// Held so the servers run as long as the pair (stopped on drop).
    _sqld: Sqld,
    _reference: TestServer,
    pub sqld_client: Client,
    pub ref_client: Client,
}

/// Every pair, by group.
pub struct Servers {
    pub pairs: HashMap<Group, Pair>,
    /// Holds the key file given to sqld.
    _dir: tempfile::TempDir,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn pair(binary: &Path, extra: &[&str], auth: Option<ServerAuth>) -> std::io::Result<Pair> {
    let sqld = Sqld::start(binary, extra)?;
    let reference = TestServer::start(ServerConfig {
        auth,
        ..ServerConfig::default()
    })?;
    Ok(Pair {
        sqld_client: Client::new(sqld.url()),
        ref_client: Client::new(&reference.url()),
        _sqld: sqld,
        _reference: reference,
    })
}

impl Servers {
    /// Start the pairs of `groups` with the sqld at `binary`.
    pub fn start(binary: &Path, groups: &[Group]) -> std::io::Result<Servers> {
        let dir = tempfile::tempdir()?;
        let own_key = dir.path().join("own.pem");
        std::fs::write(&own_key, tokens::public_pem())?;
        let recorded_key = fixtures().join("auth/public.pem");
        let mut pairs = HashMap::new();
        for &g in groups {
            let p = match g {
                Group::Plain => pair(binary, &[], None)?,
                Group::Auth => pair(
                    binary,
                    &["--auth-jwt-key-file", &own_key.to_string_lossy()],
                    Some(ServerAuth::JwtEd25519 {
                        public_key_pem: tokens::public_pem(),
                    }),
                )?,
                Group::RecordedAuth => pair(
                    binary,
                    &["--auth-jwt-key-file", &recorded_key.to_string_lossy()],
                    Some(ServerAuth::JwtEd25519 {
                        public_key_pem: std::fs::read_to_string(&recorded_key)?,
                    }),
                )?,
            };
            pairs.insert(g, p);
        }
        Ok(Servers { pairs, _dir: dir })
    }
}
