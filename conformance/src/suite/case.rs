//! One conformance case: a name, the capabilities it needs, and its body.

use sqlport::Capability;

use super::check::CaseResult;
use super::context::Ctx;

/// The body of a case. It gets a fresh [`Ctx`] (a database of the transport
/// under test) and returns `Ok(())` or a [`Failure`](super::Failure).
pub type CaseFn = fn(&mut Ctx) -> CaseResult;

/// One conformance case.
#[derive(Clone, Copy)]
pub struct Case {
    /// `group::name`, e.g. `values::integer_extremes`.
    pub name: &'static str,
    /// What the transport must have for the case to run; without them the case
    /// is reported as skipped, naming the missing capabilities.
    pub needs: &'static [Capability],
    /// The case itself.
    pub run: CaseFn,
}

impl Case {
    /// A case.
    pub const fn new(name: &'static str, needs: &'static [Capability], run: CaseFn) -> Case {
        Case { name, needs, run }
    }

    /// The group: the part of the name before `::`.
    pub fn group(&self) -> &'static str {
        self.name.split("::").next().unwrap_or(self.name)
    }
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("name", &self.name)
            .field("needs", &self.needs)
            .finish()
    }
}
