//! The `output_field` Django infers for an expression, as far as SQLite's SQL depends on
//! it: an expression whose output is a `DecimalField` is wrapped in
//! `(CAST(... AS NUMERIC))` (`SQLiteNumericMixin`, on `Func`, `CombinedExpression` and
//! `Value`).

use crate::Result;
use crate::expr::{Expr, Resolver};
use crate::field::FieldKind;

/// What Django resolves an expression's output field to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    /// A field of this class.
    Kind(FieldKind),
    /// Resolves to `None` (`Value(None)`, a function without sources): left out of its
    /// parent's sources; its own `output_field` is a `FieldError`.
    Unknown,
    /// A `FieldError` (mixed types, an operator without a known result type), which
    /// propagates to every enclosing expression.
    Error,
}

impl Output {
    /// Whether `SQLiteNumericMixin` casts an expression of this output.
    pub(crate) fn is_decimal(self) -> bool {
        self == Output::Kind(FieldKind::DecimalField)
    }
}

/// The Django classes `kind`'s class derives from, itself first (only the built-in field
/// classes whose inheritance matters to type inference).
fn ancestors(kind: FieldKind) -> &'static [FieldKind] {
    use FieldKind::*;
    match kind {
        AutoField => &[AutoField, IntegerField],
        BigAutoField => &[BigAutoField, BigIntegerField, IntegerField],
        SmallAutoField => &[SmallAutoField, SmallIntegerField, IntegerField],
        BigIntegerField => &[BigIntegerField, IntegerField],
        SmallIntegerField => &[SmallIntegerField, IntegerField],
        PositiveIntegerField => &[PositiveIntegerField, IntegerField],
        PositiveBigIntegerField => &[PositiveBigIntegerField, BigIntegerField, IntegerField],
        PositiveSmallIntegerField => &[PositiveSmallIntegerField, SmallIntegerField, IntegerField],
        SlugField => &[SlugField, CharField],
        EmailField => &[EmailField, CharField],
        URLField => &[URLField, CharField],
        ImageField => &[ImageField, FileField],
        DateTimeField => &[DateTimeField, DateField],
        OneToOneField => &[OneToOneField, ForeignKey],
        IntegerField => &[IntegerField],
        CharField => &[CharField],
        FileField => &[FileField],
        DateField => &[DateField],
        ForeignKey => &[ForeignKey],
        FloatField => &[FloatField],
        DecimalField => &[DecimalField],
        BooleanField => &[BooleanField],
        FilePathField => &[FilePathField],
        TextField => &[TextField],
        TimeField => &[TimeField],
        DurationField => &[DurationField],
        BinaryField => &[BinaryField],
        JSONField => &[JSONField],
        UUIDField => &[UUIDField],
        GenericIPAddressField => &[GenericIPAddressField],
        IPAddressField => &[IPAddressField],
        ManyToManyField => &[ManyToManyField],
        GeneratedField => &[GeneratedField],
    }
}

/// Python's `issubclass(kind, base)` for field classes.
fn is_a(kind: FieldKind, base: FieldKind) -> bool {
    ancestors(kind).contains(&base)
}

/// The output of a `Value(v)` without `output_field` (`Value._resolve_output_field`).
fn value_output(v: &serde_json::Value) -> Output {
    use serde_json::Value as J;
    match v {
        J::String(_) => Output::Kind(FieldKind::CharField),
        J::Bool(_) => Output::Kind(FieldKind::BooleanField),
        J::Number(n) if n.is_f64() => Output::Kind(FieldKind::FloatField),
        J::Number(_) => Output::Kind(FieldKind::IntegerField),
        _ => Output::Unknown,
    }
}

/// `BaseExpression._resolve_output_field`: the sources' outputs (those resolving to `None`
/// left out) must be of the first one's class; none at all resolves to `None`.
fn common(sources: &[Output]) -> Output {
    if sources.contains(&Output::Error) {
        return Output::Error;
    }
    let mut kinds = sources.iter().filter_map(|s| match s {
        Output::Kind(k) => Some(*k),
        _ => None,
    });
    let Some(first) = kinds.next() else {
        return Output::Unknown;
    };
    if kinds.all(|k| is_a(first, k)) {
        Output::Kind(first)
    } else {
        Output::Error
    }
}

