//! Local-directory lake source and file sink (offline exports, benchmarks, tests).
//!
//! OWNER: engine helper.
