//! Values: every storage class round-trips exactly.

use rand::{Rng, SeedableRng, rngs::StdRng};
use sqlport::{ErrorKind, Type, Value, params};

use crate::suite::case::Case;
use crate::suite::check::{
    CaseResult, Checked, Failure, ensure, ensure_eq, ensure_values, only_row, show_value,
};
use crate::suite::context::Ctx;
use crate::suite::exact_real::exact_real_sql;
use crate::suite::probe::Probe;

pub(super) const CASES: &[Case] = &[
    Case::new("values::storage_classes", &[], storage_classes),
    Case::new("values::integer_extremes", &[], integer_extremes),
    Case::new("values::integer_2_53_plus_1", &[], integer_2_53_plus_1),
    Case::new("values::real_edges", &[], real_edges),
    Case::new("values::real_parameters_exact", &[], real_parameters_exact)
        .with_probes(&[Probe::ExactRealParameters]),
    Case::new("values::real_non_finite", &[], real_non_finite),
    Case::new("values::text_unicode", &[], text_unicode),
    Case::new("values::text_with_nul", &[], text_with_nul),
    Case::new("values::blob_empty", &[], blob_empty),
    Case::new("values::blob_1mb", &[], blob_1mb),
    Case::new("values::null_everywhere", &[], null_everywhere),
    Case::new(
        "values::typed_reads_never_panic",
        &[],
        typed_reads_never_panic,
    ),
];

/// Insert `v` into a fresh one-column table and read it back, with its typeof().
fn round_trip(ctx: &mut Ctx, table: &str, v: Value) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&[table])?;
    conn.ok_execute(&format!("CREATE TABLE {table} (v)"), ())?;
    let insert = format!("INSERT INTO {table} (v) VALUES (?)");
    conn.ok_execute(&insert, [v.clone()])?;
    let select = format!("SELECT v, typeof(v) FROM {table}");
    let row = conn.ok_row(&select, ())?;
    ensure_values(
        Some(&select),
        std::slice::from_ref(&v),
        &row[..1.min(row.len())],
    )?;
    let expected_type = match v.value_type() {
        Type::Null => "null",
        Type::Integer => "integer",
        Type::Real => "real",
        Type::Text => "text",
        Type::Blob => "blob",
    };
    ensure_values(
        Some(&select),
        &[Value::Text(expected_type.into())],
        &row[1.min(row.len())..],
    )?;
    // The same value as a bound parameter echoed by SELECT.
    let echo = "SELECT ?";
    let got = conn.ok_row(echo, [v.clone()])?;
    ensure_values(Some(echo), &[v], &got)?;
    conn.drop_tables(&[table])
}

fn storage_classes(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    let sql = "SELECT NULL, 42, 1.5, 'text', x'00ff'";
    let row = conn.ok_row(sql, ())?;
    ensure_values(
        Some(sql),
        &[
            Value::Null,
            Value::Integer(42),
            Value::Real(1.5),
            Value::Text("text".into()),
            Value::Blob(vec![0, 255]),
        ],
        &row,
    )?;
    let sql = "SELECT typeof(NULL), typeof(42), typeof(1.5), typeof('text'), typeof(x'00ff')";
    let row = conn.ok_row(sql, ())?;
    let names: Vec<Value> = ["null", "integer", "real", "text", "blob"]
        .iter()
        .map(|s| Value::Text((*s).into()))
        .collect();
    ensure_values(Some(sql), &names, &row)?;
    for (i, v) in [
        Value::Null,
        Value::Integer(7),
        Value::Real(2.25),
        Value::Text("t".into()),
        Value::Blob(vec![1, 2, 3]),
    ]
    .into_iter()
    .enumerate()
    {
        round_trip(ctx, &format!("v_classes_{i}"), v)?;
    }
    Ok(())
}

