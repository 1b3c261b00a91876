//! Golden tests: sqlmigrate output and column definitions, byte for byte.

use sqlport_schema::{Migration, ProjectState};

pub(crate) fn fixture(name: &str) -> String {
    let p = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

pub(crate) fn migration(name: &str) -> Migration {
    Migration::from_json_str(&fixture(&format!("migrations/{name}.json"))).unwrap()
}

/// The state after the auth stub and the given shop migrations.
pub(crate) fn state_after(names: &[&str]) -> ProjectState {
    let mut s = ProjectState::new();
    migration("auth_stub").apply_state(&mut s).unwrap();
    for n in names {
        migration(n).apply_state(&mut s).unwrap();
    }
    s
}

fn assert_same(expected: &str, actual: &str) {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for (i, (x, y)) in e.iter().zip(a.iter()).enumerate() {
        assert_eq!(x, y, "line {} differs", i + 1);
    }
    assert_eq!(e.len(), a.len(), "line count differs");
    assert_eq!(expected, actual);
}

#[test]
fn sqlmigrate_0001_initial() {
    let mut s = state_after(&[]);
    let out = migration("0001_initial").sqlmigrate(&mut s).unwrap();
    assert_same(&fixture("0001_initial.sql"), &out);
}

#[test]
fn sqlmigrate_0002_alter() {
    let mut s = state_after(&["0001_initial"]);
    let out = migration("0002_alter").sqlmigrate(&mut s).unwrap();
    assert_same(&fixture("0002_alter.sql"), &out);
}

#[test]
fn sqlmigrate_0003_more_alter() {
    let mut s = state_after(&["0001_initial", "0002_alter"]);
    let out = migration("0003_more_alter").sqlmigrate(&mut s).unwrap();
    assert_same(&fixture("0003_more_alter.sql"), &out);
}
