//! Identifiers that are validated once, at the edge.
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("tenant id must match [a-z0-9][a-z0-9-]{{1,62}}")]
    Tenant,
    #[error("job id must be \"job_\" followed by a 26-character ULID")]
    Job,
}

/// A tenant, as the event lake names it: `[a-z0-9][a-z0-9-]{1,62}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let b = s.as_bytes();
        let ok = (2..=63).contains(&b.len())
            && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
            && b[1..]
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(IdError::Tenant)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}
impl From<TenantId> for String {
    fn from(t: TenantId) -> String {
        t.0
    }
}
impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A job id: `job_` + a lowercase ULID, so ids sort by creation time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JobId(String);

impl JobId {
    /// Ids from one process increase strictly, even within a millisecond
    /// (a plain ULID's random part would order same-millisecond jobs at random).
    pub fn new() -> Self {
        static GENERATOR: std::sync::Mutex<ulid::Generator> =
            std::sync::Mutex::new(ulid::Generator::new());
        let ulid = GENERATOR
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .generate()
            .unwrap_or_else(|_| ulid::Ulid::new());
        Self(format!("job_{}", ulid.to_string().to_ascii_lowercase()))
    }
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let rest = s.strip_prefix("job_").ok_or(IdError::Job)?;
        if rest.len() == 26 && ulid::Ulid::from_string(&rest.to_ascii_uppercase()).is_ok() {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(IdError::Job)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for JobId {
    fn default() -> Self {
        Self::new()
    }
}
impl TryFrom<String> for JobId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}
impl From<JobId> for String {
    fn from(t: JobId) -> String {
        t.0
    }
}
impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_follow_the_lake_pattern() {
        assert!(TenantId::parse("acme").is_ok());
        assert!(TenantId::parse("0-globex").is_ok());
        assert_eq!(TenantId::parse("a"), Err(IdError::Tenant));
        assert_eq!(TenantId::parse("-acme"), Err(IdError::Tenant));
        assert_eq!(TenantId::parse("Acme"), Err(IdError::Tenant));
        assert_eq!(TenantId::parse("ac/me"), Err(IdError::Tenant));
        assert!(TenantId::parse(&"a".repeat(64)).is_err());
    }

    #[test]
    fn job_ids_created_in_the_same_millisecond_still_sort_by_creation() {
        let ids: Vec<JobId> = (0..1000).map(|_| JobId::new()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn job_ids_round_trip_and_sort_by_time() {
        let a = JobId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = JobId::new();
        assert!(a < b);
        assert_eq!(JobId::parse(a.as_str()).unwrap(), a);
        assert!(JobId::parse("job_nope").is_err());
        assert!(JobId::parse("01jt9x4q7w8e3r5t6y7u8i9o0p").is_err());
    }
}
