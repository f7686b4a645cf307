//! The in-memory artifact store: finished artifacts in a map, `memory://` links.
use super::lock;
use crate::{ArtifactMeta, ArtifactStore, StoreError};
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use kt_engine::{ArtifactSink, SinkError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An artifact as the memory store keeps it.
#[derive(Debug, Clone)]
pub struct StoredArtifact {
    pub bytes: Bytes,
    pub meta: ArtifactMeta,
}

type Objects = Arc<Mutex<HashMap<String, StoredArtifact>>>;

/// Keeps finished artifacts in memory; presigned URLs are `memory://` links.
#[derive(Default)]
pub struct MemoryArtifactStore {
    objects: Objects,
    failure: Mutex<Option<StoreError>>,
    locks: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl MemoryArtifactStore {
    pub fn new() -> Self {
        Self::default()
    }
    /// Makes every call fail with `error` until called again with `None`.
    pub fn fail_with(&self, error: Option<StoreError>) {
        *lock(&self.failure) = error;
    }
    /// A finished artifact (nothing is visible before its sink finishes).
    pub fn get(&self, key: &str) -> Option<StoredArtifact> {
        lock(&self.objects).get(key).cloned()
    }
    /// Until when `key` is locked, if it is.
    pub fn locked_until(&self, key: &str) -> Option<DateTime<Utc>> {
        lock(&self.locks).get(key).copied()
    }
    /// Keys of the finished artifacts, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = lock(&self.objects).keys().cloned().collect();
        keys.sort();
        keys
    }
    fn check(&self) -> Result<(), StoreError> {
        lock(&self.failure).clone().map_or(Ok(()), Err)
    }
}

#[async_trait]
impl ArtifactStore for MemoryArtifactStore {
    async fn create_sink(
        &self,
        key: &str,
        meta: &ArtifactMeta,
    ) -> Result<Box<dyn ArtifactSink>, StoreError> {
        self.check()?;
        Ok(Box::new(MemorySink {
            objects: self.objects.clone(),
            key: key.to_string(),
            meta: meta.clone(),
            parts: Vec::new(),
        }))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.check()?;
        if self
            .locked_until(key)
            .is_some_and(|until| until > Utc::now())
        {
            return Err(StoreError::Permanent(
                format!("{key} is locked in compliance mode").into(),
            ));
        }
        lock(&self.objects).remove(key);
        Ok(())
    }

    async fn lock_until(&self, key: &str, until: DateTime<Utc>) -> Result<(), StoreError> {
        self.check()?;
        if !lock(&self.objects).contains_key(key) {
            return Err(StoreError::Permanent(
                format!("no artifact {key} to lock").into(),
            ));
        }
        let mut locks = lock(&self.locks);
        let kept = locks.get(key).copied().unwrap_or(until).max(until);
        locks.insert(key.to_string(), kept);
        Ok(())
    }

    async fn presign_get(
        &self,
        key: &str,
        file_name: &str,
        expires_in: Duration,
    ) -> Result<String, StoreError> {
        self.check()?;
        Ok(format!(
            "memory://{}?file_name={}&expires_in={}",
            percent_encode(key, true),
            percent_encode(file_name, false),
            expires_in.as_secs()
        ))
    }

    async fn open(
        &self,
        key: &str,
    ) -> Result<Box<dyn tokio::io::AsyncRead + Send + Unpin>, StoreError> {
        self.check()?;
        let bytes = lock(&self.objects)
            .get(key)
            .map(|a| a.bytes.clone())
            .ok_or_else(|| StoreError::Permanent(format!("no artifact {key}").into()))?;
        Ok(Box::new(std::io::Cursor::new(bytes)))
    }
}

/// Collects chunks; the artifact appears in the store only on `finish`.
struct MemorySink {
    objects: Objects,
    key: String,
    meta: ArtifactMeta,
    parts: Vec<Bytes>,
}

#[async_trait]
impl ArtifactSink for MemorySink {
    async fn write(&mut self, chunk: Bytes) -> Result<(), SinkError> {
        self.parts.push(chunk);
        Ok(())
    }
    async fn finish(self: Box<Self>) -> Result<(), SinkError> {
        let bytes = Bytes::from(self.parts.concat());
        let artifact = StoredArtifact {
            bytes,
            meta: self.meta,
        };
        lock(&self.objects).insert(self.key, artifact);
        Ok(())
    }
    async fn abort(self: Box<Self>) {}
}

/// RFC 3986 percent-encoding of everything but unreserved characters (and `/` in paths).
fn percent_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn artifacts_appear_only_when_their_sink_finishes() {
        let store = MemoryArtifactStore::new();
        let meta = ArtifactMeta {
            content_type: "text/csv".into(),
            file_name: "kt a.csv".into(),
            job_id: "j".into(),
            tenant_id: "acme".into(),
        };
        let mut sink = store
            .create_sink("exports/acme/j/kt.csv", &meta)
            .await
            .unwrap();
        sink.write(Bytes::from_static(b"a,b\n")).await.unwrap();
        sink.write(Bytes::from_static(b"1,2\n")).await.unwrap();
        assert!(store.get("exports/acme/j/kt.csv").is_none());
        sink.finish().await.unwrap();
        let stored = store.get("exports/acme/j/kt.csv").unwrap();
        assert_eq!(&stored.bytes[..], b"a,b\n1,2\n");
        assert_eq!(stored.meta.file_name, "kt a.csv");

        let mut aborted = store
            .create_sink("exports/acme/k/kt.csv", &meta)
            .await
            .unwrap();
        aborted.write(Bytes::from_static(b"x")).await.unwrap();
        aborted.abort().await;
        assert_eq!(store.keys(), vec!["exports/acme/j/kt.csv".to_string()]);

        let url = store
            .presign_get(
                "exports/acme/j/kt.csv",
                "kt a.csv",
                Duration::from_secs(900),
            )
            .await
            .unwrap();
        assert_eq!(
            url,
            "memory://exports/acme/j/kt.csv?file_name=kt%20a.csv&expires_in=900"
        );
    }
}
