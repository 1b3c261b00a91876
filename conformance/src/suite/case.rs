//! One conformance case: a name, what it needs, and its body.

use sqlport::Capability;

use super::check::CaseResult;
use super::context::Ctx;
use super::probe::Probe;

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
    /// What the server must have, as the runner detects it ([`Probe`]); a
    /// negative probe skips the case, naming the probe.
    pub probes: &'static [Probe],
    /// The case itself.
    pub run: CaseFn,
}

/// Something a case needs: a capability the transport reports, or a property
/// of the server that a [`Probe`] detects. A skipped case lists the ones that
/// were missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Requirement {
    /// A capability the transport reports.
    Capability(Capability),
    /// A property of the server the runner detects.
    Probe(Probe),
}

impl Requirement {
    /// The capability's or the probe's snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Requirement::Capability(c) => c.name(),
            Requirement::Probe(p) => p.name(),
        }
    }
}

impl std::fmt::Display for Requirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Case {
    /// A case that needs `needs` and no probe.
    pub const fn new(name: &'static str, needs: &'static [Capability], run: CaseFn) -> Case {
        Case {
            name,
            needs,
            probes: &[],
            run,
        }
    }

    /// The same case, needing the server properties `probes` too.
    pub const fn with_probes(self, probes: &'static [Probe]) -> Case {
        Case { probes, ..self }
    }

    /// Everything the case needs: capabilities, then probes.
    pub fn requirements(&self) -> Vec<Requirement> {
        self.needs
            .iter()
            .map(|c| Requirement::Capability(*c))
            .chain(self.probes.iter().map(|p| Requirement::Probe(*p)))
            .collect()
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
            .field("probes", &self.probes)
            .finish()
    }
}
