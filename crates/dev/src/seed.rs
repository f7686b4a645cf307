//! Demo events for the local stack: realistic lakes of a few tenants, written
//! once into the emulator's events bucket in the contract's layout
//! (duplicates, malformed lines, several gzip members, plain `.ndjson`).
use super::LocalStack;
use anyhow::{Context, Result};
use aws_sdk_s3::primitives::ByteStream;
use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use kt_lakegen::LakeSpec;
use tokio_stream::wrappers::ReceiverStream;
use tracing::info;

/// Written last, so a seed interrupted half-way is redone on the next start.
const SEEDED_MARKER: &str = "_kt-demo/seeded-v1";
/// Objects uploaded at once.
const UPLOADS_IN_FLIGHT: usize = 8;

/// The demo tenants: 2026-05-01..2026-05-03 (UTC).
pub fn demo_lakes() -> Vec<LakeSpec> {
    let start_day = NaiveDate::from_ymd_opt(2026, 5, 1).expect("valid date");
    let base = LakeSpec {
        start_day,
        days: 3,
        duplicate_rate: 0.002,
        malformed_rate: 0.0005,
        ..LakeSpec::default()
    };
    vec![
        LakeSpec {
            tenant: "acme".into(),
            events_total: 30_000,
            objects_per_hour: 2,
            seed: 1,
            gzip: true,
            ..base.clone()
        },
        LakeSpec {
            tenant: "globex".into(),
            events_total: 3_000,
            objects_per_hour: 1,
            seed: 2,
            gzip: false,
            ..base
        },
    ]
}

/// Seeds the demo lakes unless a previous run finished doing so.
pub async fn seed_demo(stack: &LocalStack) -> Result<()> {
    let s3 = &stack.clients.s3;
    let bucket = &stack.config.resources.events_bucket;
    if s3
        .head_object()
        .bucket(bucket)
        .key(SEEDED_MARKER)
        .send()
        .await
        .is_ok()
    {
        info!(bucket, "demo events already seeded");
        return Ok(());
    }
    for spec in demo_lakes() {
        let summary = seed_lake(stack, spec.clone()).await?;
        info!(tenant = %spec.tenant, events = summary.events, objects = summary.objects,
              duplicates = summary.duplicates, malformed = summary.malformed, "demo events seeded");
    }
    s3.put_object()
        .bucket(bucket)
        .key(SEEDED_MARKER)
        .body(ByteStream::from_static(b"ok"))
        .send()
        .await
        .context("writing the seed marker")?;
    Ok(())
}

/// Generates one lake on a blocking thread and uploads its objects as they come.
pub async fn seed_lake(stack: &LocalStack, spec: LakeSpec) -> Result<kt_lakegen::LakeSummary> {
    let (tx, rx) = tokio::sync::mpsc::channel::<(String, Vec<u8>)>(UPLOADS_IN_FLIGHT);
    let generator = tokio::task::spawn_blocking(move || {
        kt_lakegen::generate(&spec, |key, bytes| tx.blocking_send((key, bytes)))
    });
    let s3 = stack.clients.s3.clone();
    let bucket = stack.config.resources.events_bucket.clone();
    ReceiverStream::new(rx)
        .map(|(key, bytes)| {
            let (s3, bucket) = (s3.clone(), bucket.clone());
            async move {
                s3.put_object()
                    .bucket(&bucket)
                    .key(&key)
                    .body(ByteStream::from(bytes))
                    .send()
                    .await
                    .with_context(|| format!("uploading demo object {key}"))
            }
        })
        .buffer_unordered(UPLOADS_IN_FLIGHT)
        .try_for_each(|_| async { Ok(()) })
        .await?;
    let summary = generator
        .await
        .context("the demo generator panicked")?
        .map_err(|_| anyhow::anyhow!("the upload side stopped early"))?;
    Ok(summary)
}
