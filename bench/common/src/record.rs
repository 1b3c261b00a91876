//! Result records: one JSON object per line on stdout, merged by
//! `sqlport-bench report`.

use serde::{Deserialize, Serialize};

/// One measured figure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// The scenario (`local_point`, `remote_seq`, ...).
    pub scenario: String,
    /// Who was measured (`sqlport`, `sqlport_async`, `rusqlite`, `libsql`, ...).
    pub client: String,
    /// The round (1-based); ratios are taken per round, then their median.
    pub round: u32,
    /// What was measured (`us_per_op`, `cpu_us_per_op`, `requests_per_op`,
    /// `connections_per_op`, `peak_mib`, `rows`, `failed`).
    pub metric: String,
    /// The figure.
    pub value: f64,
    /// A note (an error message when the run failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Print one record as a JSON line on stdout.
pub fn emit(scenario: &str, client: &str, round: u32, metric: &str, value: f64) {
    emit_note(scenario, client, round, metric, value, None);
}

/// Print one record with a note.
pub fn emit_note(
    scenario: &str,
    client: &str,
    round: u32,
    metric: &str,
    value: f64,
    note: Option<String>,
) {
    let r = Record {
        scenario: scenario.into(),
        client: client.into(),
        round,
        metric: metric.into(),
        value,
        note,
    };
    if let Ok(line) = serde_json::to_string(&r) {
        println!("{line}");
    }
    eprintln!(
        "  {scenario:<16} {client:<16} round {round} {metric:<18} {value:>12.3}{}",
        r.note
            .as_deref()
            .map(|n| format!("  ({n})"))
            .unwrap_or_default()
    );
}

/// Read records from JSON lines (other lines are skipped).
pub fn parse(text: &str) -> Vec<Record> {
    text.lines()
        .filter_map(|l| serde_json::from_str(l.trim()).ok())
        .collect()
}
