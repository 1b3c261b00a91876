//! Printing a [`Report`]: [`human`] (a transports × cases
//! table), [`json`] and [`junit`] (JUnit XML). The formats are described in
//! the crate documentation.

pub mod human;
pub mod json;
pub mod junit;

use super::runner::Report;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// A table of transports × cases, failure details, and a summary line.
    #[default]
    Human,
    /// One JSON document.
    Json,
    /// JUnit XML (one `<testsuite>` per transport).
    Junit,
}

/// Render `report` in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Human => human::render(report),
        Format::Json => json::render(report),
        Format::Junit => junit::render(report),
    }
}
