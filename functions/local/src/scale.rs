//! `kt-local scale`: the fan-out measurement of `docs/scale.md`. One lake,
//! one export window; first on one worker without fan-out (the reference
//! artifact), then fanned out over 1, 2, 4... concurrent local workers.
//! Every run must produce the same artifact (the job's SHA-256).
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use kt_dev::{LocalStack, seed};
use kt_lakegen::LakeSpec;
use kt_service::config::Config;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(clap::Args)]
pub struct ScaleArgs {
    /// Distinct events in the generated lake (from 2026-05-01, one tenant).
    #[arg(long, default_value_t = 10_000_000)]
    events: u64,
    #[arg(long, default_value_t = 31)]
    days: u32,
    #[arg(long, default_value_t = 4)]
    objects_per_hour: u32,
    /// Concurrent workers of the fanned-out runs, comma-separated.
    #[arg(long, default_value = "1,2,4", value_delimiter = ',')]
    workers: Vec<usize>,
    /// Source KiB per segment.
    #[arg(long, default_value_t = 16 << 10)]
    segment_kb: u64,
    #[arg(long, default_value = "csv")]
    format: String,
    /// Segments of the job running at once at most (`KT_FANOUT_MAX_CONCURRENT`).
    #[arg(long)]
    max_concurrent: Option<u32>,
    /// Segments checkpoint after this many ms in one invocation
    /// (`KT_FANOUT_CHECKPOINT_AFTER_MS`; 0: after every hour).
    #[arg(long)]
    checkpoint_ms: Option<u64>,
}

pub async fn run(args: ScaleArgs) -> Result<()> {
    let mut config = Config::from_env()?;
    crate::fresh_resource_names(&mut config, "kt-scale");
    config.max_active_jobs = 100;
    config.fanout_segment_bytes = args.segment_kb << 10;
    config.fanout_max_concurrent = args.max_concurrent.filter(|c| *c > 0);
    config.fanout_checkpoint_after = args.checkpoint_ms.map(Duration::from_millis);
    let stack = LocalStack::connect(config.clone()).await?;
    stack.bootstrap().await?;
    let start_day = NaiveDate::from_ymd_opt(2026, 5, 1).expect("valid date");
    let spec = LakeSpec {
        tenant: "scale".into(),
        start_day,
        days: args.days,
        events_total: args.events,
        objects_per_hour: args.objects_per_hour,
        duplicate_rate: 0.002,
        malformed_rate: 0.0005,
        seed: 11,
        gzip: true,
    };
    let seeding = Instant::now();
    let lake = seed::seed_lake(&stack, spec).await?;
    eprintln!(
        "seeded {} events in {} objects ({:.1} MB stored, {:.1} MB uncompressed) in {:.1} s",
        lake.events,
        lake.objects,
        lake.bytes as f64 / 1e6,
        lake.raw_bytes as f64 / 1e6,
        seeding.elapsed().as_secs_f64()
    );
    let last_day = start_day + chrono::Days::new(u64::from(args.days.max(1) - 1));
    let body = json!({"type": "events", "format": args.format,
                      "date_from": start_day.to_string(), "date_to": last_day.to_string()});
    let mut runs: Vec<(String, usize, u32)> = vec![("single".into(), 1, 1)];
    for &n in &args.workers {
        runs.push((format!("fan-out x{n}"), n.max(1), 2000));
    }
    let mut reference: Option<String> = None;
    for (name, workers, max_segments) in runs {
        let mut config = config.clone();
        config.fanout_max_segments = max_segments;
        let stack = LocalStack::connect(config).await?;
        let (job, elapsed, sha) = one_export(&stack, workers, &body).await?;
        let events = job["event_count"].as_u64().unwrap_or(0);
        println!(
            "run={name:<12} workers={workers} events={events} wall_s={elapsed:.2} events_per_s={:.0} artifact_mb={:.1} sha256={sha} loadavg={}",
            events as f64 / elapsed,
            job["size_bytes"].as_f64().unwrap_or(0.0) / 1e6,
            load_average(),
        );
        match &reference {
            None => reference = Some(sha),
            Some(r) if *r == sha => {}
            Some(r) => bail!("{name}: artifact {sha} differs from the single worker's {r}"),
        }
    }
    println!("every artifact is identical to the single worker's");
    Ok(())
}

/// Creates the export on a stack serving `workers` pollers; waits for it;
/// returns it, the wall time from create to completed, and its SHA-256.
async fn one_export(
    stack: &LocalStack,
    workers: usize,
    body: &Value,
) -> Result<(Value, f64, String)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let stop = CancellationToken::new();
    let token = kt_service::http::dev_token(
        &stack.config.dev_jwt_secret,
        "u_scale",
        "scale",
        &["exports:read", "exports:write"],
        Duration::from_secs(3600),
    );
    let http = reqwest::Client::new();
    let served = {
        let stop = stop.clone();
        async move { stack.serve_with_workers(listener, stop, workers).await }
    };
    let measured = async {
        let started = Instant::now();
        let created: Value = http
            .post(format!("{base}/v1/export-jobs"))
            .bearer_auth(&token)
            .json(body)
            .send()
            .await?
            .json()
            .await?;
        let id = created["id"].as_str().context("no job id")?.to_string();
        let job = loop {
            let job: Value = http
                .get(format!("{base}/v1/export-jobs/{id}"))
                .bearer_auth(&token)
                .send()
                .await?
                .json()
                .await?;
            if !matches!(job["status"].as_str(), Some("queued" | "processing")) {
                break job;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let elapsed = started.elapsed().as_secs_f64();
        if job["status"] != "completed" {
            bail!("the job did not complete: {job}");
        }
        // The job's SHA-256 is the finisher's (or the single worker's) hash of
        // every byte written; the integration tests check it against a
        // download. Downloading hundreds of MB from moto here stalled.
        let sha = job["sha256"].as_str().context("no sha256")?.to_string();
        stop.cancel();
        Ok((job, elapsed, sha))
    };
    let (served, measured) = tokio::join!(served, measured);
    served?;
    measured
}

/// The 1-minute load average (Linux), to state next to a wall time.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}
