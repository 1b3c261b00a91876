//! Batches: atomic all-or-nothing with the failing step's index, and the
//! non-atomic modes that stop at or continue past a failure.

use sqlport::blocking::{Connection, Executor};
use sqlport::{Batch, BatchMode, Capability, Statement, StepResult, TransactionBehavior, Value};

use crate::suite::case::Case;
use crate::suite::check::{
    CaseResult, Checked, Failure, describe_error, ensure, ensure_autocommit, ensure_eq,
    ensure_step, ok, show_values,
};
use crate::suite::context::Ctx;

pub(super) const CASES: &[Case] = &[
    Case::new("batches::atomic_commits_all", &[], atomic_commits_all),
    Case::new(
        "batches::atomic_failure_rolls_back",
        &[],
        atomic_failure_rolls_back,
    ),
    Case::new("batches::stop_on_error", &[], stop_on_error),
    Case::new("batches::continue_on_error", &[], continue_on_error),
    Case::new(
        "batches::atomic_inside_transaction",
        &[Capability::InteractiveTransactions],
        atomic_inside_transaction,
    ),
];

fn stmt(sql: &str, params: impl sqlport::IntoParams) -> Result<Statement, Failure> {
    Statement::with_params(sql, params).map_err(|e| Failure::error(Some(sql), &e))
}

fn setup(conn: &mut impl Executor, table: &str) -> CaseResult {
    conn.fresh_table(table, "id INTEGER PRIMARY KEY, v TEXT UNIQUE")
}

fn ids(conn: &mut impl Executor, table: &str) -> Result<Vec<i64>, Failure> {
    conn.ok_column(&format!("SELECT id FROM {table} ORDER BY id"))
}

fn shape(steps: &[StepResult]) -> Vec<&'static str> {
    steps
        .iter()
        .map(|s| match s {
            StepResult::Ok(_) => "ok",
            StepResult::Err(_) => "err",
            StepResult::Skipped => "skipped",
        })
        .collect()
}

/// Run a non-atomic `batch`: it must succeed with these per-step outcomes, the
/// failed steps carrying these primary codes, in order.
fn expect_steps(
    conn: &mut Connection,
    what: &str,
    batch: &Batch,
    outcomes: &[&str],
    codes: &[i32],
) -> CaseResult {
    let result = conn
        .batch(batch)
        .map_err(|e| Failure::new(Some(what), "per-step results", describe_error(&e)))?;
    ensure_eq(
        Some(what),
        "step outcomes",
        outcomes.to_vec(),
        shape(&result.steps),
    )?;
    let got: Vec<Option<i32>> = result
        .steps
        .iter()
        .filter_map(|s| s.err())
        .map(|e| e.sqlite_code())
        .collect();
    let expected: Vec<Option<i32>> = codes.iter().copied().map(Some).collect();
    ensure_eq(
        Some(what),
        "primary codes of the failed steps",
        expected,
        got,
    )
}

fn atomic_commits_all(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "b_all")?;
    let batch = Batch::atomic([
        stmt("INSERT INTO b_all (id, v) VALUES (?, ?)", (1, "one"))?,
        stmt(
            "INSERT INTO b_all (id, v) VALUES (:id, :v)",
            sqlport::named_params! { ":id": 2, ":v": "two" },
        )?,
        stmt(
            "INSERT INTO b_all (id, v) VALUES (3, 'three') RETURNING id",
            (),
        )?,
        stmt("SELECT count(*) FROM b_all", ())?,
    ]);
    let result = conn.batch(&batch).map_err(|e| {
        Failure::new(
            Some("atomic batch of 4 steps"),
            "success",
            describe_error(&e),
        )
    })?;
    ensure_eq(
        Some("atomic batch"),
        "step outcomes",
        vec!["ok"; 4],
        shape(&result.steps),
    )?;
    let last = result
        .steps
        .get(3)
        .and_then(|s| s.ok())
        .and_then(|rs| rs.rows.first())
        .map(|r| r.values().to_vec());
    ensure(
        last.as_deref() == Some(&[Value::Integer(3)][..]),
        Some("SELECT count(*) FROM b_all (step 3)"),
        "[INTEGER 3]: later steps see earlier ones",
        || {
            last.as_deref()
                .map(show_values)
                .unwrap_or_else(|| "no row".into())
        },
    )?;
    let returning = result
        .steps
        .get(2)
        .and_then(|s| s.ok())
        .map(|rs| (rs.rows.len(), rs.rows_affected));
    ensure_eq(
        Some("INSERT … RETURNING id (step 2)"),
        "(rows, rows_affected)",
        Some((1, 1)),
        returning,
    )?;
    ensure_eq(
        None,
        "ids after the batch",
        vec![1, 2, 3],
        ids(&mut conn, "b_all")?,
    )?;
    ensure_autocommit(&conn, true, "after an atomic batch")?;
    conn.drop_tables(&["b_all"])
}