fn integer_extremes(ctx: &mut Ctx) -> CaseResult {
    for (i, n) in [i64::MIN, i64::MAX, 0, -1, 1, i64::MIN + 1, i64::MAX - 1]
        .into_iter()
        .enumerate()
    {
        round_trip(ctx, &format!("v_ints_{i}"), Value::Integer(n))?;
    }
    let mut conn = ctx.connect()?;
    let sql = "SELECT 9223372036854775807, -9223372036854775808, typeof(-9223372036854775808)";
    let row = conn.ok_row(sql, ())?;
    ensure_values(
        Some(sql),
        &[
            Value::Integer(i64::MAX),
            Value::Integer(i64::MIN),
            Value::Text("integer".into()),
        ],
        &row,
    )?;
    let sql = "SELECT ? - 1, ? + 1";
    let row = conn.ok_row(sql, (i64::MAX, i64::MIN))?;
    ensure_values(
        Some(sql),
        &[Value::Integer(i64::MAX - 1), Value::Integer(i64::MIN + 1)],
        &row,
    )
}

fn integer_2_53_plus_1(ctx: &mut Ctx) -> CaseResult {
    const N: i64 = 9_007_199_254_740_993;
    round_trip(ctx, "v_2_53", Value::Integer(N))?;
    let mut conn = ctx.connect()?;
    let sql = "SELECT 9007199254740993, 9007199254740993 - 9007199254740992, ? = 9007199254740993";
    let row = conn.ok_row(sql, [N])?;
    ensure_values(
        Some(sql),
        &[Value::Integer(N), Value::Integer(1), Value::Integer(1)],
        &row,
    )?;
    let got: i64 = conn.ok_one("SELECT ? + 2", [N])?;
    ensure_eq(Some("SELECT ? + 2"), "value", N + 2, got)
}

/// Edge REALs: extremes, subnormals, values whose decimal form is long.
const EDGE_REALS: [f64; 14] = [
    0.0,
    1.5,
    -2.75,
    0.1,
    1.0 / 3.0,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e-300,
    1e300,
    123_456_789.123_456_79,
    9007199254740993.0,
];

/// Reals made on the server from integers (no decimal parsing, see
/// [`exact_real_sql`]) come back bit for bit, as values and from a table.
fn real_edges(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    let exprs: Vec<String> = EDGE_REALS
        .iter()
        .filter_map(|r| exact_real_sql(*r))
        .collect();
    let expected: Vec<Value> = EDGE_REALS.iter().map(|r| Value::Real(*r)).collect();
    let sql = format!("SELECT {}", exprs.join(", "));
    let row = conn.ok_row(&sql, ())?;
    ensure_values(Some(&sql), &expected, &row)?;
    conn.fresh_table("v_reals", "i INTEGER PRIMARY KEY, v REAL")?;
    for (i, e) in exprs.iter().enumerate() {
        conn.ok_execute(&format!("INSERT INTO v_reals VALUES ({i}, {e})"), ())?;
    }
    let sql = "SELECT v FROM v_reals ORDER BY i";
    let got: Vec<Value> = conn
        .ok_query(sql, ())?
        .rows
        .iter()
        .filter_map(|r| r.values().first().cloned())
        .collect();
    ensure_values(Some(sql), &expected, &got)?;
    let sql = "SELECT count(*) FROM v_reals WHERE typeof(v) = 'real'";
    let n: i64 = conn.ok_one(sql, ())?;
    ensure_eq(Some(sql), "REAL rows", EDGE_REALS.len() as i64, n)?;
    conn.drop_tables(&["v_reals"])?;
    // A REAL that holds an integral value stays a REAL.
    let sql = "SELECT 2.0, typeof(2.0), CAST(1 AS REAL), typeof(CAST(1 AS REAL))";
    let row = conn.ok_row(sql, ())?;
    ensure_values(
        Some(sql),
        &[
            Value::Real(2.0),
            Value::Text("real".into()),
            Value::Real(1.0),
            Value::Text("real".into()),
        ],
        &row,
    )?;
    // -0.0 compares equal to 0.0 wherever it comes back.
    let got: f64 = conn.ok_one("SELECT ?", [-0.0f64])?;
    ensure(got == 0.0, Some("SELECT ?"), "-0.0 (or 0.0)", || {
        format!("{got:?}")
    })
}

