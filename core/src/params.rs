//! Statement parameters: positional (`?`, `?NNN`) or named (`:name`, `@name`,
//! `$name`), built from tuples, arrays, slices, vectors, iterators and
//! name/value pairs, or with the [`params!`](macro@crate::params) and
//! [`named_params!`](macro@crate::named_params) macros.
//!
//! Names are passed to the transport exactly as written. Every transport looks a
//! SQL parameter `:a` up first by its exact name (`":a"`), then by the name
//! without its prefix (`"a"`), so bare names match any prefix.

use std::collections::{BTreeMap, HashMap};

use crate::convert::{ToSql, ToSqlOutput};
use crate::error::{Error, Result};
use crate::value::Value;

/// Bound parameters of one statement.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Params {
    /// No parameters.
    #[default]
    None,
    /// Positional: `?` takes the next value, `?NNN` takes value `NNN - 1`.
    Positional(Vec<Value>),
    /// Named: `(name, value)` pairs, names as the caller wrote them.
    Named(Vec<(String, Value)>),
}

impl Params {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Params::None => 0,
            Params::Positional(v) => v.len(),
            Params::Named(v) => v.len(),
        }
    }

    /// `true` when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Parameters lent for one run by [`IntoParams::with_params_ref`]: built
/// [`Params`], or positional values borrowed from the caller's (no copy of
/// text or bytes), which a transport binding values directly (a prepared
/// statement on a local connection) uses as they are.
#[derive(Debug, Clone, Copy)]
pub enum ParamsRef<'a> {
    /// Built parameters.
    Params(&'a Params),
    /// Positional values (`?` takes the next one, `?NNN` value `NNN - 1`).
    Positional(&'a [ToSqlOutput<'a>]),
}

impl ParamsRef<'_> {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            ParamsRef::Params(p) => p.len(),
            ParamsRef::Positional(v) => v.len(),
        }
    }

    /// `true` when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same parameters, owned ([`Params::None`] when there are none, as
    /// [`IntoParams::into_params`] gives).
    pub fn to_params(&self) -> Params {
        match self {
            ParamsRef::Params(p) => (*p).clone(),
            ParamsRef::Positional([]) => Params::None,
            ParamsRef::Positional(v) => Params::Positional(
                v.iter()
                    .map(|o| o.as_value_ref().to_owned_value())
                    .collect(),
            ),
        }
    }
}

/// One positional value, borrowed where it can be; a failure names its
/// 1-based position.
fn lend<T: ToSql + ?Sized>(value: &T, index: usize) -> Result<ToSqlOutput<'_>> {
    value
        .to_sql_output()
        .map_err(|e| Error::conversion(Some(format!("parameter {}", index + 1)), e))
}

