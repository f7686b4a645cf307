//! The artifact sink: an S3 multipart upload with bounded memory and parts
//! uploaded concurrently; a small artifact is a single PUT.
use super::sink_error;
use crate::ArtifactMeta;
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};
use kt_engine::{ArtifactSink, SinkError};
use tokio::task::JoinSet;

/// S3's smallest allowed part (except the last).
pub const MIN_PART_SIZE: usize = 5 << 20;
/// S3's largest allowed part.
const MAX_PART_SIZE: usize = 5 << 30;
/// The part size doubles every this many parts, so S3's 10,000-part limit
/// never caps an export (8 MiB start: 8 GB in the first 1,000 parts, then more).
const PARTS_PER_SIZE_STEP: i32 = 1_000;

/// How the sink cuts and uploads parts.
#[derive(Debug, Clone, Copy)]
pub struct PartPlan {
    /// Size of the first parts (at least [`MIN_PART_SIZE`]).
    pub initial_part_size: usize,
    /// Parts uploading at once; memory is about `(max_in_flight + 1) * part size`.
    pub max_in_flight: usize,
}

impl Default for PartPlan {
    fn default() -> Self {
        Self {
            initial_part_size: 8 << 20,
            max_in_flight: 4,
        }
    }
}

impl PartPlan {
    /// Size of part `number` (1-based).
    pub fn part_size(&self, number: i32) -> usize {
        let doublings = ((number.max(1) - 1) / PARTS_PER_SIZE_STEP).min(20) as u32;
        (self.initial_part_size.max(MIN_PART_SIZE) << doublings).min(MAX_PART_SIZE)
    }
}

/// Where the object goes and what it says about itself.
pub(super) struct Target {
    pub client: Client,
    pub bucket: String,
    pub key: String,
    pub meta: ArtifactMeta,
}

pub(super) struct MultipartSink {
    target: Target,
    plan: PartPlan,
    buffer: BytesMut,
    upload_id: Option<String>,
    next_part: i32,
    in_flight: JoinSet<Result<CompletedPart, SinkError>>,
    done: Vec<CompletedPart>,
}

impl MultipartSink {
    pub(super) fn new(target: Target, plan: PartPlan) -> Self {
        Self {
            target,
            plan,
            buffer: BytesMut::new(),
            upload_id: None,
            next_part: 1,
            in_flight: JoinSet::new(),
            done: Vec::new(),
        }
    }

    fn content_disposition(&self) -> String {
        attachment(&self.target.meta.file_name)
    }

    /// Starts the multipart upload on the first full part.
    async fn upload_id(&mut self) -> Result<String, SinkError> {
        if let Some(id) = &self.upload_id {
            return Ok(id.clone());
        }
        let t = &self.target;
        let out = t
            .client
            .create_multipart_upload()
            .bucket(&t.bucket)
            .key(&t.key)
            .content_type(&t.meta.content_type)
            .content_disposition(self.content_disposition())
            .metadata("job-id", &t.meta.job_id)
            .metadata("tenant-id", &t.meta.tenant_id)
            .send()
            .await
            .map_err(|e| sink_error("starting the multipart upload", e))?;
        let id = out
            .upload_id
            .ok_or_else(|| SinkError::new("S3 returned no upload id", true))?;
        self.upload_id = Some(id.clone());
        Ok(id)
    }

