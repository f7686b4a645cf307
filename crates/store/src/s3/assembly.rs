//! Joining a fanned-out export's segment objects into one artifact
//! (`docs/scale.md`): one multipart upload whose parts are server-side
//! copies of segment ranges (UploadPartCopy) where they are large enough,
//! and uploaded bytes where S3's 5 MiB minimum part size forbids a copy
//! (small segments, the json tail, the joins between them). The artifact's
//! SHA-256 is computed in the same single pass, reading every byte in order.
use super::multipart::{MIN_PART_SIZE, attachment};
use crate::aws_error::store_error;
use crate::{ArtifactMeta, StoreError};
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use kt_engine::segment::Piece;
use sha2::{Digest, Sha256};
use std::ops::Range;

/// The largest range one UploadPartCopy copies (S3's 5 GiB part maximum).
const MAX_COPY_PART: u64 = 5 << 30;
/// S3's limit of parts in one upload.
pub const MAX_PARTS: usize = 10_000;

/// One part of the artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A server-side copy of `range` of segment `index`'s object.
    Copy { index: usize, range: Range<u64> },
    /// Bytes the finisher reads and uploads (each at most one piece's worth of a range).
    Upload(Vec<Piece>),
}

/// Cuts the artifact's pieces into parts that S3 accepts: every part but the
/// last at least `min_part` bytes; copies whenever a whole `min_part` of one
/// segment is available, uploads for what is left between them.
pub fn plan_parts(pieces: &[Piece], min_part: u64) -> Vec<Part> {
    let min_part = min_part.max(1);
    let mut parts = Vec::new();
    let mut pending: Vec<Piece> = Vec::new();
    let mut pending_len = 0u64;
    let flush = |parts: &mut Vec<Part>, pending: &mut Vec<Piece>, pending_len: &mut u64| {
        if !pending.is_empty() {
            parts.push(Part::Upload(std::mem::take(pending)));
            *pending_len = 0;
        }
    };
    for piece in pieces {
        match piece {
            Piece::Inline(bytes) => {
                pending_len += bytes.len() as u64;
                pending.push(piece.clone());
                if pending_len >= min_part {
                    flush(&mut parts, &mut pending, &mut pending_len);
                }
            }
            Piece::Segment { index, range } => {
                let (index, mut start, end) = (*index, range.start, range.end);
                if pending_len > 0 {
                    let take = (end - start).min(min_part - pending_len);
                    pending.push(Piece::Segment {
                        index,
                        range: start..start + take,
                    });
                    pending_len += take;
                    start += take;
                    if pending_len >= min_part {
                        flush(&mut parts, &mut pending, &mut pending_len);
                    }
                }
                while start < end {
                    let rest = end - start;
                    if rest < min_part {
                        pending.push(Piece::Segment {
                            index,
                            range: start..end,
                        });
                        pending_len += rest;
                        break;
                    }
                    let len = rest.min(MAX_COPY_PART);
                    parts.push(Part::Copy {
                        index,
                        range: start..start + len,
                    });
                    start += len;
                }
            }
        }
    }
    flush(&mut parts, &mut pending, &mut pending_len);
    parts
}

/// What the join produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembled {
    pub size_bytes: u64,
    pub sha256: String,
}

/// Reads and writes the artifacts bucket for fanned-out exports.
#[derive(Debug, Clone)]
pub struct S3Assembly {
    client: Client,
    bucket: String,
    min_part: u64,
}

impl S3Assembly {
    pub fn new(client: Client, bucket: &str) -> Self {
        Self {
            client,
            bucket: bucket.to_string(),
            min_part: MIN_PART_SIZE as u64,
        }
    }