/// Functions whose output field is fixed by their class.
fn fixed_output(name: &str) -> Option<FieldKind> {
    use FieldKind::*;
    Some(match name {
        "Now" => DateTimeField,
        "Length" | "Ord" | "StrIndex" | "DenseRank" | "Ntile" | "Rank" | "RowNumber" => {
            IntegerField
        }
        n if n.starts_with("Extract") => IntegerField,
        "Chr" | "Left" | "Right" | "LPad" | "RPad" | "Repeat" | "Substr" => CharField,
        "TruncDate" => DateField,
        "TruncTime" => TimeField,
        "JSONObject" => JSONField,
        "CumeDist" | "PercentRank" => FloatField,
        _ => return None,
    })
}

/// Functions with `NumericOutputFieldMixin`.
const NUMERIC_OUTPUT: &[&str] = &[
    "ACos", "ASin", "ATan", "ATan2", "Cos", "Cot", "Degrees", "Exp", "Ln", "Log", "Mod", "Pi",
    "Power", "Radians", "Random", "Sin", "Sqrt", "Tan",
];

/// `_resolve_combined_type`: the result class of `lhs <connector> rhs` (`None` for an
/// operand that resolves to `None`), or `None` when Django registers no combination.
fn combined(op: &str, lhs: Option<FieldKind>, rhs: Option<FieldKind>) -> Option<FieldKind> {
    use FieldKind::*;
    let arithmetic = ["+", "-", "*", "/", "%%", "^"];
    let both = |t: FieldKind| matches!((lhs, rhs), (Some(l), Some(r)) if is_a(l, t) && is_a(r, t));
    let pair = |a: FieldKind, b: FieldKind| matches!((lhs, rhs), (Some(l), Some(r)) if is_a(l, a) && is_a(r, b));
    if arithmetic.contains(&op) {
        if op != "-" && both(PositiveIntegerField) {
            return Some(PositiveIntegerField);
        }
        for t in [IntegerField, FloatField, DecimalField] {
            if both(t) {
                return Some(t);
            }
        }
        if op != "^" {
            for (a, b, out) in [
                (IntegerField, DecimalField, DecimalField),
                (DecimalField, IntegerField, DecimalField),
                (IntegerField, FloatField, FloatField),
                (FloatField, IntegerField, FloatField),
            ] {
                if pair(a, b) {
                    return Some(out);
                }
            }
        }
    } else if ["&", "|", "<<", ">>", "#"].contains(&op) && both(IntegerField) {
        return Some(IntegerField);
    }
    if arithmetic.contains(&op) {
        for t in [IntegerField, DecimalField, FloatField] {
            match (lhs, rhs) {
                (Some(k), None) | (None, Some(k)) if is_a(k, t) => return Some(t),
                _ => {}
            }
        }
    }
    None
}