/// Bound REAL parameters reach the server exactly and come back exactly:
/// stored and echoed, compared on the server with the same value built from
/// integers, and 400 random bit patterns echoed. Needs a server that reads
/// parameters exactly ([`Probe::ExactRealParameters`]).
fn real_parameters_exact(ctx: &mut Ctx) -> CaseResult {
    for (i, r) in EDGE_REALS.into_iter().enumerate() {
        round_trip(ctx, &format!("v_reals_{i}"), Value::Real(r))?;
    }
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut randoms: Vec<f64> = Vec::new();
    // Bounded: a finite double comes up with probability > 0.99 per draw.
    for _ in 0..1000 {
        let r = f64::from_bits(rng.random());
        if r.is_finite() {
            randoms.push(r);
        }
        if randoms.len() == 400 {
            break;
        }
    }
    let mut conn = ctx.connect()?;
    for chunk in randoms.chunks(40) {
        let columns: Vec<String> = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some(format!("?{n}, ?{n} = {}", exact_real_sql(*r)?, n = i + 1)))
            .collect();
        let sql = format!("SELECT {}", columns.join(", "));
        let row = conn.ok_row(&sql, chunk.to_vec())?;
        let expected: Vec<Value> = chunk
            .iter()
            .flat_map(|r| [Value::Real(*r), Value::Integer(1)])
            .collect();
        ensure_values(Some(&sql), &expected, &row)?;
    }
    Ok(())
}

fn real_non_finite(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    // Binding NaN or an infinity is refused before anything is sent.
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        match conn.query("SELECT ?", [bad]) {
            Err(e) if e.kind() == ErrorKind::Conversion => {}
            Err(e) => {
                return Err(Failure::new(
                    Some("SELECT ?"),
                    format!("error Conversion binding {bad}"),
                    crate::suite::describe_error(&e),
                ));
            }
            Ok(_) => {
                return Err(Failure::new(
                    Some("SELECT ?"),
                    format!("error Conversion binding {bad}"),
                    "success",
                ));
            }
        }
    }
    // SQLite's overflow to infinity reads back as a non-finite REAL (the sign
    // may be lost over JSON, see `Value`).
    let sql = "SELECT 1e999";
    let row = conn.ok_row(sql, ())?;
    match row.first() {
        Some(Value::Real(r)) if !r.is_finite() => Ok(()),
        other => Err(Failure::new(
            Some(sql),
            "a non-finite REAL",
            other.map(show_value).unwrap_or_default(),
        )),
    }
}

fn text_unicode(ctx: &mut Ctx) -> CaseResult {
    let samples = [
        "",
        "plain ascii",
        "héllo wörld",
        "日本語のテキスト",
        "🦀 crab, 👩‍👩‍👧 family",
        "e\u{301} combining",
        "שלום עולם",
        "line\nbreak\ttab\r\n",
        "quote ' and \" and \\",
        "\u{10FFFF}\u{FFFD}",
    ];
    for (i, s) in samples.into_iter().enumerate() {
        round_trip(ctx, &format!("v_text_{i}"), Value::Text(s.into()))?;
    }
    let mut conn = ctx.connect()?;
    let sql = "SELECT length('日本語'), 'é' || '🦀'";
    let row = conn.ok_row(sql, ())?;
    ensure_values(
        Some(sql),
        &[Value::Integer(3), Value::Text("é🦀".into())],
        &row,
    )
}

fn text_with_nul(ctx: &mut Ctx) -> CaseResult {
    round_trip(ctx, "v_nul_a", Value::Text("a\0b".into()))?;
    round_trip(ctx, "v_nul_b", Value::Text("\0".into()))?;
    round_trip(ctx, "v_nul_c", Value::Text("trailing\0".into()))
}

fn blob_empty(ctx: &mut Ctx) -> CaseResult {
    round_trip(ctx, "v_blob_empty", Value::Blob(Vec::new()))?;
    let mut conn = ctx.connect()?;
    let sql = "SELECT x'', typeof(x''), length(x''), zeroblob(0) IS NULL";
    let row = conn.ok_row(sql, ())?;
    ensure_values(
        Some(sql),
        &[
            Value::Blob(Vec::new()),
            Value::Text("blob".into()),
            Value::Integer(0),
            Value::Integer(0),
        ],
        &row,
    )?;
    let all: Vec<u8> = (0..=255u8).collect();
    round_trip(ctx, "v_blob_bytes", Value::Blob(all))
}

