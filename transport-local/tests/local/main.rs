//! Integration tests of the local transport (one test binary; the concerns
//! live in the modules beside this file).

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use sqlport_core::{
    Batch, BatchMode, Column, ErrorKind, LocalTarget, Params, Result, Row, RowSink, Statement,
    StepResult, TransactionBehavior, Transport, Value, codes, named_params, params,
};
use sqlport_local::{LocalConfig, LocalConnector, LocalTransport};

fn mem() -> (LocalConnector, LocalTransport) {
    let db = LocalConnector::open_memory().unwrap();
    let conn = db.connect_local().unwrap();
    (db, conn)
}

fn exec(c: &mut LocalTransport, sql: &str) -> sqlport_core::ResultSet {
    c.execute(&Statement::new(sql)).unwrap()
}

fn exec_p(
    c: &mut LocalTransport,
    sql: &str,
    p: impl sqlport_core::IntoParams,
) -> Result<sqlport_core::ResultSet> {
    c.execute(&Statement::with_params(sql, p)?)
}

fn one(c: &mut LocalTransport, sql: &str) -> Value {
    let rs = exec(c, sql);
    rs.rows[0].values()[0].clone()
}

fn temp_db(busy: Duration) -> (tempfile::TempDir, LocalConnector) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LocalConfig::default().busy_timeout(busy);
    let db = LocalConnector::open_path(dir.path().join("t.db"), cfg).unwrap();
    (dir, db)
}

fn stmts(sqls: &[&str]) -> Vec<Statement> {
    sqls.iter().map(|s| Statement::new(*s)).collect()
}

mod async_worker;
mod batches;
mod connections;
mod errors;
mod prepared;
mod results;
mod statements;
mod transactions;
mod values;
