//! An in-memory lake for the engine tests: objects by key, with a count of
//! listings and of the objects open at once, and an optional delay per open.
use crate::{LakeSource, SourceError, SourceObject};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::AsyncRead;

#[derive(Default)]
pub(super) struct MemLake {
    pub objects: BTreeMap<String, Vec<u8>>,
    pub lists: AtomicUsize,
    pub open_delay: Option<Duration>,
    pub opens: Arc<OpenCount>,
}

/// Objects open at once (an object is open until its reader is dropped).
#[derive(Default)]
pub(super) struct OpenCount {
    now: AtomicUsize,
    pub most: AtomicUsize,
}

/// An object's bytes, counted as open while alive.
struct Opened {
    bytes: std::io::Cursor<Vec<u8>>,
    count: Arc<OpenCount>,
}

impl Drop for Opened {
    fn drop(&mut self) {
        self.count.now.fetch_sub(1, Ordering::SeqCst);
    }
}

impl AsyncRead for Opened {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.bytes).poll_read(cx, buf)
    }
}

#[async_trait]
impl LakeSource for MemLake {
    async fn list(&self, prefix: &str) -> Result<Vec<SourceObject>, SourceError> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        Ok(self
            .objects
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| SourceObject {
                key: k.clone(),
                size: v.len() as u64,
                etag: format!("e{}", v.len()),
            })
            .collect())
    }
    async fn open(
        &self,
        o: &SourceObject,
    ) -> Result<Box<dyn AsyncRead + Send + Unpin>, SourceError> {
        if let Some(d) = self.open_delay {
            tokio::time::sleep(d).await;
        }
        let now = self.opens.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.opens.most.fetch_max(now, Ordering::SeqCst);
        Ok(Box::new(Opened {
            bytes: std::io::Cursor::new(self.objects[&o.key].clone()),
            count: self.opens.clone(),
        }))
    }
}

/// A lakegen'd hour with many objects, unsorted lines and duplicates.
pub(super) fn generated_lake(gzip: bool) -> MemLake {
    let spec = kt_lakegen::LakeSpec {
        days: 1,
        events_total: 6_000,
        objects_per_hour: 5,
        duplicate_rate: 0.05,
        malformed_rate: 0.01,
        gzip,
        ..Default::default()
    };
    let mut lake = MemLake::default();
    kt_lakegen::generate(&spec, |key, bytes| {
        lake.objects.insert(key, bytes);
        Ok::<_, ()>(())
    })
    .unwrap();
    lake
}
