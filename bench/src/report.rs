//! `report`: records in, the issue-12 table out. Every ratio is taken per
//! round (clients of one round ran side by side), then the median over
//! rounds is shown with the range of the per-round ratios.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use sqlport_bench_common::record::{Record, parse};
use sqlport_bench_common::stats::median;

struct Data {
    records: Vec<Record>,
}

/// A per-round series.
type Series = BTreeMap<u32, f64>;

impl Data {
    fn series(&self, scenario: &str, client: &str, metric: &str) -> Series {
        let mut by_round: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        for r in &self.records {
            if r.scenario == scenario && r.client == client && r.metric == metric {
                by_round.entry(r.round).or_default().push(r.value);
            }
        }
        by_round.into_iter().map(|(k, v)| (k, median(&v))).collect()
    }

    fn notes(&self, scenario: &str, client: &str) -> Vec<String> {
        self.records
            .iter()
            .filter(|r| r.scenario == scenario && r.client == client)
            .filter_map(|r| r.note.clone())
            .collect()
    }
}

fn med(s: &Series) -> f64 {
    median(&s.values().copied().collect::<Vec<_>>())
}

/// Per-round `a / b`: (median, min, max).
fn ratio(a: &Series, b: &Series) -> Option<(f64, f64, f64)> {
    let r: Vec<f64> = a
        .iter()
        .filter_map(|(k, x)| b.get(k).map(|y| x / y))
        .filter(|v| v.is_finite())
        .collect();
    if r.is_empty() {
        return None;
    }
    let lo = r.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((median(&r), lo, hi))
}

fn fmt_ratio(r: Option<(f64, f64, f64)>) -> String {
    match r {
        Some((m, lo, hi)) if (hi - lo) > 0.005 => format!("{m:.2}× ({lo:.2}–{hi:.2})"),
        Some((m, _, _)) => format!("{m:.2}×"),
        None => "n/a".into(),
    }
}

fn fmt_v(v: f64, unit: &str) -> String {
    if v.is_nan() {
        "n/a".into()
    } else if v >= 100.0 {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}

fn verdict(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "**pass**",
        Some(false) => "**FAIL**",
        None => "not measured",
    }
}

/// Print the table for `files`.
pub fn print(files: &[PathBuf]) {
    let mut records = Vec::new();
    for f in files {
        match std::fs::read_to_string(f) {
            Ok(text) => records.extend(parse(&text)),
            Err(e) => eprintln!("{}: {e}", f.display()),
        }
    }
    print!("{}", table(&Data { records }));
}

