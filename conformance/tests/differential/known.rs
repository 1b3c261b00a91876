//! The deliberate differences between sqld and the reference server: each
//! with its reason (the README's list "Differences between servers" says the
//! same). A difference that matches none of them fails the test.

use crate::sequence::Found;

/// One deliberate difference.
pub struct Known {
    /// Short name, used in the run's summary.
    pub id: &'static str,
    /// Why the reference server differs.
    #[allow(dead_code)]
    pub reason: &'static str,
    /// Whether a found difference is this one.
    matches: fn(&Found) -> bool,
}

/// Every deliberate difference.
pub const KNOWN: &[Known] = &[];

/// The deliberate difference `f` is, if any.
pub fn classify(f: &Found) -> Option<&'static Known> {
    KNOWN.iter().find(|k| (k.matches)(f))
}