fn blob_1mb(ctx: &mut Ctx) -> CaseResult {
    let blob: Vec<u8> = (0..1024 * 1024)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    round_trip(ctx, "v_blob_mb", Value::Blob(blob.clone()))?;
    let mut conn = ctx.connect()?;
    let sql = "SELECT length(?), hex(substr(?, 1, 4))";
    let row = conn.ok_row(sql, params![blob.clone(), blob.clone()])?;
    let hex: String = blob[..4].iter().map(|b| format!("{b:02X}")).collect();
    ensure_values(
        Some(sql),
        &[Value::Integer(1024 * 1024), Value::Text(hex)],
        &row,
    )?;
    let sql = "SELECT zeroblob(1048576)";
    let row = conn.ok_row(sql, ())?;
    ensure_values(Some(sql), &[Value::Blob(vec![0; 1024 * 1024])], &row)
}

fn null_everywhere(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    conn.drop_tables(&["v_nulls"])?;
    conn.ok_execute(
        "CREATE TABLE v_nulls (i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC, a ANY_TYPE, u)",
        (),
    )?;
    let insert = "INSERT INTO v_nulls VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *";
    let rs = conn.ok_query(
        insert,
        [
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Null,
        ],
    )?;
    let returned = only_row(insert, &rs)?;
    ensure_values(Some(insert), &vec![Value::Null; 7], &returned)?;
    conn.ok_execute("INSERT INTO v_nulls (i) VALUES (NULL)", ())?;
    let sql = "SELECT * FROM v_nulls";
    let rs = conn.ok_query(sql, ())?;
    ensure_eq(Some(sql), "row count", 2, rs.rows.len())?;
    for row in &rs.rows {
        ensure_values(Some(sql), &vec![Value::Null; 7], row.values())?;
    }
    let sql = "SELECT count(*) FROM v_nulls WHERE i IS NULL AND t IS NULL AND b IS ?";
    let n: i64 = conn.ok_one(sql, [Value::Null])?;
    ensure_eq(Some(sql), "count", 2, n)?;
    let sql = "SELECT NULL, typeof(NULL), ? IS NULL, coalesce(NULL, ?)";
    let row = conn.ok_row(sql, (None::<i64>, None::<String>))?;
    ensure_values(
        Some(sql),
        &[
            Value::Null,
            Value::Text("null".into()),
            Value::Integer(1),
            Value::Null,
        ],
        &row,
    )?;
    let got: Option<i64> = conn.ok_one("SELECT NULL", ())?;
    ensure_eq(Some("SELECT NULL"), "Option<i64>", None, got)?;
    conn.drop_tables(&["v_nulls"])
}

fn typed_reads_never_panic(ctx: &mut Ctx) -> CaseResult {
    let mut conn = ctx.connect()?;
    let sql = "SELECT 'text', 300, NULL, 1.5";
    let rs = conn.ok_query(sql, ())?;
    let row = rs
        .rows
        .first()
        .ok_or_else(|| Failure::new(Some(sql), "one row", "none"))?;
    let conversion = ErrorKind::Conversion;
    let checks = [
        ("i64 from TEXT", conversion, row.get::<i64>(0).err()),
        ("u8 from 300", conversion, row.get::<u8>(1).err()),
        ("i64 from NULL", conversion, row.get::<i64>(2).err()),
        ("String from REAL", conversion, row.get::<String>(3).err()),
        (
            "column 9",
            ErrorKind::InvalidColumn,
            row.get::<i64>(9).err(),
        ),
    ];
    for (what, expected, err) in checks {
        ensure_eq(Some(sql), what, Some(expected), err.map(|e| e.kind()))?;
    }
    let n: i64 = row.get(1).map_err(Failure::from)?;
    ensure_eq(Some(sql), "i64 from 300", 300, n)
}