/// Lend positional values collected from `items`.
fn lend_all<'a, T: ToSql + ?Sized + 'a, R>(
    items: impl IntoIterator<Item = &'a T>,
    f: impl FnOnce(ParamsRef<'_>) -> Result<R>,
) -> Result<R> {
    let values = items
        .into_iter()
        .enumerate()
        .map(|(i, v)| lend(v, i))
        .collect::<Result<Vec<_>>>()?;
    f(ParamsRef::Positional(&values))
}

fn positional<'a, T: ToSql + ?Sized + 'a>(
    items: impl IntoIterator<Item = &'a T>,
) -> Result<Params> {
    let values = items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            v.to_sql()
                .map_err(|e| Error::conversion(Some(format!("parameter {}", i + 1)), e))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(if values.is_empty() {
        Params::None
    } else {
        Params::Positional(values)
    })
}

fn named<'a, K: AsRef<str> + 'a, T: ToSql + ?Sized + 'a>(
    items: impl IntoIterator<Item = (K, &'a T)>,
) -> Result<Params> {
    let values = items
        .into_iter()
        .map(|(k, v)| {
            let name = k.as_ref();
            v.to_sql()
                .map(|v| (name.to_owned(), v))
                .map_err(|e| Error::conversion(Some(format!("parameter {name}")), e))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(if values.is_empty() {
        Params::None
    } else {
        Params::Named(values)
    })
}

/// Anything that can become [`Params`]. Conversion is fallible (a `u64` above
/// `i64::MAX`, a NaN), and fails before anything is sent.
pub trait IntoParams {
    /// Convert into bound parameters.
    fn into_params(self) -> Result<Params>;

    /// Lend the parameters to `f` for one run, borrowing text and bytes from
    /// the caller's values where the shape allows (tuples, arrays, slices,
    /// vectors); the same values and errors as
    /// [`IntoParams::into_params`]. The default builds [`Params`].
    fn with_params_ref<R>(self, f: impl FnOnce(ParamsRef<'_>) -> Result<R>) -> Result<R>
    where
        Self: Sized,
    {
        let params = self.into_params()?;
        f(ParamsRef::Params(&params))
    }
}

impl IntoParams for Params {
    fn into_params(self) -> Result<Params> {
        Ok(self)
    }
}

impl IntoParams for () {
    fn into_params(self) -> Result<Params> {
        Ok(Params::None)
    }
}

impl<T: ToSql> IntoParams for &[T] {
    fn into_params(self) -> Result<Params> {
        positional(self.iter())
    }

    fn with_params_ref<R>(self, f: impl FnOnce(ParamsRef<'_>) -> Result<R>) -> Result<R> {
        lend_all(self.iter(), f)
    }
}

impl<T: ToSql, const N: usize> IntoParams for [T; N] {
    fn into_params(self) -> Result<Params> {
        positional(self.iter())
    }

    fn with_params_ref<R>(self, f: impl FnOnce(ParamsRef<'_>) -> Result<R>) -> Result<R> {
        lend_all(self.iter(), f)
    }
}

impl<T: ToSql, const N: usize> IntoParams for &[T; N] {
    fn into_params(self) -> Result<Params> {
        positional(self.iter())
    }

    fn with_params_ref<R>(self, f: impl FnOnce(ParamsRef<'_>) -> Result<R>) -> Result<R> {
        lend_all(self.iter(), f)
    }
}

impl<T: ToSql> IntoParams for Vec<T> {
    fn into_params(self) -> Result<Params> {
        positional(self.iter())
    }

    fn with_params_ref<R>(self, f: impl FnOnce(ParamsRef<'_>) -> Result<R>) -> Result<R> {
        lend_all(self.iter(), f)
    }
}

impl<T: ToSql> IntoParams for &Vec<T> {
    fn into_params(self) -> Result<Params> {
        positional(self.iter())
    }

    fn with_params_ref<R>(self, f: impl FnOnce(ParamsRef<'_>) -> Result<R>) -> Result<R> {
        lend_all(self.iter(), f)
    }
}

impl IntoParams for &[(&str, &dyn ToSql)] {
    fn into_params(self) -> Result<Params> {
        named(self.iter().map(|(k, v)| (*k, *v)))
    }
}

impl<const N: usize> IntoParams for [(&str, &dyn ToSql); N] {
    fn into_params(self) -> Result<Params> {
        named(self.iter().map(|(k, v)| (*k, *v)))
    }
}

impl<const N: usize> IntoParams for &[(&str, &dyn ToSql); N] {
    fn into_params(self) -> Result<Params> {
        named(self.iter().map(|(k, v)| (*k, *v)))
    }
}

impl IntoParams for Vec<(String, Value)> {
    fn into_params(self) -> Result<Params> {
        Ok(if self.is_empty() {
            Params::None
        } else {
            Params::Named(self)
        })
    }
}

impl<K: AsRef<str>, V: ToSql> IntoParams for &BTreeMap<K, V> {
    fn into_params(self) -> Result<Params> {
        named(self.iter())
    }
}

impl<K: AsRef<str>, V: ToSql, S> IntoParams for &HashMap<K, V, S> {
    fn into_params(self) -> Result<Params> {
        named(self.iter())
    }
}

/// Positional parameters from any iterator of [`ToSql`] values.
///
/// ```
/// use sqlport_core::{params_from_iter, IntoParams, Params, Value};
/// let p = params_from_iter([1, 2, 3]).into_params().unwrap();
/// assert_eq!(p, Params::Positional(vec![Value::Integer(1), Value::Integer(2), Value::Integer(3)]));
/// ```
pub fn params_from_iter<I>(iter: I) -> ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    ParamsFromIter(iter)
}

/// Named parameters from any iterator of `(name, value)` pairs.
pub fn named_params_from_iter<I, K, V>(iter: I) -> NamedParamsFromIter<I>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: ToSql,
{
    NamedParamsFromIter(iter)
}

/// See [`params_from_iter`].
#[derive(Debug, Clone)]
pub struct ParamsFromIter<I>(I);

impl<I> IntoParams for ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    fn into_params(self) -> Result<Params> {
        let items: Vec<I::Item> = self.0.into_iter().collect();
        positional(items.iter())
    }
}

/// See [`named_params_from_iter`].
#[derive(Debug, Clone)]
pub struct NamedParamsFromIter<I>(I);

impl<I, K, V> IntoParams for NamedParamsFromIter<I>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: ToSql,
{
    fn into_params(self) -> Result<Params> {
        let items: Vec<(K, V)> = self.0.into_iter().collect();
        named(items.iter().map(|(k, v)| (k.as_ref(), v)))
    }
}

macro_rules! tuple_params {
    ($($name:ident : $idx:tt),+) => {
        impl<$($name: ToSql),+> IntoParams for ($($name,)+) {
            fn into_params(self) -> Result<Params> {
                let refs: &[&dyn ToSql] = &[$(&self.$idx),+];
                positional(refs.iter().copied())
            }

            fn with_params_ref<R>(self, f: impl FnOnce(ParamsRef<'_>) -> Result<R>) -> Result<R> {
                let values = [$(lend(&self.$idx, $idx)?),+];
                f(ParamsRef::Positional(&values))
            }
        }
    };
}
tuple_params!(A: 0);
tuple_params!(A: 0, B: 1);
tuple_params!(A: 0, B: 1, C: 2);
tuple_params!(A: 0, B: 1, C: 2, D: 3);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8, J: 9);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8, J: 9, K: 10);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8, J: 9, K: 10, L: 11);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8, J: 9, K: 10, L: 11, M: 12);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8, J: 9, K: 10, L: 11, M: 12, N: 13);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8, J: 9, K: 10, L: 11, M: 12, N: 13, O: 14);
tuple_params!(A: 0, B: 1, C: 2, D: 3, E: 4, F: 5, G: 6, H: 7, I: 8, J: 9, K: 10, L: 11, M: 12, N: 13, O: 14, P: 15);

/// Positional parameters of mixed types.
///
/// ```
/// use sqlport_core::{params, IntoParams, Params, Value};
/// let p = params![1, "two", None::<i64>].into_params().unwrap();
/// assert_eq!(p, Params::Positional(vec![Value::Integer(1), Value::Text("two".into()), Value::Null]));
/// ```
#[macro_export]
macro_rules! params {
    () => {
        $crate::Params::None
    };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::ToSql),+] as &[&dyn $crate::ToSql]
    };
}

