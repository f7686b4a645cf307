//! Compliance reports and the compliance-all bundle, checked with tools nobody
//! here wrote: JSON Schema (jsonschema), `tar`, `sha256sum`.
mod bounds;
mod bundle;
mod bundle_custody;
mod declarations;
mod evidence_claims;
mod html;
mod property;
mod snapshots;
mod statuses;
mod support;
