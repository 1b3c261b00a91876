//! Query helper contracts, identical on every transport and in both flavours:
//! `query_row` first row, `query_one` exactly one, `query_opt` at most one,
//! `query_scalar`, `query_map`, `query_as` (serde), `OptionalExt`, and the
//! same through guards and prepared statements.

use serde::Deserialize;
use sqlport::{ErrorKind, OptionalExt, Row};

use super::*;

#[derive(Debug, Deserialize, PartialEq)]
struct Person {
    id: i64,
    name: String,
}

const SETUP: &str = "DROP TABLE IF EXISTS p; CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT);
                     INSERT INTO p VALUES (1, 'ada'), (2, 'bob');";

fn name(r: &Row) -> sqlport::Result<String> {
    r.get(0)
}

#[test]
fn blocking_helpers_keep_their_contracts() {
    for t in Target::all() {
        let db = t.blocking();
        let mut c = db.connect().unwrap();
        c.execute_batch(SETUP).unwrap();
        let all = "SELECT name FROM p ORDER BY id";
        let none = "SELECT name FROM p WHERE id = 9";
        let one = "SELECT name FROM p WHERE id = 2";

        assert_eq!(c.query_row(all, (), name).unwrap(), "ada", "{:?}", t.kind);
        assert_eq!(
            c.query_row(none, (), name).unwrap_err().kind(),
            ErrorKind::NoRows
        );
        assert_eq!(c.query_row(none, (), name).optional().unwrap(), None);

        assert_eq!(c.query_one(one, (), name).unwrap(), "bob");
        assert_eq!(
            c.query_one(none, (), name).unwrap_err().kind(),
            ErrorKind::NoRows
        );
        assert_eq!(
            c.query_one(all, (), name).unwrap_err().kind(),
            ErrorKind::TooManyRows
        );

        assert_eq!(c.query_opt(one, (), name).unwrap().as_deref(), Some("bob"));
        assert_eq!(c.query_opt(none, (), name).unwrap(), None);
        assert_eq!(
            c.query_opt(all, (), name).unwrap_err().kind(),
            ErrorKind::TooManyRows
        );

        assert_eq!(
            c.query_scalar::<i64>("SELECT count(*) FROM p", ()).unwrap(),
            2
        );
        assert_eq!(
            c.query_scalar::<String>(none, ()).unwrap_err().kind(),
            ErrorKind::NoRows
        );
        assert_eq!(
            c.query_scalar::<String>(all, ()).unwrap_err().kind(),
            ErrorKind::TooManyRows
        );
        assert_eq!(
            c.query_scalar::<i64>(one, ()).unwrap_err().kind(),
            ErrorKind::Conversion
        );

        assert_eq!(c.query_map(all, (), name).unwrap(), ["ada", "bob"]);
        assert!(c.query_map(none, (), name).unwrap().is_empty());

        let people: Vec<Person> = c
            .query_as("SELECT id, name FROM p ORDER BY id", ())
            .unwrap();
        assert_eq!(
            people[1],
            Person {
                id: 2,
                name: "bob".into()
            }
        );
        let (id, n): (i64, String) = c
            .query_one_as("SELECT id, name FROM p WHERE id = 1", ())
            .unwrap();
        assert_eq!((id, n.as_str()), (1, "ada"));
        assert_eq!(
            c.query_opt_as::<Person>("SELECT id, name FROM p WHERE id = 9", ())
                .unwrap(),
            None
        );

        // Through a guard and a savepoint, and a prepared statement.
        let mut tx = c.transaction().unwrap();
        tx.execute("INSERT INTO p VALUES (3, 'cy')", ()).unwrap();
        assert_eq!(
            tx.query_scalar::<i64>("SELECT count(*) FROM p", ())
                .unwrap(),
            3
        );
        {
            let mut sp = tx.savepoint().unwrap();
            sp.execute("DELETE FROM p", ()).unwrap();
            assert_eq!(sp.query_opt(one, (), name).unwrap(), None);
            sp.rollback().unwrap();
        }
        assert_eq!(tx.query_map(all, (), name).unwrap(), ["ada", "bob", "cy"]);
        {
            let mut by_id = tx.prepare("SELECT name FROM p WHERE id = ?").unwrap();
            assert_eq!(by_id.query_one([3], name).unwrap(), "cy");
            assert_eq!(by_id.query_opt([9], name).unwrap(), None);
            assert_eq!(by_id.query_scalar::<String>([1]).unwrap(), "ada");
        }
        tx.rollback().unwrap();
        let mut ge = c
            .prepare("SELECT name FROM p WHERE id >= ? ORDER BY id")
            .unwrap();
        assert_eq!(ge.query_map([1], name).unwrap(), ["ada", "bob"]);
        assert_eq!(
            ge.query_one([1], name).unwrap_err().kind(),
            ErrorKind::TooManyRows
        );
        assert_eq!(ge.query_row([2], name).unwrap(), "bob");
        drop(ge); // a prepared statement borrows the connection until dropped
        let people: Vec<Person> = c
            .prepare("SELECT id, name FROM p WHERE id < ?")
            .unwrap()
            .query_as([2])
            .unwrap();
        assert_eq!(people.len(), 1);
    }
}

