//! sqlport facade
