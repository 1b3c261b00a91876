//! The human format: a table of cases × transports, then every failure with
//! its SQL, expected and actual outcome, then the skips, then the summary line
//! `N passed, N failed, N skipped` (always the last line).

use std::fmt::Write;

use crate::suite::runner::{Outcome, Report};

fn cell(outcome: Option<&Outcome>) -> &'static str {
    match outcome {
        Some(Outcome::Passed) => "pass",
        Some(Outcome::Failed(_)) => "FAIL",
        Some(Outcome::Skipped(_)) => "skip",
        None => "-",
    }
}

/// Render the report as text.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut names: Vec<&str> = Vec::new();
    for c in &report.cases {
        if !names.contains(&c.case.as_str()) {
            names.push(&c.case);
        }
    }
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let cols: Vec<usize> = report
        .transports
        .iter()
        .map(|t| t.chars().count().max(4))
        .collect();
    let _ = write!(out, "{:width$}", "case");
    for (t, w) in report.transports.iter().zip(&cols) {
        let _ = write!(out, "  {t:w$}");
    }
    out.push('\n');
    let total: usize = width + cols.iter().map(|w| w + 2).sum::<usize>();
    out.push_str(&"-".repeat(total));
    out.push('\n');
    for name in &names {
        let _ = write!(out, "{name:width$}");
        for (t, w) in report.transports.iter().zip(&cols) {
            let _ = write!(out, "  {:w$}", cell(report.outcome(t, name)));
        }
        out.push('\n');
    }
    let failures: Vec<_> = report
        .cases
        .iter()
        .filter_map(|c| match &c.outcome {
            Outcome::Failed(f) => Some((c, f)),
            _ => None,
        })
        .collect();
    if !failures.is_empty() {
        out.push_str("\nfailures:\n");
        for (c, f) in failures {
            let _ = writeln!(out, "\n[{}] {}", c.transport, c.case);
            for line in f.to_string().lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    let skips: Vec<_> = report
        .cases
        .iter()
        .filter_map(|c| c.outcome.skip_reason().map(|r| (c, r)))
        .collect();
    if !skips.is_empty() {
        out.push_str("\nskipped:\n");
        for (c, reason) in skips {
            let _ = writeln!(out, "    [{}] {}: {reason}", c.transport, c.case);
        }
    }
    let _ = writeln!(out, "\nfinished in {:.2}s", report.elapsed.as_secs_f64());
    let _ = writeln!(
        out,
        "{} passed, {} failed, {} skipped",
        report.passed(),
        report.failed(),
        report.skipped()
    );
    out
}
