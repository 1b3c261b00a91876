//! Property tests (proptest): NAME parsing and redaction, and value
//! conversion, never panic on generated or mutated input, and keep their
//! promises. Case count: `PROPTEST_CASES` (default 256).

use proptest::prelude::*;

use crate::convert::{FromSql, ToSql};
use crate::error::{Error, ErrorKind};
use crate::name::{Target, redact_name};
use crate::value::{Value, ValueRef};

/// The token appended to names; it cannot come out of the fragments.
const SECRET: &str = "Zq7tokSECRET";

/// Pieces the NAME grammar cares about, glued into names.
fn name_from_fragments() -> impl Strategy<Value = String> {
    let fragment = prop::sample::select(vec![
        ":",
        "/",
        "?",
        "&",
        "#",
        "@",
        "=",
        ".",
        "%",
        "%2",
        "é",
        "a",
        "Z",
        "1",
        "-",
        "_",
        " ",
        "\\",
        "~",
        "\0",
        "[::1]",
        ":8080",
        "authToken=",
        "AUTH_TOKEN=",
        "tls=0",
        "libsql://",
        "https://",
        "http://",
        "ws://",
        "file:",
        ":memory:",
        ".turso.io",
        ".db",
        ".zip",
        "localhost",
        "127.0.0.1",
        "u:p@",
    ]);
    prop::collection::vec(fragment, 0..10).prop_map(|v| v.concat())
}

/// A bare name: letters, digits, dots and dashes only.
fn bare_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9.-]{1,40}",
        "[a-z0-9-]{1,20}\\.[tT][uU][rR][sS][oO]\\.[iI][oO]",
        "[a-z0-9-]{1,20}\\.(db|zip|local|com|io|sqlite3|txt)",
    ]
}

/// What every NAME must satisfy: parse or fail with `InvalidName`; a remote
/// target is http(s) with a host and no token left in its URL; the token
/// never shows in an error.
fn check_name(name: &str) {
    let shown = redact_name(name);
    assert!(!shown.contains(SECRET) || !name.contains(&format!("authToken={SECRET}")));
    match Target::parse(name) {
        Ok(Target::Remote(r)) => {
            assert!(matches!(r.url.scheme(), "http" | "https"), "{name:?}");
            assert!(r.url.has_host(), "{name:?}");
            assert!(!r.url.as_str().contains(SECRET), "{name:?}");
        }
        Ok(Target::Local(_)) => {}
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidName, "{name:?}: {e:?}");
            assert!(!format!("{e} {e:?}").contains(SECRET), "{name:?}: {e}");
        }
    }
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::Integer),
        any::<f64>().prop_map(Value::Real),
        any::<String>().prop_map(Value::Text),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Value::Blob),
    ]
}

/// Read `v` as `T`: a value or a conversion error, never a panic.
fn read<T: FromSql>(v: &Value) -> Result<T, Error> {
    T::from_sql(v.as_ref()).map_err(Error::from)
}

proptest! {
    #[test]
    fn any_string_is_a_name_or_a_clean_error(name in any::<String>()) {
        check_name(&name);
    }

    #[test]
    fn fragment_names_never_panic_or_leak(name in name_from_fragments()) {
        check_name(&name);
        if !name.contains('#') {
            let sep = if name.contains('?') { '&' } else { '?' };
            check_name(&format!("{name}{sep}authToken={SECRET}"));
        }
    }

    /// A bare name is a host only when it ends in `.turso.io`: a file name
    /// never becomes a host that would receive the token.
    #[test]
    fn bare_names_are_hosts_only_on_turso(name in bare_name()) {
        if let Ok(Target::Remote(r)) = Target::parse(&name) {
            prop_assert!(name.to_ascii_lowercase().ends_with(".turso.io"), "{} -> {}", name, r.url);
        }
    }

    #[test]
    fn conversions_never_panic(v in value()) {
        let _ = read::<i64>(&v);
        let _ = read::<i32>(&v);
        let _ = read::<u8>(&v);
        let _ = read::<u64>(&v);
        let _ = read::<bool>(&v);
        let _ = read::<f64>(&v);
        let _ = read::<f32>(&v);
        let _ = read::<String>(&v);
        let _ = read::<Vec<u8>>(&v);
        let _ = read::<[u8; 4]>(&v);
        let _ = read::<Option<i64>>(&v);
        let back: Value = read(&v).unwrap();
        prop_assert!(same(&back, &v));
        let _ = v.to_sql();
        let _ = ValueRef::from(&v).to_owned_value();
    }

    #[test]
    fn values_round_trip_through_rust_types(i in any::<i64>(), f in any::<f64>(), s in any::<String>(), b in prop::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(read::<i64>(&i.to_sql().unwrap()).unwrap(), i);
        match f.to_sql() {
            Ok(v) => prop_assert_eq!(read::<f64>(&v).unwrap().to_bits(), f.to_bits()),
            Err(_) => prop_assert!(!f.is_finite()),
        }
        prop_assert_eq!(read::<String>(&s.to_sql().unwrap()).unwrap(), s);
        prop_assert_eq!(read::<Vec<u8>>(&b.to_sql().unwrap()).unwrap(), b);
        // Narrowing never truncates: it converts exactly or fails.
        match read::<i32>(&Value::Integer(i)) {
            Ok(n) => prop_assert_eq!(i64::from(n), i),
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Conversion),
        }
        match read::<u64>(&Value::Integer(i)) {
            Ok(n) => prop_assert_eq!(i64::try_from(n).ok(), Some(i)),
            Err(e) => prop_assert_eq!(e.kind(), ErrorKind::Conversion),
        }
    }
}

/// Equal values, NaN equal to NaN (bit for bit).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}
