//! In-memory JobStore, JobQueue and ArtifactStore for domain and HTTP tests.
//!
//! OWNER: api helper.
