//! [`Probe`]: what the runner detects about the database behind a transport,
//! where no transport can know it because it depends on the server, not on
//! the protocol.
//!
//! A case declares the probes it needs next to its capabilities
//! ([`Case::probes`](super::Case::probes)); before running it, the runner runs
//! each probe on the case's database, and a probe that comes out negative
//! skips the case, naming the probe (`needs exact_real_parameters`), exactly
//! like a missing capability. A probe never hides a transport bug on the
//! built-in subjects: the conformance test targets check that every probe is
//! positive on the local transport and on the reference server.

use sqlport::blocking::Database;

use super::check::{Checked, Failure};
use super::exact_real::exact_real_sql;

/// A property of the server that the runner detects by running SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Probe {
    /// The server stores a bound REAL parameter exactly as the transport sent
    /// it. sqld 0.24 reads the JSON numbers of Hrana parameters with
    /// serde_json's default (fast, not correctly rounded) parser, which is one
    /// unit in the last place off for about one double in five; the transport
    /// sends the shortest decimal that denotes the value exactly. Detected by
    /// binding doubles that such parsers get wrong and comparing them, on the
    /// server, with the same doubles built from integers.
    ExactRealParameters,
}

/// Doubles whose shortest decimal form a fast, not correctly rounded parser
/// reads one ULP off (as sqld 0.24 does; found by running it).
const HARD_REALS: [f64; 4] = [
    123_456_789.123_456_79,
    2.771_507_794_182_597_5e-163,
    2.279_012_170_860_524_3e274,
    -2.920_504_813_106_568_3e-196,
];

impl Probe {
    /// Every probe.
    pub const ALL: [Probe; 1] = [Probe::ExactRealParameters];

    /// A stable snake_case name (distinct from every capability's name).
    pub fn name(self) -> &'static str {
        match self {
            Probe::ExactRealParameters => "exact_real_parameters",
        }
    }

    /// Run the probe on `db`: `Ok(true)` when the server has the property,
    /// `Ok(false)` when it does not, an error when the probe could not run.
    pub fn detect(self, db: &Database) -> Result<bool, Failure> {
        match self {
            Probe::ExactRealParameters => exact_real_parameters(db),
        }
    }
}

impl std::fmt::Display for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

fn exact_real_parameters(db: &Database) -> Result<bool, Failure> {
    let mut conn = db.connect().map_err(Failure::from)?;
    let checks: Vec<String> = HARD_REALS
        .iter()
        .filter_map(|v| exact_real_sql(*v))
        .map(|e| format!("? = {e}"))
        .collect();
    let sql = format!("SELECT {}", checks.join(", "));
    let row = conn.ok_row(&sql, HARD_REALS.to_vec())?;
    let _ = conn.close();
    Ok(row.iter().all(|v| *v == sqlport::Value::Integer(1)))
}
