//! The JUnit XML format: `<testsuites>` with one `<testsuite>` per transport,
//! one `<testcase classname="TRANSPORT" name="CASE">` per case, `<failure>`
//! (with the SQL, expected and actual outcome as text) or `<skipped>`.

use std::fmt::Write;

use crate::suite::runner::{Outcome, Report};

/// Escape text for XML 1.0 (characters XML cannot carry become `\u{..}`).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Render the report as JUnit XML.
pub fn render(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"sqlport-conformance\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
        report.cases.len(),
        report.failed(),
        report.skipped(),
        report.elapsed.as_secs_f64()
    );
    for transport in &report.transports {
        let cases: Vec<_> = report
            .cases
            .iter()
            .filter(|c| &c.transport == transport)
            .collect();
        let failed = cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
            .count();
        let skipped = cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Skipped(_)))
            .count();
        let time: f64 = cases.iter().map(|c| c.duration.as_secs_f64()).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time:.3}\">",
            escape(transport),
            cases.len()
        );
        for c in cases {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                escape(&c.transport),
                escape(&c.case),
                c.duration.as_secs_f64()
            );
            match &c.outcome {
                Outcome::Passed => out.push_str("/>\n"),
                Outcome::Failed(f) => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"expected {}\">{}</failure>\n    </testcase>",
                        escape(&f.expected),
                        escape(&f.to_string())
                    );
                }
                Outcome::Skipped(_) => {
                    let reason = c.outcome.skip_reason().unwrap_or_default();
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(&reason)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(escape("x\0y"), "x\\u{0}y");
        assert_eq!(escape("tab\there"), "tab\there");
    }
}
