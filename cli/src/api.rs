//! Response types the library has no `Deserialize` for, mirroring
//! `docs/openapi.yaml` (`JobList`, `DownloadLink`). The job itself is the
//! library's [`JobView`].
use chrono::{DateTime, Utc};
use kt_domain::JobView;
use serde::{Deserialize, Serialize};

/// `GET /v1/export-jobs`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobList {
    pub jobs: Vec<JobView>,
    pub next_cursor: Option<String>,
}

/// `GET /v1/export-jobs/{id}/download?redirect=false`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DownloadLink {
    pub url: String,
    pub url_expires_at: DateTime<Utc>,
    pub file_name: String,
    pub size_bytes: Option<u64>,
    pub sha256: Option<String>,
}
