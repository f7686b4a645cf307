//! The export-jobs HTTP API: one axum Router for Lambda and the local dev server.
//!
//! OWNER: api helper.
