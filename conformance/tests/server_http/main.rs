//! Integration tests of the reference Hrana server over real HTTP: batons,
//! expiry, protocol errors, limits, auth, sqld fixture shapes and robustness.
#![forbid(unsafe_code)]

mod common;

mod auth;
mod authorizer;
mod backpressure;
mod cursor_handoff;
mod deadlines;
mod fixtures;
mod hostile;
mod limits;
mod load;
mod protocol;
mod robustness;
mod streams;
mod transactions;