    /// Queues one part, first waiting while `max_in_flight` parts are uploading.
    async fn upload_part(&mut self, body: Bytes) -> Result<(), SinkError> {
        let upload_id = self.upload_id().await?;
        while self.in_flight.len() >= self.plan.max_in_flight.max(1) {
            self.collect_one().await?;
        }
        let number = self.next_part;
        self.next_part += 1;
        let request = self
            .target
            .client
            .upload_part()
            .bucket(&self.target.bucket)
            .key(&self.target.key)
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(body));
        self.in_flight.spawn(async move {
            let out = request
                .send()
                .await
                .map_err(|e| sink_error("uploading a part", e))?;
            Ok(CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag)
                .build())
        });
        Ok(())
    }

    async fn collect_one(&mut self) -> Result<(), SinkError> {
        if let Some(joined) = self.in_flight.join_next().await {
            let part = joined
                .map_err(|e| SinkError::new("a part upload task failed", true).caused_by(e))??;
            self.done.push(part);
        }
        Ok(())
    }

    async fn finish_inner(&mut self) -> Result<(), SinkError> {
        if self.upload_id.is_none() {
            return self.put_whole().await;
        }
        if !self.buffer.is_empty() {
            let last = self.buffer.split().freeze();
            self.upload_part(last).await?;
        }
        while !self.in_flight.is_empty() {
            self.collect_one().await?;
        }
        let mut parts = std::mem::take(&mut self.done);
        parts.sort_by_key(|p| p.part_number);
        let upload_id = self.upload_id().await?;
        self.target
            .client
            .complete_multipart_upload()
            .bucket(&self.target.bucket)
            .key(&self.target.key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| sink_error("completing the multipart upload", e))?;
        Ok(())
    }

    /// An artifact smaller than one part: a single PutObject.
    async fn put_whole(&mut self) -> Result<(), SinkError> {
        let t = &self.target;
        let body = self.buffer.split().freeze();
        t.client
            .put_object()
            .bucket(&t.bucket)
            .key(&t.key)
            .content_type(&t.meta.content_type)
            .content_disposition(self.content_disposition())
            .metadata("job-id", &t.meta.job_id)
            .metadata("tenant-id", &t.meta.tenant_id)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| sink_error("writing the artifact", e))?;
        Ok(())
    }

    async fn abort_upload(&mut self) {
        self.in_flight.abort_all();
        while self.in_flight.join_next().await.is_some() {}
        let Some(upload_id) = self.upload_id.take() else {
            return;
        };
        let t = &self.target;
        let aborted = t
            .client
            .abort_multipart_upload()
            .bucket(&t.bucket)
            .key(&t.key)
            .upload_id(upload_id)
            .send()
            .await;
        if let Err(e) = aborted {
            // The bucket's lifecycle rule removes the parts after a day.
            tracing::warn!(key = %t.key, error = %sink_error("aborting the upload", e), "abort failed");
        }
    }
}

/// `attachment; filename="<name>"`, with quotes and backslashes escaped.
pub(super) fn attachment(file_name: &str) -> String {
    let escaped = file_name.replace('\\', "\\\\").replace('"', "\\\"");
    format!("attachment; filename=\"{escaped}\"")
}

#[async_trait]
impl ArtifactSink for MultipartSink {
    async fn write(&mut self, chunk: Bytes) -> Result<(), SinkError> {
        self.buffer.extend_from_slice(&chunk);
        loop {
            let size = self.plan.part_size(self.next_part);
            if self.buffer.len() < size {
                return Ok(());
            }
            let part = self.buffer.split_to(size).freeze();
            self.upload_part(part).await?;
        }
    }

    async fn finish(mut self: Box<Self>) -> Result<(), SinkError> {
        let result = self.finish_inner().await;
        if result.is_err() {
            self.abort_upload().await;
        }
        result
    }

    async fn abort(mut self: Box<Self>) {
        self.abort_upload().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_grow_so_ten_thousand_never_cap_an_export() {
        let plan = PartPlan::default();
        assert_eq!(plan.part_size(1), 8 << 20);
        assert_eq!(plan.part_size(1_000), 8 << 20);
        assert_eq!(plan.part_size(1_001), 16 << 20);
        let total: u64 = (1..=10_000).map(|n| plan.part_size(n) as u64).sum();
        assert!(total > 5 << 40, "10,000 parts hold the 5 TiB S3 maximum");
        assert!(plan.part_size(10_000) <= MAX_PART_SIZE);
    }

    #[test]
    fn parts_are_never_smaller_than_s3_allows() {
        let plan = PartPlan {
            initial_part_size: 1,
            max_in_flight: 1,
        };
        assert_eq!(plan.part_size(1), MIN_PART_SIZE);
    }

    #[test]
    fn attachment_names_are_quoted() {
        assert_eq!(attachment("kt.csv"), "attachment; filename=\"kt.csv\"");
        assert_eq!(attachment("a\"b"), "attachment; filename=\"a\\\"b\"");
    }
}
