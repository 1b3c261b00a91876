//! Medians and timing helpers.

use std::time::{Duration, Instant};

/// The median of `values` (the mean of the two middle ones for an even
/// count); `NaN` for none.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Microseconds per operation.
pub fn us_per_op(elapsed: Duration, ops: u64) -> f64 {
    elapsed.as_secs_f64() * 1e6 / ops.max(1) as f64
}

/// Run `f` `ops` times and return microseconds per call.
pub fn time_ops(ops: u64, mut f: impl FnMut(u64)) -> f64 {
    let start = Instant::now();
    for i in 0..ops {
        f(i);
    }
    us_per_op(start.elapsed(), ops)
}

/// A small deterministic pseudo-random sequence (xorshift), so every client
/// reads the same keys in the same order.
#[derive(Debug, Clone)]
pub struct Keys(u64);

impl Keys {
    /// A sequence from `seed` (any value; 0 is replaced).
    pub fn new(seed: u64) -> Self {
        Keys(seed.max(1))
    }

    /// The next key in `1..=max`.
    pub fn next_in(&mut self, max: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x % max.max(1) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn keys_stay_in_range() {
        let mut k = Keys::new(7);
        for _ in 0..1000 {
            let x = k.next_in(10);
            assert!((1..=10).contains(&x));
        }
    }
}