    /// A small object (the frozen plan).
    pub async fn put(&self, key: &str, body: Vec<u8>) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| store_error("writing a fan-out plan", e))?;
        Ok(())
    }

    /// A whole small object.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        self.get_range(key, None).await
    }

    async fn get_range(&self, key: &str, range: Option<Range<u64>>) -> Result<Vec<u8>, StoreError> {
        let mut request = self.client.get_object().bucket(&self.bucket).key(key);
        if let Some(r) = &range {
            if r.start == r.end {
                return Ok(Vec::new());
            }
            request = request.range(format!("bytes={}-{}", r.start, r.end - 1));
        }
        let out = request
            .send()
            .await
            .map_err(|e| store_error("reading a segment", e))?;
        let body = out.body.collect().await.map_err(|e| {
            StoreError::Transient(crate::Failure::caused_by("reading a segment's bytes", e))
        })?;
        Ok(body.into_bytes().to_vec())
    }

    /// Streams `range` of `key` into `hasher`, returning the bytes counted.
    async fn hash_range(
        &self,
        key: &str,
        range: Range<u64>,
        hasher: &mut Sha256,
    ) -> Result<u64, StoreError> {
        if range.start == range.end {
            return Ok(0);
        }
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes={}-{}", range.start, range.end - 1))
            .send()
            .await
            .map_err(|e| store_error("reading a segment", e))?;
        let mut body = out.body;
        let mut n = 0u64;
        while let Some(chunk) = body.try_next().await.map_err(|e| {
            StoreError::Transient(crate::Failure::caused_by("reading a segment's bytes", e))
        })? {
            hasher.update(&chunk);
            n += chunk.len() as u64;
        }
        Ok(n)
    }

    /// Deletes every object under `prefix` (a run's segments); returns how many.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<u64, StoreError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut deleted = 0;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| store_error("listing segments", e))?;
            for object in page.contents.unwrap_or_default() {
                let Some(key) = object.key else { continue };
                self.client
                    .delete_object()
                    .bucket(&self.bucket)
                    .key(&key)
                    .send()
                    .await
                    .map_err(|e| store_error("deleting a segment", e))?;
                deleted += 1;
            }
        }
        Ok(deleted)
    }

    /// Writes `key` as `pieces` of the objects `sources` (by segment index),
    /// hashing every byte in order. On error the upload is aborted: no
    /// partial artifact is ever visible.
    pub async fn assemble(
        &self,
        key: &str,
        meta: &ArtifactMeta,
        sources: &[String],
        pieces: &[Piece],
    ) -> Result<Assembled, StoreError> {
        let parts = plan_parts(pieces, self.min_part);
        if parts.len() > MAX_PARTS {
            return Err(StoreError::Permanent(
                format!("the artifact would need {} parts", parts.len()).into(),
            ));
        }
        let out = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(&meta.content_type)
            .content_disposition(attachment(&meta.file_name))
            .metadata("job-id", &meta.job_id)
            .metadata("tenant-id", &meta.tenant_id)
            .send()
            .await
            .map_err(|e| store_error("starting the artifact's upload", e))?;
        let upload_id = out.upload_id.unwrap_or_default();
        match self.upload_parts(key, &upload_id, sources, &parts).await {
            Ok(assembled) => Ok(assembled),
            Err(e) => {
                let aborted = self
                    .client
                    .abort_multipart_upload()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(&upload_id)
                    .send()
                    .await;
                if let Err(abort) = aborted {
                    tracing::warn!(key, error = %store_error("aborting the upload", abort), "abort failed; the lifecycle rule will");
                }
                Err(e)
            }
        }
    }

    async fn upload_parts(
        &self,
        key: &str,
        upload_id: &str,
        sources: &[String],
        parts: &[Part],
    ) -> Result<Assembled, StoreError> {
        let source = |index: usize| {
            sources.get(index).ok_or_else(|| {
                StoreError::Permanent(format!("no object for segment {index}").into())
            })
        };
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut completed = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let number = i as i32 + 1;
            let e_tag = match part {
                Part::Copy { index, range } => {
                    let object = source(*index)?;
                    let copy = self
                        .client
                        .upload_part_copy()
                        .bucket(&self.bucket)
                        .key(key)
                        .upload_id(upload_id)
                        .part_number(number)
                        .copy_source(format!("{}/{}", self.bucket, copy_source_key(object)))
                        .copy_source_range(format!("bytes={}-{}", range.start, range.end - 1))
                        .send();
                    // The copy runs in S3 while this worker reads the same bytes for the hash.
                    let (copied, hashed) =
                        tokio::join!(copy, self.hash_range(object, range.clone(), &mut hasher));
                    size += hashed?;
                    copied
                        .map_err(|e| store_error("copying a segment into the artifact", e))?
                        .copy_part_result
                        .and_then(|r| r.e_tag)
                }
                Part::Upload(pieces) => {
                    let mut body = Vec::new();
                    for piece in pieces {
                        match piece {
                            Piece::Inline(bytes) => body.extend_from_slice(bytes),
                            Piece::Segment { index, range } => body.extend_from_slice(
                                &self.get_range(source(*index)?, Some(range.clone())).await?,
                            ),
                        }
                    }
                    hasher.update(&body);
                    size += body.len() as u64;
                    self.client
                        .upload_part()
                        .bucket(&self.bucket)
                        .key(key)
                        .upload_id(upload_id)
                        .part_number(number)
                        .body(ByteStream::from(body))
                        .send()
                        .await
                        .map_err(|e| store_error("uploading a part of the artifact", e))?
                        .e_tag
                }
            };
            completed.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(e_tag)
                    .build(),
            );
        }
        if completed.is_empty() {
            // An empty artifact still needs one (empty) part.
            let out = self
                .client
                .upload_part()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload_id)
                .part_number(1)
                .body(ByteStream::from(Vec::new()))
                .send()
                .await
                .map_err(|e| store_error("uploading a part of the artifact", e))?;
            completed.push(
                CompletedPart::builder()
                    .part_number(1)
                    .set_e_tag(out.e_tag)
                    .build(),
            );
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(completed))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| store_error("completing the artifact's upload", e))?;
        Ok(Assembled {
            size_bytes: size,
            sha256: hex::encode(hasher.finalize()),
        })
    }
}

/// The key as `x-amz-copy-source` wants it: URL-encoded, `/` kept.
fn copy_source_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
#[path = "assembly_tests.rs"]
mod tests;