fn table(d: &Data) -> String {
    let mut out = String::new();
    let has_sqld = d.records.iter().any(|r| r.scenario.ends_with("@sqld"));
    let srv = if has_sqld { "@sqld" } else { "" };
    let srv_name = if has_sqld {
        "sqld"
    } else {
        "the reference server"
    };
    let rounds: std::collections::BTreeSet<u32> = d.records.iter().map(|r| r.round).collect();
    let _ = writeln!(
        out,
        "Remote rows against {srv_name}; {} round(s); ratios are medians of per-round ratios (range in brackets).\n",
        rounds.len()
    );
    out.push_str(
        "| scenario | sqlport | baseline | ratio | budget | result |\n|---|---|---|---|---|---|\n",
    );
    let mut row = |s: &str, sp: String, base: String, r: String, budget: &str, ok: Option<bool>| {
        let _ = writeln!(
            out,
            "| {s} | {sp} | {base} | {r} | {budget} | {} |",
            verdict(ok)
        );
    };

    // Local point query and insert: judged on the thread's CPU time (wall
    // time shown beside it; on a loaded machine it mostly measures waiting).
    for (scen, label, wall_m, cpu_m, unit) in [
        (
            "local_point",
            "local point query by PK, cached statement, blocking",
            "us_per_op",
            "cpu_us_per_op",
            "µs",
        ),
        (
            "local_insert",
            "local 100,000-row insert in one transaction, prepared, blocking",
            "ms",
            "cpu_ms",
            "ms",
        ),
    ] {
        let sp = d.series(scen, "sqlport", cpu_m);
        let rq = d.series(scen, "rusqlite", cpu_m);
        let spw = d.series(scen, "sqlport", wall_m);
        let rqw = d.series(scen, "rusqlite", wall_m);
        let lsw = d.series(scen, "libsql", wall_m);
        let r = ratio(&sp, &rq);
        // rusqlite with sqlport's `foreign_keys = ON`, where measured.
        let fk = d.series(scen, "rusqlite_fk", cpu_m);
        let (fk_base, fk_ratio) = if fk.is_empty() {
            (String::new(), String::new())
        } else {
            (
                format!(
                    "; rusqlite with `foreign_keys = ON` CPU {}",
                    fmt_v(med(&fk), unit)
                ),
                format!(
                    "; CPU {} rusqlite with `foreign_keys = ON`",
                    fmt_ratio(ratio(&sp, &fk))
                ),
            )
        };
        row(
            label,
            format!(
                "CPU {} (wall {})",
                fmt_v(med(&sp), unit),
                fmt_v(med(&spw), unit)
            ),
            format!(
                "rusqlite CPU {} (wall {}); libsql wall {} rusqlite{fk_base}",
                fmt_v(med(&rq), unit),
                fmt_v(med(&rqw), unit),
                fmt_ratio(ratio(&lsw, &rqw))
            ),
            format!(
                "CPU {} rusqlite; wall {}{fk_ratio}",
                fmt_ratio(r),
                fmt_ratio(ratio(&spw, &rqw))
            ),
            "≤ 1.10× rusqlite",
            r.map(|r| r.0 <= 1.10),
        );
    }
    // Async point query.
    let sp = d.series("async_point", "sqlport_async", "us_per_op");
    let sx = d.series("async_point", "sqlx", "us_per_op");
    let rq = d.series("async_point", "rusqlite", "us_per_op");
    let r = ratio(&sp, &sx);
    let spc = d.series("async_point", "sqlport_async", "process_cpu_us_per_op");
    let sxc = d.series("async_point", "sqlx", "process_cpu_us_per_op");
    row(
        "local point query through the async API",
        format!(
            "{} ({} rusqlite); process CPU {}",
            fmt_v(med(&sp), "µs"),
            fmt_ratio(ratio(&sp, &rq)),
            fmt_v(med(&spc), "µs")
        ),
        format!(
            "sqlx {} (process CPU {}); rusqlite {}",
            fmt_v(med(&sx), "µs"),
            fmt_v(med(&sxc), "µs"),
            fmt_v(med(&rq), "µs")
        ),
        format!(
            "{} sqlx; CPU {}",
            fmt_ratio(r),
            fmt_ratio(ratio(&spc, &sxc))
        ),
        "≤ 10 µs, and faster than sqlx",
        r.map(|r| r.0 < 1.0 && med(&sp) <= 10.0),
    );
    // Scan.
    let sp = d.series("local_scan", "sqlport", "cpu_ms");
    let rq = d.series("local_scan", "rusqlite", "cpu_ms");
    let rows = med(&d.series("local_scan", "sqlport", "rows"));
    let r = ratio(&sp, &rq);
    row(
        &format!("local {}-row scan, `query_each`", fmt_count(rows)),
        format!(
            "CPU {}, {}",
            fmt_v(med(&sp), "ms"),
            fmt_v(med(&d.series("local_scan", "sqlport", "peak_mib")), "MiB")
        ),
        format!(
            "rusqlite CPU {}, {}; libsql wall {}",
            fmt_v(med(&rq), "ms"),
            fmt_v(med(&d.series("local_scan", "rusqlite", "peak_mib")), "MiB"),
            fmt_v(med(&d.series("local_scan", "libsql", "ms")), "ms"),
        ),
        format!("CPU {} rusqlite", fmt_ratio(r)),
        "keep (≤ 1.05× rusqlite)",
        r.map(|r| r.0 <= 1.05),
    );
    // Requests per operation.
    let req = format!("remote_requests{srv}");
    let count = |c: &str, m: &str| med(&d.series(&req, c, m));
    let fmt_counts = |c: &str| {
        format!(
            "{} / {} (new TCP: {:.2} / {:.2})",
            fmt_count(count(c, "query_requests")),
            fmt_count(count(c, "tx10_requests")),
            count(c, "query_connections"),
            count(c, "tx10_connections")
        )
    };
    let ok = ["sqlport_blocking", "sqlport_async"]
        .iter()
        .all(|c| count(c, "query_requests") == 1.0 && count(c, "tx10_requests") == 11.0);
    let measured = !d
        .series(&req, "sqlport_blocking", "query_requests")
        .is_empty();
    row(
        "remote HTTP requests: query / tx of 10",
        format!(
            "blocking {}; async {}",
            fmt_counts("sqlport_blocking"),
            fmt_counts("sqlport_async")
        ),
        format!("libsql {}", fmt_counts("libsql")),
        "".into(),
        "keep (1 / 11)",
        measured.then_some(ok),
    );
    // Remote latency rows: speed-up = libsql time / sqlport time.
    for (scen, label, budget) in [
        (
            "remote_seq",
            "remote point query, 1 connection, sequential",
            1.5,
        ),
        ("remote_16", "remote point query, 16 connections", 1.3),
    ] {
        let s = format!("{scen}{srv}");
        let ls = d.series(&s, "libsql", "us_per_op");
        // The default, then the `keep_idle_stream` option (when measured).
        for (suffix, label) in [
            ("", label.to_string()),
            ("_kept", format!("{label}, `keep_idle_stream(true)`")),
        ] {
            let b = d.series(&s, &format!("sqlport_blocking{suffix}"), "us_per_op");
            let a = d.series(&s, &format!("sqlport_async{suffix}"), "us_per_op");
            if !suffix.is_empty() && b.is_empty() && a.is_empty() {
                continue;
            }
            let (rb, ra) = (ratio(&ls, &b), ratio(&ls, &a));
            let cpu = |c: &str| {
                let x = d.series(&s, &format!("sqlport_{c}{suffix}"), "cpu_us_per_op");
                let r = ratio(&x, &d.series(&s, "libsql", "cpu_us_per_op"));
                format!("{} {}", fmt_v(med(&x), "µs"), fmt_ratio(r))
            };
            row(
                &label,
                format!(
                    "blocking {}, async {} per query (client CPU: blocking {}, async {} libsql)",
                    fmt_v(med(&b), "µs"),
                    fmt_v(med(&a), "µs"),
                    cpu("blocking"),
                    cpu("async"),
                ),
                format!("libsql {}", fmt_v(med(&ls), "µs")),
                format!(
                    "speed vs libsql: blocking {}, async {}",
                    fmt_ratio(rb),
                    fmt_ratio(ra)
                ),
                &format!("≥ {budget}× both"),
                rb.zip(ra).map(|(x, y)| x.0 >= budget && y.0 >= budget),
            );
        }
    }
    // Client CPU.
    let mut parts = Vec::new();
    let mut base = Vec::new();
    let mut all_ok = Some(true);
    for (scen, label) in [
        ("remote_seq", "sequential"),
        ("remote_16", "16 connections"),
    ] {
        let s = format!("{scen}{srv}");
        let ls = d.series(&s, "libsql", "cpu_us_per_op");
        base.push(format!("{label} {}", fmt_v(med(&ls), "µs")));
        for c in ["sqlport_blocking", "sqlport_async"] {
            let x = d.series(&s, c, "cpu_us_per_op");
            let r = ratio(&x, &ls);
            parts.push(format!(
                "{label} {} {} ({})",
                c.trim_start_matches("sqlport_"),
                fmt_v(med(&x), "µs"),
                fmt_ratio(r)
            ));
            all_ok = match (all_ok, r) {
                (Some(ok), Some(r)) => Some(ok && r.0 <= 0.5),
                _ => None,
            };
        }
    }
    row(
        "client CPU per remote point query (user + system)",
        parts.join("; "),
        format!("libsql {}", base.join(", ")),
        "sqlport / libsql in brackets".into(),
        "≤ 0.5× everywhere",
        all_ok,
    );
    // Transactions.
    let s = format!("remote_tx{srv}");
    let ls = d.series(&s, "libsql", "ms_per_tx");
    for (suffix, label) in [
        ("", "remote 10-INSERT interactive transaction latency"),
        (
            "_kept",
            "remote 10-INSERT interactive transaction latency, `keep_idle_stream(true)`",
        ),
    ] {
        let b = d.series(&s, &format!("sqlport_blocking{suffix}"), "ms_per_tx");
        let a = d.series(&s, &format!("sqlport_async{suffix}"), "ms_per_tx");
        if !suffix.is_empty() && b.is_empty() && a.is_empty() {
            continue;
        }
        let (rb, ra) = (ratio(&b, &ls), ratio(&a, &ls));
        let ls_cpu = d.series(&s, "libsql", "cpu_ms_per_tx");
        let cpu = |c: &str| {
            let x = d.series(&s, &format!("sqlport_{c}{suffix}"), "cpu_ms_per_tx");
            format!("{} {}", fmt_v(med(&x), "ms"), fmt_ratio(ratio(&x, &ls_cpu)))
        };
        row(
            label,
            format!(
                "blocking {}, async {} (client CPU: blocking {}, async {} libsql)",
                fmt_v(med(&b), "ms"),
                fmt_v(med(&a), "ms"),
                cpu("blocking"),
                cpu("async"),
            ),
            format!(
                "libsql {} (client CPU {})",
                fmt_v(med(&ls), "ms"),
                fmt_v(med(&ls_cpu), "ms")
            ),
            format!("blocking {}, async {} libsql", fmt_ratio(rb), fmt_ratio(ra)),
            "≤ 0.9× both",
            rb.zip(ra).map(|(x, y)| x.0 <= 0.9 && y.0 <= 0.9),
        );
    }
    // Cursor.
    let s = format!("remote_cursor{srv}");
    let curl = d.series(&s, "curl", "ms");
    let mut cells = Vec::new();
    let mut ok = Some(true);
    for c in ["sqlport_async", "sqlport_blocking", "libsql"] {
        let ms = d.series(&s, c, "ms");
        let failed = med(&d.series(&s, c, "failed"));
        let rows = med(&d.series(&s, c, "rows"));
        let mib = med(&d.series(&s, c, "peak_mib"));
        let pace = ratio(&curl, &ms);
        let note = d.notes(&s, c).first().cloned();
        cells.push(format!(
            "{}: {}, {} rows, {}, pace {} curl{}",
            c.trim_start_matches("sqlport_"),
            fmt_v(med(&ms) / 1000.0, "s"),
            fmt_count(rows),
            fmt_v(mib, "MiB"),
            fmt_ratio(pace),
            note.map(|n| format!(", **failed: {n}**"))
                .unwrap_or_default()
        ));
        if c.starts_with("sqlport") {
            ok = match (ok, pace) {
                (Some(o), Some(p)) => Some(o && failed == 0.0 && p.0 >= 0.9 && mib <= 16.0),
                _ => None,
            };
        }
    }
    let cursor_rows = med(&d.series(&s, "sqlport_async", "rows"));
    row(
        &format!(
            "remote {}-row SELECT streamed (cursor)",
            fmt_count(cursor_rows)
        ),
        cells[..2].join("; "),
        format!("{}; curl {}", cells[2], fmt_v(med(&curl) / 1000.0, "s")),
        "pace = curl time / client time".into(),
        "completes on both; ≥ 0.9× curl's pace; ≤ 16 MiB",
        ok,
    );
    // Reference server vs sqld.
    if has_sqld {
        let mut parts = Vec::new();
        let mut ok = Some(true);
        for (scen, metric, label) in [
            ("remote_seq", "us_per_op", "seq"),
            ("remote_16", "us_per_op", "16 conns"),
            ("remote_tx", "ms_per_tx", "tx"),
        ] {
            let on_ref = d.series(scen, "sqlport_blocking", metric);
            let on_sqld = d.series(&format!("{scen}@sqld"), "sqlport_blocking", metric);
            let r = ratio(&on_sqld, &on_ref);
            parts.push(format!("{label} {}", fmt_ratio(r)));
            ok = match (ok, r) {
                (Some(o), Some(r)) => Some(o && r.0 >= 1.0),
                _ => None,
            };
        }
        row(
            "reference server vs sqld (sqlport blocking client)",
            "reference server".into(),
            "sqld 1×".into(),
            format!("speed vs sqld: {}", parts.join(", ")),
            "keep ahead (≥ 1×)",
            ok,
        );
    }
    out
}

fn fmt_count(v: f64) -> String {
    if v.is_nan() {
        return "n/a".into();
    }
    if v.fract().abs() > 1e-9 {
        return format!("{v:.2}");
    }
    let s = format!("{}", v as i64);
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_per_round() {
        let a: Series = [(1, 2.0), (2, 4.0), (3, 3.0)].into();
        let b: Series = [(1, 1.0), (2, 4.0), (3, 2.0)].into();
        let (m, lo, hi) = ratio(&a, &b).unwrap();
        assert_eq!((m, lo, hi), (1.5, 1.0, 2.0));
        assert_eq!(fmt_count(1_000_000.0), "1,000,000");
    }
}