fn atomic_failure_rolls_back(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "b_fail")?;
    conn.ok_execute("INSERT INTO b_fail (id, v) VALUES (100, 'existing')", ())?;
    for behavior in [
        TransactionBehavior::Deferred,
        TransactionBehavior::Immediate,
    ] {
        let batch = Batch::new(
            [
                stmt("INSERT INTO b_fail (id, v) VALUES (?, ?)", (1, "a"))?,
                stmt("UPDATE b_fail SET id = 101 WHERE id = 100", ())?,
                stmt("INSERT INTO b_fail (id, v) VALUES (?, ?)", (2, "existing"))?,
                stmt("INSERT INTO b_fail (id, v) VALUES (3, 'c')", ())?,
            ],
            BatchMode::Atomic(behavior),
        );
        let what = format!("atomic batch ({behavior:?}) whose step 2 violates UNIQUE");
        match conn.batch(&batch) {
            Ok(r) => {
                return Err(Failure::new(
                    Some(&what),
                    "error at step 2",
                    format!("success: {:?}", shape(&r.steps)),
                ));
            }
            Err(e) => {
                ensure_step(Some(&what), &e, 2)?;
                ensure(e.is_constraint(), Some(&what), "a constraint error", || {
                    describe_error(&e)
                })?;
            }
        }
        ensure_eq(
            Some(&what),
            "ids after the failed batch",
            vec![100],
            ids(&mut conn, "b_fail")?,
        )?;
        let v: String = conn.ok_one("SELECT v FROM b_fail WHERE id = 100", ())?;
        ensure_eq(
            Some(&what),
            "value the batch updated",
            "existing".to_owned(),
            v,
        )?;
        ensure_autocommit(&conn, true, &format!("after the failed {what}"))?;
    }
    conn.drop_tables(&["b_fail"])
}

fn stop_on_error(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "b_stop")?;
    let batch = Batch::new(
        [
            stmt("INSERT INTO b_stop (id, v) VALUES (1, 'a')", ())?,
            stmt("INSERT INTO b_stop (id, v) VALUES (2, 'a')", ())?,
            stmt("INSERT INTO b_stop (id, v) VALUES (3, 'c')", ())?,
        ],
        BatchMode::StopOnError,
    );
    let what = "stop-on-error batch whose step 1 fails";
    expect_steps(
        &mut conn,
        what,
        &batch,
        &["ok", "err", "skipped"],
        &[sqlport::codes::SQLITE_CONSTRAINT],
    )?;
    ensure_eq(
        Some(what),
        "ids (nothing rolled back)",
        vec![1],
        ids(&mut conn, "b_stop")?,
    )?;
    conn.drop_tables(&["b_stop"])
}

fn continue_on_error(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "b_cont")?;
    let batch = Batch::new(
        [
            stmt("INSERT INTO b_cont (id, v) VALUES (1, 'a')", ())?,
            stmt("INSERT INTO b_cont (id, v) VALUES (2, 'a')", ())?,
            stmt("INSERT INTO b_cont (id, v) VALUES (3, 'c')", ())?,
            stmt("SELEC 1", ())?,
            stmt("INSERT INTO b_cont (id, v) VALUES (?, ?)", (4, "d"))?,
        ],
        BatchMode::ContinueOnError,
    );
    let what = "continue-on-error batch whose steps 1 and 3 fail";
    expect_steps(
        &mut conn,
        what,
        &batch,
        &["ok", "err", "ok", "err", "ok"],
        &[
            sqlport::codes::SQLITE_CONSTRAINT,
            sqlport::codes::SQLITE_ERROR,
        ],
    )?;
    ensure_eq(Some(what), "ids", vec![1, 3, 4], ids(&mut conn, "b_cont")?)?;
    conn.drop_tables(&["b_cont"])
}

fn atomic_inside_transaction(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    setup(&mut conn, "b_in_tx")?;
    let mut tx = ok("BEGIN", conn.transaction())?;
    tx.ok_execute("INSERT INTO b_in_tx (id, v) VALUES (1, 'outer')", ())?;
    let failing = Batch::atomic([
        stmt("INSERT INTO b_in_tx (id, v) VALUES (2, 'batch')", ())?,
        stmt("INSERT INTO b_in_tx (id, v) VALUES (3, 'outer')", ())?,
    ]);
    let what = "atomic batch inside a transaction, step 1 fails";
    match tx.batch(&failing) {
        Ok(_) => return Err(Failure::new(Some(what), "error at step 1", "success")),
        Err(e) => ensure_step(Some(what), &e, 1)?,
    }
    ensure_autocommit(&tx, false, &format!("after the failed {what}"))?;
    ensure_eq(
        Some(what),
        "ids inside the transaction",
        vec![1],
        ids(&mut tx, "b_in_tx")?,
    )?;
    let ok_batch = Batch::atomic([stmt("INSERT INTO b_in_tx (id, v) VALUES (4, 'ok')", ())?]);
    ok("atomic batch inside a transaction", tx.batch(&ok_batch))?;
    ensure_autocommit(
        &tx,
        false,
        "after a successful batch (transaction still open)",
    )?;
    ok("COMMIT", tx.commit())?;
    ensure_eq(
        None,
        "ids after commit",
        vec![1, 4],
        ids(&mut conn, "b_in_tx")?,
    )?;
    conn.drop_tables(&["b_in_tx"])
}
