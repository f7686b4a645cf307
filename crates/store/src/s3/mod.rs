//! S3: the lake source, and the artifacts store (multipart sink, presigned GETs).
pub mod assembly;
mod multipart;

pub use multipart::{MIN_PART_SIZE, PartPlan};

use super::aws_error::{error_code, is_transient, store_error};
use super::{ArtifactMeta, ArtifactStore, StoreError};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use kt_engine::{ArtifactSink, LakeSource, SinkError, SourceError, SourceObject};
use multipart::{MultipartSink, Target, attachment};
use std::time::Duration;
use tokio::io::AsyncRead;

fn sink_error<E>(doing: &str, err: SdkError<E, HttpResponse>) -> SinkError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    SinkError::new(doing, is_transient(&err)).caused_by(err)
}

fn source_error<E>(key: &str, doing: &str, err: SdkError<E, HttpResponse>) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    // An object deleted (NoSuchKey) or replaced (PreconditionFailed: its
    // ETag no longer matches the listing's) since the lake was listed: the
    // lake changed under the export, and a new attempt lists it again.
    let lake_changed = matches!(error_code(&err), Some("NoSuchKey" | "PreconditionFailed"));
    let error = SourceError::new(key, doing, is_transient(&err));
    let error = if lake_changed {
        error.lake_changed()
    } else {
        error
    };
    error.caused_by(err)
}

/// The event lake in S3, read-only.
#[derive(Debug, Clone)]
pub struct S3LakeSource {
    client: Client,
    bucket: String,
}

impl S3LakeSource {
    pub fn new(client: Client, bucket: &str) -> Self {
        Self {
            client,
            bucket: bucket.to_string(),
        }
    }
}

#[async_trait]
impl LakeSource for S3LakeSource {
    async fn list(&self, prefix: &str) -> Result<Vec<SourceObject>, SourceError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut objects = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| source_error(prefix, "listing the lake", e))?;
            for object in page.contents.unwrap_or_default() {
                let Some(key) = object.key else { continue };
                objects.push(SourceObject {
                    key,
                    size: object.size.unwrap_or(0).max(0) as u64,
                    etag: object.e_tag.unwrap_or_default(),
                });
            }
        }
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    /// Streams the object as listed: `If-Match` on its ETag, so an object
    /// replaced after listing fails loudly instead of mixing two versions.
    async fn open(
        &self,
        object: &SourceObject,
    ) -> Result<Box<dyn AsyncRead + Send + Unpin>, SourceError> {
        let mut request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&object.key);
        if !object.etag.is_empty() {
            request = request.if_match(&object.etag);
        }
        let out = request
            .send()
            .await
            .map_err(|e| source_error(&object.key, "reading a lake object", e))?;
        Ok(Box::new(Box::pin(out.body.into_async_read())))
    }
}

/// The artifacts bucket.
#[derive(Debug, Clone)]
pub struct S3ArtifactStore {
    client: Client,
    bucket: String,
    plan: PartPlan,
}

impl S3ArtifactStore {
    pub fn new(client: Client, bucket: &str) -> Self {
        Self {
            client,
            bucket: bucket.to_string(),
            plan: PartPlan::default(),
        }
    }

    /// Changes how sinks cut parts (tests use [`MIN_PART_SIZE`] to get several parts cheaply).
    pub fn with_part_plan(mut self, plan: PartPlan) -> Self {
        self.plan = plan;
        self
    }

    /// Whether `key` exists (for checks and tests; `Ok(false)` on 404).
    pub async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(false),
            Err(e) if error_code(&e) == Some("NotFound") => Ok(false),
            Err(e) => Err(store_error("checking an artifact", e)),
        }
    }
}

#[async_trait]
impl ArtifactStore for S3ArtifactStore {
    async fn create_sink(
        &self,
        key: &str,
        meta: &ArtifactMeta,
    ) -> Result<Box<dyn ArtifactSink>, StoreError> {
        let target = Target {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: key.to_string(),
            meta: meta.clone(),
        };
        Ok(Box::new(MultipartSink::new(target, self.plan)))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| store_error("deleting an artifact", e))?;
        Ok(())
    }

    /// `PutObjectRetention` in COMPLIANCE mode on the current version; the
    /// SDK adds the checksum S3 requires for Object Lock requests.
    async fn lock_until(
        &self,
        key: &str,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        let retain_until = aws_sdk_s3::primitives::DateTime::from_secs(until.timestamp());
        let retention = aws_sdk_s3::types::ObjectLockRetention::builder()
            .mode(aws_sdk_s3::types::ObjectLockRetentionMode::Compliance)
            .retain_until_date(retain_until)
            .build();
        self.client
            .put_object_retention()
            .bucket(&self.bucket)
            .key(key)
            .retention(retention)
            .send()
            .await
            .map_err(|e| store_error("locking a retained artifact", e))?;
        Ok(())
    }

    async fn presign_get(
        &self,
        key: &str,
        file_name: &str,
        expires_in: Duration,
    ) -> Result<String, StoreError> {
        let presigning = PresigningConfig::expires_in(expires_in).map_err(|e| {
            StoreError::Permanent(format!("presigning for {expires_in:?}: {e}").into())
        })?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(attachment(file_name))
            .presigned(presigning)
            .await
            .map_err(|e| store_error("presigning a download", e))?;
        Ok(request.uri().to_string())
    }

    async fn open(&self, key: &str) -> Result<Box<dyn AsyncRead + Send + Unpin>, StoreError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| store_error("reading an artifact", e))?;
        Ok(Box::new(Box::pin(out.body.into_async_read())))
    }
}
