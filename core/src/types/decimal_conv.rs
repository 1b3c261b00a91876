//! `rust_decimal::Decimal` as Django's `DecimalField` stores it on SQLite
//! (feature `rust_decimal`); the precision caveat is explained in
//! [`types`](super).

use rust_decimal::Decimal;

use super::InvalidFormat;
use crate::convert::{FromSql, ToSql};
use crate::error::ConversionError;
use crate::value::{Value, ValueRef};

const TARGET: &str = "rust_decimal::Decimal";

/// Significant digits Django keeps of a REAL (`Context(prec=15)`).
const REAL_DIGITS: usize = 15;

/// `rust_decimal`'s largest scale.
const MAX_SCALE: u32 = 28;

impl ToSql for Decimal {
    fn to_sql(&self) -> Result<Value, ConversionError> {
        // Plain notation with the value's own scale: "12.50", "-0.001", "100".
        Ok(Value::Text(self.to_string()))
    }
}

/// Divide by `10^places`, rounding half to even.
fn div_pow10_half_even(m: i128, places: u32) -> i128 {
    let Some(div) = 10i128.checked_pow(places) else {
        return 0;
    };
    let q = m / div;
    let r = m % div;
    let twice = r.abs() * 2;
    let away = twice > div || (twice == div && q % 2 != 0);
    if away { q + m.signum() } else { q }
}

/// A REAL rounded to 15 significant digits, as Django's DecimalField
/// converter does (`create_decimal_from_float` with precision 15).
fn from_real(r: f64) -> Result<Decimal, ConversionError> {
    let out_of_range = || ConversionError::OutOfRange {
        value: r.to_string(),
        target: TARGET,
    };
    if !r.is_finite() {
        return Err(out_of_range());
    }
    if r == 0.0 {
        return Ok(Decimal::ZERO);
    }
    // d.dddddddddddddde±x: 15 significant digits, correctly rounded.
    let sci = format!("{:.*e}", REAL_DIGITS - 1, r);
    let (mantissa, exp) = sci.split_once('e').ok_or_else(out_of_range)?;
    let exp: i32 = exp.parse().map_err(|_| out_of_range())?;
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let m: i128 = digits.parse().map_err(|_| out_of_range())?;
    // value = m * 10^(exp - 14)
    let shift = exp - (REAL_DIGITS as i32 - 1);
    let value = if shift >= 0 {
        let factor = 10i128
            .checked_pow(shift.unsigned_abs())
            .ok_or_else(out_of_range)?;
        let n = m.checked_mul(factor).ok_or_else(out_of_range)?;
        Decimal::try_from_i128_with_scale(n, 0).map_err(|_| out_of_range())?
    } else {
        let scale = shift.unsigned_abs();
        let (n, scale) = if scale > MAX_SCALE {
            (div_pow10_half_even(m, scale - MAX_SCALE), MAX_SCALE)
        } else {
            (m, scale)
        };
        Decimal::try_from_i128_with_scale(n, scale).map_err(|_| out_of_range())?
    };
    Ok(value.normalize())
}

fn from_text(t: &str) -> Result<Decimal, ConversionError> {
    let parsed = if t.contains(['e', 'E']) {
        Decimal::from_scientific(t)
    } else {
        Decimal::from_str_exact(t)
    };
    parsed.map_err(|e| InvalidFormat::error(TARGET, t, e.to_string()))
}

impl FromSql for Decimal {
    fn from_sql(value: ValueRef<'_>) -> Result<Self, ConversionError> {
        match value {
            ValueRef::Integer(i) => Ok(Decimal::from(i)),
            ValueRef::Real(r) => from_real(r),
            ValueRef::Text(t) => from_text(t),
            v => Err(ConversionError::InvalidType {
                expected: "INTEGER, REAL or TEXT (a Django decimal)",
                found: v.value_type(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn written_as_plain_text_with_its_scale() {
        assert_eq!(dec("12.50").to_sql().unwrap(), Value::Text("12.50".into()));
        assert_eq!(dec("12.5").to_sql().unwrap(), Value::Text("12.5".into()));
        let mut d = dec("12.5");
        d.rescale(2);
        assert_eq!(d.to_sql().unwrap(), Value::Text("12.50".into()));
        assert_eq!(
            dec("-0.001").to_sql().unwrap(),
            Value::Text("-0.001".into())
        );
        assert_eq!(
            Decimal::MAX.to_sql().unwrap(),
            Value::Text("79228162514264337593543950335".into())
        );
    }

    #[test]
    fn reals_round_to_fifteen_digits_like_django() {
        assert_eq!(Decimal::from_sql(ValueRef::Real(0.1)).unwrap(), dec("0.1"));
        assert_eq!(
            Decimal::from_sql(ValueRef::Real(12.5)).unwrap(),
            dec("12.5")
        );
        assert_eq!(
            Decimal::from_sql(ValueRef::Real(123_456_789_012_345.67)).unwrap(),
            dec("123456789012346")
        );
        assert_eq!(
            Decimal::from_sql(ValueRef::Real(-1.05)).unwrap(),
            dec("-1.05")
        );
        assert_eq!(
            Decimal::from_sql(ValueRef::Real(-0.0)).unwrap(),
            Decimal::ZERO
        );
        assert_eq!(
            Decimal::from_sql(ValueRef::Real(1e20)).unwrap(),
            dec("100000000000000000000")
        );
        assert_eq!(
            Decimal::from_sql(ValueRef::Real(1.5e-30)).unwrap(),
            Decimal::ZERO
        );
        assert_eq!(
            Decimal::from_sql(ValueRef::Real(2.5e-28)).unwrap(),
            dec("0.0000000000000000000000000002")
        );
        for bad in [1e29, -1e300, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                Decimal::from_sql(ValueRef::Real(bad)),
                Err(ConversionError::OutOfRange { .. })
            ));
        }
    }

    #[test]
    fn integers_and_text_are_exact() {
        assert_eq!(
            Decimal::from_sql(ValueRef::Integer(i64::MIN)).unwrap(),
            Decimal::from(i64::MIN)
        );
        assert_eq!(
            Decimal::from_sql(ValueRef::Text("12345678901234567.89")).unwrap(),
            dec("12345678901234567.89")
        );
        assert_eq!(
            Decimal::from_sql(ValueRef::Text("1E+2")).unwrap(),
            dec("100")
        );
        for bad in ["", "12.5 EUR", "abc", "0.00000000000000000000000000001"] {
            let err = Decimal::from_sql(ValueRef::Text(bad)).unwrap_err();
            assert!(
                matches!(&err, ConversionError::Other(e) if e.downcast_ref::<InvalidFormat>().is_some()),
                "{bad:?}: {err:?}"
            );
        }
        assert!(matches!(
            Decimal::from_sql(ValueRef::Blob(b"1")),
            Err(ConversionError::InvalidType { .. })
        ));
    }

    #[test]
    fn half_even_division() {
        assert_eq!(div_pow10_half_even(25, 1), 2);
        assert_eq!(div_pow10_half_even(35, 1), 4);
        assert_eq!(div_pow10_half_even(-25, 1), -2);
        assert_eq!(div_pow10_half_even(-26, 1), -3);
        assert_eq!(div_pow10_half_even(i128::MAX, 200), 0);
    }
}
