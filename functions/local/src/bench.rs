//! `kt-local bench`: one export of a generated lake through the real API and
//! worker against the emulator, timed from create to completed.
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use kt_dev::{LocalStack, seed};
use kt_lakegen::LakeSpec;
use kt_service::config::Config;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Distinct events in the generated lake (May 2026, one tenant).
    #[arg(long, default_value_t = 500_000)]
    events: u64,
    #[arg(long, default_value_t = 31)]
    days: u32,
    #[arg(long, default_value_t = 4)]
    objects_per_hour: u32,
    /// csv or json (or a compliance format).
    #[arg(long, default_value = "csv")]
    format: String,
}

pub async fn run(args: BenchArgs) -> Result<()> {
    let mut config = Config::from_env()?;
    crate::fresh_resource_names(&mut config, "kt-bench");
    let stack = LocalStack::connect(config).await?;
    stack.bootstrap().await?;

    let start_day = NaiveDate::from_ymd_opt(2026, 5, 1).expect("valid date");
    let spec = LakeSpec {
        tenant: "bench".into(),
        start_day,
        days: args.days,
        events_total: args.events,
        objects_per_hour: args.objects_per_hour,
        duplicate_rate: 0.002,
        malformed_rate: 0.0005,
        seed: 7,
        gzip: true,
    };
    let seeding = Instant::now();
    let lake = seed::seed_lake(&stack, spec).await?;
    eprintln!(
        "seeded {} events in {} objects ({:.1} MB uncompressed) in {:.1} s",
        lake.events,
        lake.objects,
        lake.raw_bytes as f64 / 1e6,
        seeding.elapsed().as_secs_f64()
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let stop = CancellationToken::new();
    let dev_secret = stack.config.dev_jwt_secret.clone();
    let server = {
        let stop = stop.clone();
        tokio::spawn(async move { stack.serve_on(listener, stop).await })
    };
    let token = kt_service::http::dev_token(
        &dev_secret,
        "u_bench",
        "bench",
        &["exports:read", "exports:write"],
        Duration::from_secs(3600),
    );
    let http = reqwest::Client::new();
    let last_day = start_day + chrono::Days::new(u64::from(args.days.max(1) - 1));
    let body = json!({"type": "events", "format": args.format,
                      "date_from": start_day.to_string(), "date_to": last_day.to_string()});
    let started = Instant::now();
    let created: Value = http
        .post(format!("{base}/v1/export-jobs"))
        .bearer_auth(&token)
        .json(&body)
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
    stop.cancel();
    let _ = server.await;
    if job["status"] != "completed" {
        bail!("the job did not complete: {job}");
    }
    let events = job["event_count"].as_u64().unwrap_or(0);
    println!(
        "emulator-e2e format={} events={} create_to_completed_s={:.2} events_per_s={:.0} artifact_mb={:.1} peak_rss_mb={:.0}",
        args.format,
        events,
        elapsed,
        events as f64 / elapsed,
        job["size_bytes"].as_f64().unwrap_or(0.0) / 1e6,
        peak_rss_mb()
    );
    Ok(())
}

/// This process's peak resident set (API + worker; the emulator is another process).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
