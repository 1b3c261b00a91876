//! Seeded random sequences: a mix of DDL, writes, reads, transactions,
//! errors and arguments, sent through every carrier (`execute` on a fresh
//! or a kept stream, `batch` with conditions, `sequence`, the cursor, v2 and
//! v3). Each seed gets its own tables; results are ordered, so both servers
//! must give the same rows.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value as Json, json};

use crate::sequence::*;

/// Seeds and operations per seed of the CI run.
const CI_SEEDS: u64 = 12;
const CI_OPS: usize = 40;
/// Operations per seed of the large run.
const LARGE_OPS: usize = 80;

struct Gen {
    rng: StdRng,
    seed: u64,
    /// Columns of each table (after the `id` key).
    tables: Vec<(String, Vec<String>)>,
    in_tx: bool,
    savepoints: usize,
}

const INTS: &[i64] = &[
    0,
    1,
    -1,
    2,
    7,
    42,
    -100,
    1000,
    65536,
    i64::MAX,
    i64::MIN,
    9007199254740993,
];
const FLOATS: &[f64] = &[0.5, -0.25, 1.5, 2.0, 1e10, -3.75, 0.125, 1e-3, 6.02e23];
const TEXTS: &[&str] = &[
    "",
    "a",
    "abc",
    "héllo",
    "O'Brien",
    "line\nbreak",
    "✓ \u{1F600}",
    "123",
    "1.5",
    "NULL",
    "a%b_c",
];
const BLOBS: &[&str] = &["", "AA", "AAEC/w", "+//+AQ", "aGVsbG8"];
const TYPES: &[&str] = &[
    "INTEGER",
    "INT",
    "REAL",
    "TEXT",
    "BLOB",
    "NUMERIC",
    "",
    "VARCHAR(10)",
    "BOOLEAN",
    "DATETIME",
];

