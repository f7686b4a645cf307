use bytes::Bytes;
use kt_engine::{ExportError, LakeSource, SourceObject};
use kt_integration_tests::emulator_with_clients;
use kt_store::s3::{MIN_PART_SIZE, PartPlan, S3ArtifactStore, S3LakeSource};
use kt_store::{ArtifactMeta, ArtifactStore};
use std::time::Duration;
use tokio::io::AsyncReadExt;

fn meta(file_name: &str) -> ArtifactMeta {
    ArtifactMeta {
        content_type: "text/csv".into(),
        file_name: file_name.into(),
        job_id: "job_01jt9x4q7w8e3r5t6y7u8i9o0p".into(),
        tenant_id: "acme".into(),
    }
}

/// Deterministic, non-repeating-looking bytes.
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + i / 7) % 251) as u8).collect()
}

async fn write_in_chunks(store: &S3ArtifactStore, key: &str, data: &[u8]) {
    let mut sink = store.create_sink(key, &meta("kt.csv")).await.unwrap();
    for chunk in data.chunks(700_001) {
        sink.write(Bytes::copy_from_slice(chunk)).await.unwrap();
    }
    sink.finish().await.unwrap();
}

async fn read_back(clients: &kt_store::aws::AwsClients, bucket: &str, key: &str) -> Vec<u8> {
    let out = clients
        .s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

#[tokio::test]
async fn a_small_artifact_is_one_put_with_its_headers() {
    let (config, clients) = emulator_with_clients().await;
    let store = S3ArtifactStore::new(clients.s3.clone(), &config.resources.artifacts_bucket);
    let key = "exports/acme/job_1/kt.csv";
    let data = payload(123_456);

    write_in_chunks(&store, key, &data).await;

    assert_eq!(
        read_back(&clients, &config.resources.artifacts_bucket, key).await,
        data
    );
    let head = clients
        .s3
        .head_object()
        .bucket(&config.resources.artifacts_bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("text/csv"));
    assert_eq!(
        head.content_disposition(),
        Some("attachment; filename=\"kt.csv\"")
    );
    assert_eq!(head.metadata().unwrap()["tenant-id"], "acme");
    assert!(
        !head.e_tag().unwrap().contains('-'),
        "a single PUT, not multipart"
    );
}

#[tokio::test]
async fn a_large_artifact_is_uploaded_in_parts_and_served_by_a_presigned_url() {
    let (config, clients) = emulator_with_clients().await;
    let plan = PartPlan {
        initial_part_size: MIN_PART_SIZE,
        max_in_flight: 2,
    };
    let store = S3ArtifactStore::new(clients.s3.clone(), &config.resources.artifacts_bucket)
        .with_part_plan(plan);
    let key = "exports/acme/job_2/kt.csv";
    let data = payload(3 * MIN_PART_SIZE + 1_000_000);

    write_in_chunks(&store, key, &data).await;

    assert_eq!(
        read_back(&clients, &config.resources.artifacts_bucket, key).await,
        data
    );
    let head = clients
        .s3
        .head_object()
        .bucket(&config.resources.artifacts_bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    assert!(
        head.e_tag().unwrap().trim_matches('"').ends_with("-4"),
        "4 parts: {:?}",
        head.e_tag()
    );
    assert_eq!(
        head.content_disposition(),
        Some("attachment; filename=\"kt.csv\"")
    );

    let url = store
        .presign_get(
            key,
            "kt_2026-05-01_to_2026-05-31.csv",
            Duration::from_secs(300),
        )
        .await
        .unwrap();
    let response = reqwest::get(&url).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"kt_2026-05-01_to_2026-05-31.csv\""
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), data.as_slice());
}

#[tokio::test]
async fn an_aborted_artifact_leaves_nothing_behind() {
    let (config, clients) = emulator_with_clients().await;
    let plan = PartPlan {
        initial_part_size: MIN_PART_SIZE,
        max_in_flight: 2,
    };
    let store = S3ArtifactStore::new(clients.s3.clone(), &config.resources.artifacts_bucket)
        .with_part_plan(plan);
    let key = "exports/acme/job_3/kt.csv";
    let mut sink = store.create_sink(key, &meta("kt.csv")).await.unwrap();
    sink.write(Bytes::from(payload(2 * MIN_PART_SIZE + 10)))
        .await
        .unwrap();

    sink.abort().await;

    assert!(!store.exists(key).await.unwrap());
    let uploads = clients
        .s3
        .list_multipart_uploads()
        .bucket(&config.resources.artifacts_bucket)
        .send()
        .await
        .unwrap();
    assert!(uploads.uploads().is_empty(), "{:?}", uploads.uploads());
}

#[tokio::test]
async fn the_lake_lists_a_prefix_sorted_and_streams_objects() {
    let (config, clients) = emulator_with_clients().await;
    let prefix = "events/tenant=acme/dt=2026-05-01/";
    let keys = [
        format!("{prefix}hour=13/b.ndjson.gz"),
        format!("{prefix}hour=02/a.ndjson"),
        format!("{prefix}hour=13/a.ndjson.gz"),
        "events/tenant=globex/dt=2026-05-01/hour=02/a.ndjson".to_string(),
    ];
    for key in &keys {
        clients
            .s3
            .put_object()
            .bucket(&config.resources.events_bucket)
            .key(key)
            .body(key.clone().into_bytes().into())
            .send()
            .await
            .unwrap();
    }
    let lake = S3LakeSource::new(clients.s3.clone(), &config.resources.events_bucket);

    let listed = lake.list(prefix).await.unwrap();

    let names: Vec<&str> = listed.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        names,
        vec![keys[1].as_str(), keys[2].as_str(), keys[0].as_str()]
    );
    assert_eq!(listed[0].size, keys[1].len() as u64);
    let mut content = String::new();
    lake.open(&listed[0])
        .await
        .unwrap()
        .read_to_string(&mut content)
        .await
        .unwrap();
    assert_eq!(content, keys[1]);

    let gone = SourceObject {
        key: format!("{prefix}missing.ndjson"),
        size: 1,
        etag: String::new(),
    };
    let err = lake
        .open(&gone)
        .await
        .err()
        .expect("a missing object fails");
    // Listed, then deleted before it was read: the lake changed under the
    // export, and another attempt lists it again (it used to fail the job
    // at once with "the event lake could not be read").
    assert!(ExportError::Source(err).is_retryable_with_a_new_listing());
    // Replaced since the listing: its ETag no longer matches.
    let replaced = SourceObject {
        etag: "\"00000000000000000000000000000000\"".into(),
        ..listed[0].clone()
    };
    let err = lake
        .open(&replaced)
        .await
        .err()
        .expect("a replaced object fails its If-Match");
    assert!(ExportError::Source(err).is_retryable_with_a_new_listing());
}
