//! `Executor` in both flavours: one generic helper run on a connection, a
//! transaction and a savepoint, on every transport; the async helper's
//! future is `Send` (it runs in `tokio::spawn`).

use sqlport::{ErrorKind, Row};

use super::*;

const SETUP: &str =
    "DROP TABLE IF EXISTS todo; CREATE TABLE todo (id INTEGER PRIMARY KEY, title TEXT);
                     CREATE TABLE IF NOT EXISTS scratch (x);";

fn title(r: &Row) -> sqlport::Result<String> {
    r.get(0)
}

/// Every method of the blocking trait, once; returns the rows it counted.
fn blocking_add(db: &mut impl sqlport::blocking::Executor, title_: &str) -> sqlport::Result<i64> {
    let in_tx = !db.is_autocommit();
    assert_eq!(
        db.execute("INSERT INTO todo (title) VALUES (?)", [title_])?,
        1
    );
    let stmt = sqlport::Statement::new("SELECT count(*) FROM todo");
    let n: i64 = db.run(&stmt)?.rows[0].get(0)?;
    assert_eq!(db.query("SELECT id FROM todo", ())?.rows.len() as i64, n);
    let sql = "SELECT title FROM todo WHERE title = ?";
    assert_eq!(db.query_row(sql, [title_], title)?, title_);
    assert_eq!(db.query_one(sql, [title_], title)?, title_);
    assert_eq!(db.query_opt(sql, ["none"], title)?, None);
    let err = db.query_one("SELECT 1 UNION ALL SELECT 2", (), |r| r.get::<i64>(0));
    assert_eq!(err.unwrap_err().kind(), ErrorKind::TooManyRows);
    assert_eq!(db.query_scalar::<i64>("SELECT count(*) FROM todo", ())?, n);
    assert_eq!(
        db.query_map("SELECT title FROM todo", (), title)?.len() as i64,
        n
    );
    let mut seen = 0;
    db.query_each("SELECT id FROM todo", (), |_| {
        seen += 1;
        Ok(())
    })?;
    assert_eq!(seen, n);
    db.execute_batch("INSERT INTO scratch VALUES (1); DELETE FROM scratch;")?;
    let batch = sqlport::Batch::atomic([sqlport::Statement::new("SELECT 1")]);
    assert!(db.batch(&batch)?.steps[0].ok().is_some());
    {
        let mut sp = db.savepoint()?;
        sp.execute("INSERT INTO todo (title) VALUES ('undone')", ())?;
        sp.rollback()?;
    }
    assert_eq!(db.is_autocommit(), !in_tx);
    Ok(n)
}

/// The same through the async trait.
async fn async_add(db: &mut impl sqlport::Executor, title_: &str) -> sqlport::Result<i64> {
    let in_tx = !db.is_autocommit();
    assert_eq!(
        db.execute("INSERT INTO todo (title) VALUES (?)", [title_])
            .await?,
        1
    );
    let stmt = sqlport::Statement::new("SELECT count(*) FROM todo");
    let n: i64 = db.run(&stmt).await?.rows[0].get(0)?;
    assert_eq!(
        db.query("SELECT id FROM todo", ()).await?.rows.len() as i64,
        n
    );
    let sql = "SELECT title FROM todo WHERE title = ?";
    assert_eq!(db.query_row(sql, [title_], title).await?, title_);
    assert_eq!(db.query_one(sql, [title_], title).await?, title_);
    assert_eq!(db.query_opt(sql, ["none"], title).await?, None);
    let err = db.query_one("SELECT 1 UNION ALL SELECT 2", (), |r| r.get::<i64>(0));
    assert_eq!(err.await.unwrap_err().kind(), ErrorKind::TooManyRows);
    assert_eq!(
        db.query_scalar::<i64>("SELECT count(*) FROM todo", ())
            .await?,
        n
    );
    assert_eq!(
        db.query_map("SELECT title FROM todo", (), title)
            .await?
            .len() as i64,
        n
    );
    let mut seen = 0;
    db.query_each("SELECT id FROM todo", (), |_| {
        seen += 1;
        Ok(())
    })
    .await?;
    assert_eq!(seen, n);
    db.execute_batch("INSERT INTO scratch VALUES (1); DELETE FROM scratch;")
        .await?;
    let batch = sqlport::Batch::atomic([sqlport::Statement::new("SELECT 1")]);
    assert!(db.batch(&batch).await?.steps[0].ok().is_some());
    {
        let mut sp = db.savepoint().await?;
        sp.execute("INSERT INTO todo (title) VALUES ('undone')", ())
            .await?;
        sp.rollback().await?;
    }
    assert_eq!(db.is_autocommit(), !in_tx);
    Ok(n)
}

#[test]
fn blocking_executor_runs_on_connection_transaction_and_savepoint() {
    for t in Target::all() {
        let mut c = t.blocking().connect().unwrap();
        c.execute_batch(SETUP).unwrap();
        assert_eq!(blocking_add(&mut c, "conn").unwrap(), 1);
        let mut tx = c.transaction().unwrap();
        assert_eq!(blocking_add(&mut tx, "tx").unwrap(), 2);
        let mut sp = tx.savepoint().unwrap();
        assert_eq!(blocking_add(&mut sp, "sp").unwrap(), 3);
        sp.release().unwrap();
        tx.commit().unwrap();
        // Rolled back through the generic helper's own savepoint: not there.
        let titles = c.query_map("SELECT title FROM todo ORDER BY id", (), title);
        assert_eq!(titles.unwrap(), ["conn", "tx", "sp"], "{:?}", t.kind);
    }
}

#[test]
fn async_executor_runs_on_connection_transaction_and_savepoint() {
    let rt = runtime();
    for t in Target::all() {
        let db = t.nonblocking();
        let kind = t.kind;
        // Spawned: the helper's futures are `Send`.
        let titles = rt
            .block_on(rt.spawn(async move {
                let mut c = db.connect().await.unwrap();
                c.execute_batch(SETUP).await.unwrap();
                assert_eq!(async_add(&mut c, "conn").await.unwrap(), 1);
                let mut tx = c.transaction().await.unwrap();
                assert_eq!(async_add(&mut tx, "tx").await.unwrap(), 2);
                let mut sp = tx.savepoint().await.unwrap();
                assert_eq!(async_add(&mut sp, "sp").await.unwrap(), 3);
                sp.release().await.unwrap();
                tx.commit().await.unwrap();
                c.query_map("SELECT title FROM todo ORDER BY id", (), title)
                    .await
                    .unwrap()
            }))
            .unwrap();
        assert_eq!(titles, ["conn", "tx", "sp"], "{kind:?}");
    }
}
