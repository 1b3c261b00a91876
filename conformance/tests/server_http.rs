//! Integration tests of the reference Hrana server over real HTTP: batons,
//! expiry, protocol errors, limits, auth, sqld fixture shapes and robustness.
#![forbid(unsafe_code)]

#[path = "server_http/common.rs"]
mod common;

#[path = "server_http/auth.rs"]
mod auth;
#[path = "server_http/authorizer.rs"]
mod authorizer;
#[path = "server_http/deadlines.rs"]
mod deadlines;
#[path = "server_http/fixtures.rs"]
mod fixtures;
#[path = "server_http/hostile.rs"]
mod hostile;
#[path = "server_http/limits.rs"]
mod limits;
#[path = "server_http/load.rs"]
mod load;
#[path = "server_http/protocol.rs"]
mod protocol;
#[path = "server_http/robustness.rs"]
mod robustness;
#[path = "server_http/streams.rs"]
mod streams;
#[path = "server_http/transactions.rs"]
mod transactions;
