//! SQL that makes a given REAL on the server without parsing a decimal float.
//!
//! How a server turns decimal text into a double is its own business, and
//! servers differ: SQLite's literal parser is off by one unit in the last
//! place for some values (`1e-300` reads as `9.999999999999999e-301`), and
//! sqld reads JSON numbers of bound parameters with a fast path that is off
//! for others. A case that checks what a transport carries must not depend on
//! either, so it builds its REAL values from integers: `m * 2^e` as
//! `CAST(m AS REAL)` multiplied or divided by powers of two, each step exact.

/// An SQL expression whose value is exactly `v` on any SQLite (IEEE-754
/// doubles, round to nearest): the integer significand cast to REAL, then
/// scaled by powers of two of at most 2^62, each an integer literal cast to
/// REAL. Every intermediate result lies between the significand and `v`, so
/// no step rounds. `None` for NaN and the infinities.
pub fn exact_real_sql(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    let bits = v.to_bits();
    let sign = if bits >> 63 == 1 { "-" } else { "" };
    if v == 0.0 {
        // SQLite has no negative zero to give back.
        return Some("CAST(0 AS REAL)".to_owned());
    }
    let exp_bits = i32::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
    let fraction = bits & ((1 << 52) - 1);
    let (mut significand, mut exp) = if exp_bits == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), exp_bits - 1075)
    };
    let zeros = significand.trailing_zeros();
    significand >>= zeros;
    exp += i32::try_from(zeros).unwrap_or(0);
    let mut sql = format!("CAST({sign}{significand} AS REAL)");
    // Bounded: |exp| <= 1074, so at most 18 steps.
    while exp != 0 {
        let step = exp.abs().min(62);
        let op = if exp > 0 { '*' } else { '/' };
        sql = format!("({sql} {op} CAST({} AS REAL))", 1u64 << step);
        exp -= step * exp.signum();
    }
    Some(sql)
}

#[cfg(test)]
mod tests {
    use super::exact_real_sql;
    use rand::{Rng, SeedableRng, rngs::StdRng};
    use sqlport::Value;
    use sqlport::blocking::Database;

    fn check_all(values: &[f64]) {
        let db = Database::open(":memory:").unwrap();
        let mut conn = db.connect().unwrap();
        for chunk in values.chunks(100) {
            let exprs: Vec<String> = chunk.iter().map(|v| exact_real_sql(*v).unwrap()).collect();
            let sql = format!("SELECT {}", exprs.join(", "));
            let rs = conn.query(&sql, ()).unwrap();
            for (v, got) in chunk.iter().zip(rs.rows[0].values()) {
                match got {
                    Value::Real(r) => {
                        assert_eq!(r.to_bits(), v.to_bits(), "{v:e} came back as {r:e}")
                    }
                    other => panic!("{v:e} came back as {other:?}"),
                }
            }
        }
    }

    #[test]
    fn edge_values_are_exact() {
        check_all(&[
            0.0,
            1.0,
            -1.5,
            0.1,
            1.0 / 3.0,
            1e-300,
            1e300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::MIN_POSITIVE - 5e-324,
            123_456_789.123_456_79,
            9_007_199_254_740_993.0,
        ]);
        assert_eq!(exact_real_sql(f64::NAN), None);
        assert_eq!(exact_real_sql(f64::INFINITY), None);
    }

    #[test]
    fn random_bit_patterns_are_exact() {
        let mut rng = StdRng::seed_from_u64(10);
        let values: Vec<f64> = (0..2000)
            .map(|_| f64::from_bits(rng.random()))
            .filter(|v| v.is_finite())
            .collect();
        check_all(&values);
    }
}
