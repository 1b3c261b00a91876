//! The reference Hrana-over-HTTP server (in progress).
