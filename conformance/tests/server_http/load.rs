//! Load (not in CI): `serve` under 64 concurrent streams for 60 s keeps
//! answering with bounded memory. Run it with
//!
//! ```sh
//! cargo test --release -p sqlport-conformance --test server_http -- --ignored load --nocapture
//! ```
//!
//! `SQLPORT_LOAD_SECS` and `SQLPORT_LOAD_STREAMS` change the duration (60)
//! and the number of streams (64). It prints requests per second and the
//! server's peak resident memory (`VmHWM`), and fails if a stream stops
//! making progress, if an answer is not one the mix allows, or if the peak
//! passes 1 GiB.

use std::io::BufRead as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{Client, RUNAWAY, code, exec};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A `/proc/<pid>/status` field in kB.
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[test]
#[ignore = "load test: 60 s, run by hand (see the module docs)"]
fn load_64_streams_for_60_seconds_with_bounded_memory() {
    let secs = env_or("SQLPORT_LOAD_SECS", 60);
    let streams = env_or("SQLPORT_LOAD_STREAMS", 64) as usize;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("load.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sqlport-conformance"))
        .args([
            "serve",
            db.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--statement-timeout",
            "1",
            "--max-response-bytes",
            "1000000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let pid = child.id();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().trim_start_matches("listening on ").to_owned();
    let c = Client::for_url(&url);
    assert_eq!(
        c.once(
            3,
            "CREATE TABLE IF NOT EXISTS load (who INTEGER, n INTEGER)"
        )
        .status,
        200
    );
    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicU64::new(0));
    let unexpected = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let start = Instant::now();
    let workers: Vec<_> = (0..streams)
        .map(|who| {
            let (url, stop, requests, unexpected) = (
                url.clone(),
                stop.clone(),
                requests.clone(),
                unexpected.clone(),
            );
            std::thread::spawn(move || {
                let c = Client::for_url(&url);
                let mut baton: Option<String> = None;
                let mut done = 0u64;
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    // The mix: writes in a transaction, reads, a response too
                    // large for the budget, a runaway stopped by the deadline,
                    // and a cursor.
                    let (reqs, allowed): (serde_json::Value, &[&str]) = match i % 20 {
                        7 => (
                            json!([exec("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT x FROM c")]),
                            &["RESPONSE_TOO_LARGE", "SQLITE_INTERRUPT"],
                        ),
                        13 if who % 8 == 0 => (json!([exec(RUNAWAY)]), &["SQLITE_INTERRUPT"]),
                        _ => (
                            json!([
                                exec("BEGIN"),
                                {"type": "execute", "stmt": {"sql": "INSERT INTO load VALUES (?, ?)", "args": [
                                    {"type": "integer", "value": who.to_string()},
                                    {"type": "integer", "value": i.to_string()}
                                ]}},
                                exec("COMMIT"),
                                {"type": "execute", "stmt": {"sql": "SELECT count(*) FROM load WHERE who = ?", "args": [
                                    {"type": "integer", "value": who.to_string()}
                                ]}}
                            ]),
                            &["SQLITE_BUSY"],
                        ),
                    };
                    if i % 10 == 3 {
                        let body = json!({"baton": baton, "batch": {"steps": [{"stmt": {"sql": "SELECT n FROM load WHERE who = 0 LIMIT 1000"}}]}});
                        let r = c.post("/v3/cursor", &body.to_string());
                        if r.status == 200 {
                            let head: serde_json::Value =
                                serde_json::from_str(r.body.lines().next().unwrap_or("{}"))
                                    .unwrap_or_default();
                            baton = head["baton"].as_str().map(str::to_owned);
                            done += 1;
                        } else {
                            unexpected.lock().unwrap().push(format!("cursor {}: {}", r.status, r.body));
                            baton = None;
                        }
                        requests.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let r = c.pipeline(3, baton.as_deref(), reqs);
                    requests.fetch_add(1, Ordering::Relaxed);
                    if r.status != 200 {
                        unexpected.lock().unwrap().push(format!("{}: {}", r.status, r.body));
                        baton = None;
                        continue;
                    }
                    baton = r.baton();
                    let results = r.json()["results"].as_array().cloned().unwrap_or_default();
                    let mut in_tx_failed = false;
                    for res in &results {
                        if res["type"] == "error" {
                            let code = code(res);
                            if !allowed.contains(&code.as_str()) {
                                unexpected.lock().unwrap().push(code);
                            }
                            in_tx_failed = true;
                        }
                    }
                    if in_tx_failed && results.len() == 4 {
                        // A failed step inside BEGIN .. COMMIT: leave the stream.
                        let _ = c.pipeline(3, baton.as_deref(), json!([exec("ROLLBACK"), {"type": "close"}]));
                        baton = None;
                    }
                    done += 1;
                }
                if baton.is_some() {
                    let _ = c.pipeline(3, baton.as_deref(), json!([{"type": "close"}]));
                }
                done
            })
        })
        .collect();
    let mut peak_rss = 0u64;
    while start.elapsed() < Duration::from_secs(secs) {
        peak_rss = peak_rss.max(status_kb(pid, "VmRSS:").unwrap_or(0));
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    let per_stream: Vec<u64> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let elapsed = start.elapsed().as_secs_f64();
    let hwm = status_kb(pid, "VmHWM:").unwrap_or(peak_rss);
    let total = requests.load(Ordering::Relaxed);
    let health = c.get("/health").status;
    let _ = child.kill();
    let _ = child.wait();
    let unexpected = unexpected.lock().unwrap().clone();
    println!(
        "load: {streams} streams, {elapsed:.1} s, {total} requests ({:.0}/s), \
         slowest stream {} requests, peak RSS {:.1} MiB (VmHWM), unexpected answers {}",
        total as f64 / elapsed,
        per_stream.iter().min().unwrap_or(&0),
        hwm as f64 / 1024.0,
        unexpected.len()
    );
    assert_eq!(health, 200, "the server still answers");
    assert!(
        per_stream.iter().all(|&n| n > 0),
        "every stream made progress"
    );
    assert!(
        unexpected.is_empty(),
        "{:?}",
        &unexpected[..unexpected.len().min(20)]
    );
    assert!(hwm < 1024 * 1024, "peak RSS {hwm} kB");
}