/// What Django resolves `e`'s output field to, the model's fields resolved by `r`.
pub(crate) fn output(e: &Expr, r: Resolver<'_>) -> Result<Output> {
    Ok(match e {
        Expr::Raw { .. } | Expr::Desc(_) => Output::Unknown,
        Expr::F(name) => Output::Kind(r(name)?.1),
        Expr::Value(v) => value_output(v),
        Expr::Typed { kind, .. } => Output::Kind(*kind),
        Expr::Func { name, args } => {
            let sources = args
                .iter()
                .map(|a| output(a, r))
                .collect::<Result<Vec<_>>>()?;
            if sources.contains(&Output::Error) {
                return Ok(Output::Error);
            }
            if let Some(k) = fixed_output(name) {
                Output::Kind(k)
            } else if NUMERIC_OUTPUT.contains(&name.as_str()) {
                let kinds: Vec<FieldKind> = sources
                    .iter()
                    .filter_map(|s| match s {
                        Output::Kind(k) => Some(*k),
                        _ => None,
                    })
                    .collect();
                if kinds.iter().any(|k| is_a(*k, FieldKind::DecimalField)) {
                    Output::Kind(FieldKind::DecimalField)
                } else if sources.is_empty()
                    || kinds.iter().any(|k| is_a(*k, FieldKind::IntegerField))
                {
                    // Integer sources, or no sources at all (`Pi`, `Random`): a float.
                    Output::Kind(FieldKind::FloatField)
                } else {
                    common(&sources)
                }
            } else if name == "Round" {
                // `Round._resolve_output_field`: its first argument's output field.
                match sources.first() {
                    Some(Output::Kind(k)) => Output::Kind(*k),
                    _ => Output::Error,
                }
            } else {
                common(&sources)
            }
        }
        Expr::Combined { lhs, op, rhs } => {
            let side = |o: Output| match o {
                Output::Kind(k) => Ok(Some(k)),
                Output::Unknown => Ok(None),
                Output::Error => Err(()),
            };
            match (side(output(lhs, r)?), side(output(rhs, r)?)) {
                (Ok(l), Ok(r)) => combined(op, l, r).map_or(Output::Error, Output::Kind),
                _ => Output::Error,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SchemaError;

    fn res(name: &str) -> Result<(String, FieldKind)> {
        Ok(match name {
            "d" => ("d".into(), FieldKind::DecimalField),
            "fl" => ("fl".into(), FieldKind::FloatField),
            "c" => ("c".into(), FieldKind::CharField),
            "p" => ("p".into(), FieldKind::PositiveIntegerField),
            "i" => ("i".into(), FieldKind::IntegerField),
            n => return Err(SchemaError::Json(format!("no field {n}"))),
        })
    }

    fn out(j: serde_json::Value) -> Output {
        output(&Expr::from_json(&j).unwrap(), &res).unwrap()
    }

    #[test]
    fn outputs_follow_djangos_inference() {
        use serde_json::json;
        let dec = Output::Kind(FieldKind::DecimalField);
        assert_eq!(out(json!({"func": "Lower", "args": ["d"]})), dec);
        assert_eq!(
            out(json!({"op": "*", "lhs": "d", "rhs": {"value": 2}})),
            dec
        );
        assert_eq!(out(json!({"op": "/", "lhs": "i", "rhs": "d"})), dec);
        assert_eq!(
            out(json!({"op": "+", "lhs": "d", "rhs": "fl"})),
            Output::Error
        );
        assert_eq!(
            out(json!({"op": "^", "lhs": "d", "rhs": "i"})),
            Output::Error
        );
        assert_eq!(
            out(json!({"op": "+", "lhs": "d", "rhs": {"value": null}})),
            dec
        );
        assert_eq!(
            out(json!({"op": "*", "lhs": "p", "rhs": "p"})),
            Output::Kind(FieldKind::PositiveIntegerField)
        );
        assert_eq!(
            out(json!({"op": "-", "lhs": "p", "rhs": "p"})),
            Output::Kind(FieldKind::IntegerField)
        );
        assert_eq!(
            out(json!({"func": "Length", "args": ["d"]})),
            Output::Kind(FieldKind::IntegerField)
        );
        assert_eq!(out(json!({"func": "Sqrt", "args": ["d"]})), dec);
        assert_eq!(
            out(json!({"func": "Sqrt", "args": ["i"]})),
            Output::Kind(FieldKind::FloatField)
        );
        assert_eq!(
            out(json!({"func": "Coalesce", "args": ["d", "c"]})),
            Output::Error
        );
        // The first source must be an instance of every other's class.
        assert_eq!(
            out(json!({"func": "Coalesce", "args": ["p", "i"]})),
            Output::Kind(FieldKind::PositiveIntegerField)
        );
        assert_eq!(
            out(json!({"func": "Coalesce", "args": ["i", "p"]})),
            Output::Error
        );
        assert_eq!(
            out(json!({"func": "Coalesce", "args": [{"value": null}]})),
            Output::Unknown
        );
        assert_eq!(
            out(json!({"value": "1.5", "output_field": "DecimalField"})),
            dec
        );
        assert!(!out(json!({"value": "1.5"})).is_decimal());
    }
}
