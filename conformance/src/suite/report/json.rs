//! The JSON format (documented in the crate docs).

use serde_json::{Value, json};

use crate::suite::runner::{Outcome, Report};

/// Render the report as one JSON document.
pub fn render(report: &Report) -> String {
    let cases: Vec<Value> = report
        .cases
        .iter()
        .map(|c| {
            let mut v = json!({
                "transport": c.transport,
                "case": c.case,
                "outcome": c.outcome.label(),
                "duration_ms": c.duration.as_secs_f64() * 1000.0,
            });
            match &c.outcome {
                Outcome::Failed(f) => {
                    v["failure"] = json!({ "sql": f.sql, "expected": f.expected, "got": f.got });
                }
                Outcome::Skipped(missing) => {
                    let names: Vec<&str> = missing.iter().map(|m| m.name()).collect();
                    v["missing_capabilities"] = json!(names);
                }
                Outcome::Passed => {}
            }
            v
        })
        .collect();
    let doc = json!({
        "transports": report.transports,
        "cases": cases,
        "summary": {
            "passed": report.passed(),
            "failed": report.failed(),
            "skipped": report.skipped(),
            "duration_ms": report.elapsed.as_secs_f64() * 1000.0,
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