#[test]
fn async_helpers_keep_their_contracts() {
    let rt = runtime();
    for t in Target::all() {
        let db = t.nonblocking();
        rt.block_on(async {
            let mut c = db.connect().await.unwrap();
            c.execute_batch(SETUP).await.unwrap();
            let all = "SELECT name FROM p ORDER BY id";
            let none = "SELECT name FROM p WHERE id = 9";
            let one = "SELECT name FROM p WHERE id = 2";

            assert_eq!(
                c.query_row(all, (), name).await.unwrap(),
                "ada",
                "{:?}",
                t.kind
            );
            assert_eq!(c.query_row(none, (), name).await.optional().unwrap(), None);
            assert_eq!(c.query_one(one, (), name).await.unwrap(), "bob");
            assert_eq!(
                c.query_one(none, (), name).await.unwrap_err().kind(),
                ErrorKind::NoRows
            );
            assert_eq!(
                c.query_one(all, (), name).await.unwrap_err().kind(),
                ErrorKind::TooManyRows
            );
            assert_eq!(c.query_opt(none, (), name).await.unwrap(), None);
            assert_eq!(
                c.query_opt(all, (), name).await.unwrap_err().kind(),
                ErrorKind::TooManyRows
            );
            assert_eq!(
                c.query_scalar::<i64>("SELECT count(*) FROM p", ())
                    .await
                    .unwrap(),
                2
            );
            assert_eq!(
                c.query_scalar::<String>(all, ()).await.unwrap_err().kind(),
                ErrorKind::TooManyRows
            );
            assert_eq!(c.query_map(all, (), name).await.unwrap(), ["ada", "bob"]);
            let people: Vec<Person> = c
                .query_as("SELECT id, name FROM p ORDER BY id", ())
                .await
                .unwrap();
            assert_eq!(
                people[0],
                Person {
                    id: 1,
                    name: "ada".into()
                }
            );
            assert_eq!(
                c.query_one_as::<Person>("SELECT id, name FROM p WHERE id = 2", ())
                    .await
                    .unwrap()
                    .name,
                "bob"
            );

            let mut tx = c.transaction().await.unwrap();
            tx.execute("INSERT INTO p VALUES (3, 'cy')", ())
                .await
                .unwrap();
            {
                let mut sp = tx.savepoint().await.unwrap();
                sp.execute("DELETE FROM p", ()).await.unwrap();
                assert_eq!(sp.query_opt(one, (), name).await.unwrap(), None);
                sp.rollback().await.unwrap();
            }
            {
                let mut by_id = tx.prepare("SELECT name FROM p WHERE id = ?").unwrap();
                assert_eq!(by_id.query_one([3], name).await.unwrap(), "cy");
                assert_eq!(by_id.query_opt([9], name).await.unwrap(), None);
                assert_eq!(by_id.execute([1]).await.unwrap(), 0);
            }
            tx.commit().await.unwrap();
            let mut ge = c
                .prepare("SELECT name FROM p WHERE id >= ? ORDER BY id")
                .unwrap();
            assert_eq!(ge.query_map([2], name).await.unwrap(), ["bob", "cy"]);
            assert_eq!(
                ge.query_scalar::<String>([1]).await.unwrap_err().kind(),
                ErrorKind::TooManyRows
            );
            let names: Vec<(String,)> = ge.query_as([3]).await.unwrap();
            assert_eq!(names, [("cy".to_owned(),)]);
        });
    }
}

#[test]
fn the_rusqlite_connection_exists_only_locally() {
    let rt = runtime();
    for t in Target::all() {
        let mut c = t.blocking().connect().unwrap();
        let blocking = c.with_rusqlite(|raw| raw.is_autocommit());
        let db = t.nonblocking();
        let nonblocking = rt.block_on(async {
            let mut c = db.connect().await.unwrap();
            c.with_rusqlite(|raw| raw.is_autocommit()).await
        });
        match t.kind {
            Kind::Local => assert!(blocking.unwrap() && nonblocking.unwrap()),
            Kind::Http => {
                assert_eq!(blocking.unwrap_err().kind(), ErrorKind::Unsupported);
                assert_eq!(nonblocking.unwrap_err().kind(), ErrorKind::Unsupported);
            }
        }
    }
}