impl Gen {
    fn new(seed: u64) -> Self {
        Gen {
            rng: StdRng::seed_from_u64(seed ^ 0x5eed_d1ff),
            seed,
            tables: Vec::new(),
            in_tx: false,
            savepoints: 0,
        }
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.rng.random_range(0..xs.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    /// A value as an SQL literal.
    fn literal(&mut self) -> String {
        match self.rng.random_range(0..6) {
            0 => self.pick(INTS).to_string(),
            1 => format!("{:?}", self.pick(FLOATS)),
            2 => format!("'{}'", self.pick(TEXTS).replace('\'', "''")),
            3 => {
                let n = self.rng.random_range(0..4);
                let bytes: String = (0..n)
                    .map(|_| format!("{:02x}", self.rng.random::<u8>()))
                    .collect();
                format!("x'{bytes}'")
            }
            4 => "NULL".into(),
            _ => self.rng.random_range(-5..50).to_string(),
        }
    }

    /// A value as a Hrana argument.
    fn arg(&mut self) -> Json {
        match self.rng.random_range(0..6) {
            0 => int(*self.pick(INTS)),
            1 => float(*self.pick(FLOATS)),
            2 => text(self.pick::<&str>(TEXTS)),
            3 => blob(self.pick::<&str>(BLOBS)),
            4 => nil(),
            _ => int(self.rng.random_range(-5..50)),
        }
    }

    fn table(&mut self) -> Option<(String, Vec<String>)> {
        if self.tables.is_empty() {
            None
        } else {
            let i = self.rng.random_range(0..self.tables.len());
            Some(self.tables[i].clone())
        }
    }

    fn create(&mut self) -> String {
        let name = format!("rz{}_{}", self.seed, self.tables.len());
        let n = self.rng.random_range(1..5);
        let mut cols = Vec::new();
        let mut defs = vec!["id INTEGER PRIMARY KEY".to_owned()];
        for i in 0..n {
            let c = format!("c{i}");
            let ty = *self.pick(TYPES);
            let mut def = format!("{c} {ty}");
            if self.chance(0.2) {
                def.push_str(" UNIQUE");
            }
            if self.chance(0.15) {
                def.push_str(" NOT NULL DEFAULT 0");
            }
            if self.chance(0.1) {
                def.push_str(" CHECK (typeof(");
                def.push_str(&c);
                def.push_str(") != 'blob')");
            }
            defs.push(def);
            cols.push(c);
        }
        self.tables.push((name.clone(), cols));
        format!("CREATE TABLE {name} ({})", defs.join(", "))
    }

    /// An expression over `cols`.
    fn expr(&mut self, cols: &[String]) -> String {
        let c = self.pick(cols).clone();
        match self.rng.random_range(0..14) {
            0 => c,
            1 => format!("{c} + {}", self.rng.random_range(-3..9)),
            2 => format!("typeof({c})"),
            3 => format!("coalesce({c}, 'none')"),
            4 => format!("length({c})"),
            5 => format!("CAST({c} AS TEXT)"),
            6 => format!("CAST({c} AS INTEGER)"),
            7 => format!("{c} IS NULL"),
            8 => format!("upper({c})"),
            9 => format!("CASE WHEN {c} > 5 THEN 'big' ELSE 'small' END"),
            10 => format!("hex({c})"),
            11 => format!("{c} * 2"),
            12 => format!("abs({c})"),
            _ => format!("quote({c})"),
        }
    }

    fn cond(&mut self, cols: &[String]) -> String {
        let c = self.pick(cols).clone();
        match self.rng.random_range(0..6) {
            0 => format!("{c} IS NULL"),
            1 => format!("{c} > {}", self.rng.random_range(-5..20)),
            2 => format!("id % {} = 0", self.rng.random_range(2..4)),
            3 => format!("typeof({c}) = 'text'"),
            4 => format!("{c} = {}", self.literal()),
            _ => "1".into(),
        }
    }

    /// One statement (and arguments for it, if any).
    fn statement(&mut self) -> (String, Option<Json>) {
        let Some((t, cols)) = self.table() else {
            return (self.create(), None);
        };
        match self.rng.random_range(0..20) {
            0 if self.tables.len() < 3 => (self.create(), None),
            0..=4 => {
                let n = self.rng.random_range(1..=cols.len());
                let used: Vec<String> = cols[..n].to_vec();
                let returning = if self.chance(0.3) {
                    " RETURNING id"
                } else {
                    ""
                };
                let or = *self.pick(&["", "", "", "OR IGNORE ", "OR REPLACE "]);
                if self.chance(0.5) {
                    let args: Vec<Json> = (0..n).map(|_| self.arg()).collect();
                    let marks = vec!["?"; n].join(", ");
                    (
                        format!(
                            "INSERT {or}INTO {t} ({}) VALUES ({marks}){returning}",
                            used.join(", ")
                        ),
                        Some(Json::Array(args)),
                    )
                } else {
                    let vals: Vec<String> = (0..n).map(|_| self.literal()).collect();
                    (
                        format!(
                            "INSERT {or}INTO {t} ({}) VALUES ({}){returning}",
                            used.join(", "),
                            vals.join(", ")
                        ),
                        None,
                    )
                }
            }
            5..=6 => {
                let c = self.pick(&cols).clone();
                let v = self.literal();
                let w = self.cond(&cols);
                let returning = if self.chance(0.3) {
                    format!(" RETURNING id, {c}")
                } else {
                    String::new()
                };
                (
                    format!("UPDATE {t} SET {c} = {v} WHERE {w}{returning}"),
                    None,
                )
            }
            7 => {
                let w = self.cond(&cols);
                let returning = if self.chance(0.3) {
                    " RETURNING id"
                } else {
                    ""
                };
                (format!("DELETE FROM {t} WHERE {w}{returning}"), None)
            }
            8..=11 => {
                let n = self.rng.random_range(1..4);
                let exprs: Vec<String> = (0..n).map(|_| self.expr(&cols)).collect();
                let w = self.cond(&cols);
                (
                    format!(
                        "SELECT id, {} FROM {t} WHERE {w} ORDER BY id",
                        exprs.join(", ")
                    ),
                    None,
                )
            }
            12 => {
                let c = self.pick(&cols).clone();
                (
                    format!(
                        "SELECT count(*), count({c}), typeof(max({c})), group_concat(typeof({c})) FROM {t}"
                    ),
                    None,
                )
            }
            13 => {
                let c = self.pick(&cols).clone();
                (
                    format!(
                        "SELECT typeof({c}), count(*) FROM {t} GROUP BY typeof({c}) ORDER BY 1"
                    ),
                    None,
                )
            }
            14 => {
                let c = self.pick(&cols).clone();
                (
                    format!("SELECT id FROM {t} WHERE {c} = ? ORDER BY id"),
                    Some(json!([self.arg()])),
                )
            }
            15 => {
                // An error of some class.
                let e = match self.rng.random_range(0..6) {
                    0 => format!("SELEC * FROM {t}"),
                    1 => format!("SELECT nope FROM {t}"),
                    2 => "SELECT * FROM rz_missing".to_owned(),
                    3 => format!("INSERT INTO {t} (id) VALUES (1)"),
                    4 => format!("SELECT 1; SELECT * FROM {t}"),
                    _ => format!("INSERT INTO {t} (nope) VALUES (1)"),
                };
                (e, None)
            }
            16 => {
                let p = *self.pick(&[
                    "PRAGMA foreign_keys",
                    "PRAGMA user_version",
                    "PRAGMA table_info",
                    "PRAGMA busy_timeout = 10",
                    "PRAGMA integrity_check",
                ]);
                if p == "PRAGMA table_info" {
                    (format!("PRAGMA table_info({t})"), None)
                } else {
                    (p.to_owned(), None)
                }
            }
            17 => {
                let c = self.pick(&cols).clone();
                (
                    format!("SELECT id FROM {t} WHERE {c} = :v OR id = @id ORDER BY id"),
                    None,
                )
            }
            _ => (format!("SELECT * FROM {t} ORDER BY id"), None),
        }
    }

    fn stmt_json(sql: &str, args: Option<Json>) -> Json {
        match args {
            Some(a) => json!({"sql": sql, "args": a}),
            None if sql.contains(":v") => {
                json!({"sql": sql, "named_args": [{"name": "v", "value": int(1)}, {"name": "@id", "value": int(2)}]})
            }
            None => json!({"sql": sql}),
        }
    }

    /// A transaction-control statement for the kept stream.
    fn tx_statement(&mut self) -> &'static str {
        if !self.in_tx {
            self.in_tx = true;
            return self.pick::<&str>(&["BEGIN", "BEGIN IMMEDIATE", "SAVEPOINT sp"]);
        }
        match self.rng.random_range(0..5) {
            0 => {
                self.savepoints += 1;
                "SAVEPOINT inner_sp"
            }
            1 if self.savepoints > 0 => {
                self.savepoints -= 1;
                "RELEASE inner_sp"
            }
            2 => {
                self.in_tx = false;
                self.savepoints = 0;
                "ROLLBACK"
            }
            _ => {
                self.in_tx = false;
                self.savepoints = 0;
                "COMMIT"
            }
        }
    }
}

/// One random sequence.
fn sequence(seed: u64, ops: usize) -> Seq {
    let mut g = Gen::new(seed);
    let mut s = Seq::new(format!("random::seed_{seed}"), Group::Plain);
    let kept = format!("@k{seed}");
    let first = g.create();
    s.once("create", &first);
    for i in 0..ops {
        let label = format!("op {i}");
        // While the kept stream holds a transaction, everything goes through
        // it: another stream's write would wait for its lock.
        let (stream, tail) = if g.in_tx {
            (kept.as_str(), vec![autocommit()])
        } else {
            ("", vec![close()])
        };
        match g.rng.random_range(0..12) {
            0..=3 => {
                let (sql, args) = g.statement();
                let version = if g.chance(0.2) { 2 } else { 3 };
                let mut reqs = vec![json!({"type": "execute", "stmt": Gen::stmt_json(&sql, args)})];
                if version == 3 || stream.is_empty() {
                    reqs.extend(
                        tail.iter()
                            .filter(|r| version == 3 || r["type"] != "get_autocommit")
                            .cloned(),
                    );
                }
                s.pipeline(&label, version, stream, Json::Array(reqs));
            }
            4..=5 => {
                let (sql, args) = g.statement();
                let mut reqs = vec![json!({"type": "execute", "stmt": Gen::stmt_json(&sql, args)})];
                if g.chance(0.3) {
                    reqs.insert(0, exec(g.tx_statement()));
                }
                reqs.push(autocommit());
                s.v3(&label, &kept, Json::Array(reqs));
            }
            6..=7 => {
                let n = g.rng.random_range(1..5);
                let mut steps = Vec::new();
                for k in 0..n {
                    let (sql, args) = g.statement();
                    let mut st = json!({"stmt": Gen::stmt_json(&sql, args)});
                    if k > 0 && g.chance(0.5) {
                        let j = g.rng.random_range(0..k) as u32;
                        let c = match g.rng.random_range(0..4) {
                            0 => ok(j),
                            1 => err(j),
                            2 => not(ok(j)),
                            _ => json!({"type": "is_autocommit"}),
                        };
                        st["condition"] = c;
                    }
                    steps.push(st);
                }
                let mut reqs = vec![batch(Json::Array(steps))];
                reqs.extend(tail);
                s.v3(&label, stream, Json::Array(reqs));
            }
            8 => {
                let n = g.rng.random_range(1..4);
                let sqls: Vec<String> = (0..n).map(|_| g.statement().0).collect();
                let mut reqs = vec![json!({"type": "sequence", "sql": sqls.join("; ")})];
                reqs.extend(tail);
                s.v3(&label, stream, Json::Array(reqs));
            }
            9 => {
                let n = g.rng.random_range(1..4);
                let steps: Vec<Json> = (0..n)
                    .map(|_| {
                        let (sql, args) = g.statement();
                        json!({"stmt": Gen::stmt_json(&sql, args)})
                    })
                    .collect();
                s.cursor(&label, stream, Json::Array(steps));
            }
            10 => {
                let sql = g.tx_statement();
                s.v3(&label, &kept, json!([exec(sql), autocommit()]));
            }
            _ => {
                let (sql, _) = g.statement();
                let mut reqs = vec![json!({"type": "describe", "sql": sql})];
                reqs.extend(tail);
                s.v3(&label, stream, Json::Array(reqs));
            }
        }
    }
    s.v3("end", &kept, json!([exec("SELECT 1"), close()]));
    if let Some((t, _)) = g.tables.first().cloned() {
        s.once("final state", &format!("SELECT * FROM {t} ORDER BY id"));
    }
    s
}

/// The CI run's random sequences.
pub fn ci() -> Vec<Seq> {
    (1..=CI_SEEDS).map(|seed| sequence(seed, CI_OPS)).collect()
}

/// The first seed of the large run (after the CI ones).
pub const LARGE_FIRST_SEED: u64 = 1000;

/// The large run: `seeds` seeds from `first`.
pub fn large(first: u64, seeds: u64) -> Vec<Seq> {
    (first..first.saturating_add(seeds))
        .map(|seed| sequence(seed, LARGE_OPS))
        .collect()
}
