//! The conformance cases and harness (in progress).
