//! Compliance reports and the compliance-all bundle, checked with tools nobody
//! here wrote: JSON Schema (jsonschema), `tar`, `sha256sum`.
mod bounds;
mod bundle;
mod property;
mod snapshots;
mod support;
