//! Deterministic generator of a lake in the contract's layout (demo data, tests, benchmarks).
//!
//! OWNER: engine helper.
