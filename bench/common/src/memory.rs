//! Peak heap growth, from a counting global allocator that each runner
//! installs (`#[global_allocator] static A: PeakAlloc = PeakAlloc;`). Only
//! Rust allocations are counted: SQLite's own page cache (C `malloc`) is not.

pub use peak_alloc::PeakAlloc;

/// Measures the highest heap use above the level at [`PeakMeter::start`].
#[derive(Debug)]
pub struct PeakMeter {
    base: usize,
}

impl PeakMeter {
    /// Start measuring now.
    pub fn start(alloc: &PeakAlloc) -> Self {
        alloc.reset_peak_usage();
        PeakMeter {
            base: alloc.current_usage(),
        }
    }

    /// Peak growth since `start`, in MiB.
    pub fn peak_mib(&self, alloc: &PeakAlloc) -> f64 {
        alloc.peak_usage().saturating_sub(self.base) as f64 / (1024.0 * 1024.0)
    }
}