/// Named parameters of mixed types; names as written (`":a"`, `"@b"`, `"$c"` or bare `"d"`).
///
/// ```
/// use sqlport_core::{named_params, IntoParams, Params, Value};
/// let p = named_params! { ":id": 7, "name": "x" }.into_params().unwrap();
/// assert_eq!(p, Params::Named(vec![(":id".into(), Value::Integer(7)), ("name".into(), Value::Text("x".into()))]));
/// ```
#[macro_export]
macro_rules! named_params {
    () => {
        $crate::Params::None
    };
    ($($name:literal : $value:expr),+ $(,)?) => {
        &[$(($name, &$value as &dyn $crate::ToSql)),+] as &[(&str, &dyn $crate::ToSql)]
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn shapes() {
        assert_eq!(().into_params().unwrap(), Params::None);
        assert_eq!((1, "a").into_params().unwrap().len(), 2);
        assert_eq!([1u8, 2].into_params().unwrap().len(), 2);
        assert_eq!(vec![1i64].into_params().unwrap().len(), 1);
        let slice: &[i32] = &[1, 2, 3];
        assert_eq!(slice.into_params().unwrap().len(), 3);
        let mut m = BTreeMap::new();
        m.insert(":a", 1);
        assert_eq!(
            (&m).into_params().unwrap(),
            Params::Named(vec![(":a".into(), Value::Integer(1))])
        );
        let p = named_params_from_iter(vec![("a", 1)])
            .into_params()
            .unwrap();
        assert_eq!(p, Params::Named(vec![("a".into(), Value::Integer(1))]));
    }

    /// The lent form of every shape that overrides it holds the values
    /// `into_params` builds, text and bytes borrowed, not copied.
    #[test]
    fn lent_values_match_built_ones() {
        fn lent(p: impl IntoParams) -> Params {
            p.with_params_ref(|r| Ok(r.to_params())).unwrap()
        }
        let text = String::from("two");
        let built = (1, text.as_str(), 2.5, None::<i64>, vec![7u8])
            .into_params()
            .unwrap();
        assert_eq!(lent((1, text.as_str(), 2.5, None::<i64>, vec![7u8])), built);
        assert_eq!(lent([1, 2]), [1, 2].into_params().unwrap());
        assert_eq!(lent(&[1, 2][..]), (&[1, 2][..]).into_params().unwrap());
        assert_eq!(lent(vec!["a", "b"]), vec!["a", "b"].into_params().unwrap());
        assert_eq!(lent(Vec::<i64>::new()), Params::None);
        assert_eq!(lent(()), Params::None);
        let named = named_params! { ":a": 1 };
        assert_eq!(lent(named), named.into_params().unwrap());
        (text.as_str(), &b"xy"[..])
            .with_params_ref(|r| {
                let ParamsRef::Positional(values) = r else {
                    panic!("a tuple lends positional values, got {r:?}");
                };
                assert_eq!(
                    values[0],
                    ToSqlOutput::Borrowed(crate::ValueRef::Text("two"))
                );
                assert_eq!(
                    values[1],
                    ToSqlOutput::Borrowed(crate::ValueRef::Blob(b"xy"))
                );
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn lent_conversion_failures_name_the_parameter() {
        let err = (1, u64::MAX).with_params_ref(|_| Ok(())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
        assert!(err.to_string().contains("parameter 2"));
        let err = [1.0, f64::NAN].with_params_ref(|_| Ok(())).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
        let err = (crate::Value::Real(f64::INFINITY),)
            .with_params_ref(|_| Ok(()))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
    }

    #[test]
    fn conversion_failures_name_the_parameter() {
        let err = (1, u64::MAX).into_params().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
        assert!(err.to_string().contains("parameter 2"));
        let err = params![1.0, f64::NAN].into_params().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conversion);
    }
}
