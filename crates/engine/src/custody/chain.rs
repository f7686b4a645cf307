//! The chain of manifests per tenant (and per schedule): each manifest names
//! the SHA-256 of the previous one in its chain and its own sequence number,
//! so a missing or replaced manifest shows as a break.
use serde::{Deserialize, Serialize};

/// Where a chain stands: its last manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub sequence: u64,
    /// SHA-256 (hex) of the last manifest's exact bytes.
    pub manifest_sha256: String,
}

/// Which chain: the tenant's (every export) or one schedule's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChainScope {
    Tenant,
    /// The job's `origin`, e.g. `schedule:quarterly`.
    Schedule(String),
}

impl ChainScope {
    /// The scopes a job's manifest extends: always the tenant's; for a
    /// scheduled export also its schedule's.
    pub fn for_origin(origin: Option<&str>) -> Vec<Self> {
        let mut scopes = vec![Self::Tenant];
        if let Some(o) = origin.filter(|o| o.starts_with("schedule:")) {
            scopes.push(Self::Schedule(o.to_string()));
        }
        scopes
    }

    /// A stable name for storage keys and reports.
    pub fn name(&self) -> String {
        match self {
            Self::Tenant => "tenant".into(),
            Self::Schedule(s) => s.clone(),
        }
    }
}

/// One manifest's place in one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    pub sequence: u64,
    /// `None` for the first manifest of the chain.
    pub previous_manifest_sha256: Option<String>,
}

impl ChainLink {
    /// The link that follows `head` (the first link when there is none).
    pub fn after(head: Option<&ChainHead>) -> Self {
        match head {
            None => Self {
                sequence: 1,
                previous_manifest_sha256: None,
            },
            Some(h) => Self {
                sequence: h.sequence + 1,
                previous_manifest_sha256: Some(h.manifest_sha256.clone()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_heads_and_scheduled_jobs_join_two_chains() {
        let first = ChainLink::after(None);
        assert_eq!((first.sequence, first.previous_manifest_sha256), (1, None));
        let head = ChainHead {
            sequence: 7,
            manifest_sha256: "ab".into(),
        };
        let next = ChainLink::after(Some(&head));
        assert_eq!(next.sequence, 8);
        assert_eq!(next.previous_manifest_sha256.as_deref(), Some("ab"));
        assert_eq!(ChainScope::for_origin(None), vec![ChainScope::Tenant]);
        assert_eq!(
            ChainScope::for_origin(Some("schedule:quarterly")),
            vec![
                ChainScope::Tenant,
                ChainScope::Schedule("schedule:quarterly".into())
            ]
        );
    }
}
