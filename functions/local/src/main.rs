//! `kt-local`: the whole export service on one machine, against a local AWS
//! emulator: bootstrap resources, seed demo events, serve the API on
//! 127.0.0.1:3000 and run the worker on the queue, until Ctrl-C.
mod bench;
mod scale;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use kt_dev::{LocalStack, seed};
use kt_service::config::Config;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "kt-local", about = "kt-exports local stack (emulator-backed)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Bootstrap, seed demo events (once), serve the API and the page, and run the worker.
    Up(UpArgs),
    /// Create the emulator's tables, queues and buckets (idempotent).
    Bootstrap,
    /// Write the demo events into the lake (idempotent).
    Seed,
    /// Run the quarterly scheduler once, as its hourly invocation does
    /// (docs/scheduling.md); prints each tenant's outcome as JSON.
    Schedule(ScheduleArgs),
    /// Time one export of a generated lake through the API and worker (fresh resources).
    Bench(bench::BenchArgs),
    /// One export on 1 worker, then fanned out over N concurrent workers
    /// (`--workers 1,2,4`): wall time, events/s, and the same SHA-256 every time.
    Scale(scale::ScaleArgs),
}

#[derive(clap::Args)]
struct UpArgs {
    /// Where the API listens (port 0: any free port); default KT_API_ADDR or 127.0.0.1:3000.
    #[arg(long)]
    addr: Option<String>,
    /// Fresh table, queues and buckets (a unique suffix), as the browser tests use.
    #[arg(long)]
    fresh: bool,
    /// Serve the API without the worker, so jobs stay queued (browser tests).
    #[arg(long)]
    no_worker: bool,
}

#[derive(clap::Args)]
struct ScheduleArgs {
    /// The run's time, RFC 3339 (the EventBridge event's `time`); default
    /// now. A quarter's run starts at 03:00 of its first day in each
    /// schedule's zone: 2026-07-01T01:30:00Z is 03:30 in Madrid (Q2 due
    /// there), 2026-07-01T03:30:00Z for a schedule in UTC. When nothing is
    /// due, stderr says each schedule's next run.
    #[arg(long, value_parser = parse_run_time)]
    time: Option<chrono::DateTime<chrono::Utc>>,
    /// Run against the stack `kt-local up --fresh` started: the suffix it
    /// printed on stderr. Without it, the default resource names (or the
    /// KT_JOBS_TABLE, ... of the environment), created when missing; with
    /// it, nothing is created and a stack that is not there is an error.
    #[arg(long, value_parser = parse_suffix)]
    suffix: Option<String>,
}

fn parse_suffix(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    ok.then(|| s.to_string()).ok_or_else(|| {
        "the suffix `kt-local up --fresh` printed (lowercase letters and digits)".into()
    })
}

fn parse_run_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("an RFC 3339 time such as 2026-07-01T01:30:00Z ({e})"))
}

#[tokio::main]
async fn main() -> Result<()> {
    kt_service::telemetry::init();
    match Cli::parse().command {
        Command::Bootstrap => connect().await?.bootstrap().await?,
        Command::Seed => {
            let stack = connect().await?;
            stack.bootstrap().await?;
            seed::seed_demo(&stack).await?;
        }
        Command::Up(args) => up(args).await?,
        Command::Schedule(args) => schedule(args).await?,
        Command::Bench(args) => bench::run(args).await?,
        Command::Scale(args) => scale::run(args).await?,
    }
    Ok(())
}

/// The local stack: the page's sign-in box is offered here and only here.
async fn up(args: UpArgs) -> Result<()> {
    let config = up_config(&args)?;
    let stack = LocalStack::connect(config)
        .await
        .context("cannot reach the emulator")?;
    stack.bootstrap().await?;
    seed::seed_demo(&stack).await?;
    let listener = tokio::net::TcpListener::bind(&stack.config.api_addr)
        .await
        .with_context(|| format!("cannot listen on {}", stack.config.api_addr))?;
    // One line on stdout that people and the browser tests read.
    println!("Exports page: http://{}/", listener.local_addr()?);
    let stop = CancellationToken::new();
    let on_signal = stop.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        on_signal.cancel();
    });
    if args.no_worker {
        stack.serve_api_only(listener, stop).await
    } else {
        stack.serve_on(listener, stop).await
    }
}

/// `schedule`: the scheduler's run for an event whose `time` is `--time`
/// (or now). Exits non-zero when the run would make Lambda retry it, or
/// when it left a quarter without an export that no run will create (every
/// attempt failed, say): the JSON alone is easy to read past.
async fn schedule(args: ScheduleArgs) -> Result<()> {
    let now = run_time(args.time, chrono::Utc::now())?;
    let stack = match &args.suffix {
        None => {
            let stack = connect().await?;
            stack.bootstrap().await?;
            stack
        }
        Some(suffix) => {
            let mut config = local_config()?;
            with_suffix(&mut config, suffix);
            let stack = LocalStack::connect(config)
                .await
                .context("cannot reach the emulator")?;
            // Reads the table, so a wrong suffix fails here, not as a retryable run.
            stack
                .job_store()
                .enabled_schedules()
                .await
                .with_context(|| {
                    format!(
                        "no stack with suffix {suffix} is running (table {})",
                        stack.config.resources.jobs_table
                    )
                })?;
            stack
        }
    };
    let event = schedule_event(now);
    match stack.run_schedule(&event).await {
        Ok(outcomes) => {
            println!("{}", serde_json::to_string_pretty(&outcomes)?);
            if outcomes.is_empty() {
                say_why_nothing_ran(&stack, now).await?;
            }
            let lost: Vec<String> = outcomes
                .iter()
                .filter(|o| o.is_lost())
                .map(|o| format!("{} {} {}: {}", o.tenant, o.format, o.quarter, o.outcome))
                .collect();
            if !lost.is_empty() {
                anyhow::bail!(
                    "{} scheduled export(s) left a quarter without an export that no retry will create: {}",
                    lost.len(),
                    lost.join("; ")
                );
            }
            Ok(())
        }
        Err(e) => {
            println!("{}", serde_json::to_string_pretty(&e.outcomes)?);
            Err(e.into())
        }
    }
}

/// A run that made nothing says why on stderr (the JSON stays `[]`): no
/// enabled schedule, or each one's next run, in its zone, and the quarter
/// it exports.
async fn say_why_nothing_ran(stack: &LocalStack, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    let schedules = stack.job_store().enabled_schedules().await?;
    if schedules.is_empty() {
        eprintln!(
            "nothing due: no tenant has an enabled schedule (PUT /v1/compliance-profile with \"schedule\": {{\"enabled\": true}})"
        );
    }
    for s in schedules {
        if let Some(next) = kt_service::schedule::next_run(&s.schedule, now) {
            eprintln!(
                "{}: nothing due at {}; its next run is {} ({}), exporting {}",
                s.tenant,
                now.to_rfc3339(),
                next.local,
                next.timezone,
                next.quarter
            );
        }
    }
    Ok(())
}

/// The run's time: `--time`, or now. A time to come is refused: the run
/// would export a quarter whose days have not all passed, under the key the
/// real run of that quarter then replays.
fn run_time(
    given: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>> {
    match given {
        Some(t) if t > now => anyhow::bail!(
            "--time {t} is in the future: a run then would export a quarter that has not ended yet"
        ),
        Some(t) => Ok(t),
        None => Ok(now),
    }
}

/// The input the hourly EventBridge Scheduler sends: `{"time": ...}`.
fn schedule_event(now: chrono::DateTime<chrono::Utc>) -> serde_json::Value {
    serde_json::json!({ "time": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) })
}

/// What `up` serves with: the local defaults, the sign-in box, `--addr`
/// and `--fresh`.
fn up_config(args: &UpArgs) -> Result<Config> {
    let mut config = local_config()?;
    config.dev_sign_in = true;
    if let Some(addr) = &args.addr {
        config.api_addr = addr.clone();
    }
    if args.fresh {
        let suffix = ulid::Ulid::new().to_string().to_ascii_lowercase();
        with_suffix(&mut config, &suffix);
        // stderr: stdout is the one line the browser tests read.
        eprintln!(
            "Fresh resources (suffix {suffix}); run the scheduler against them with: kt-local schedule --suffix {suffix}"
        );
    }
    Ok(config)
}

/// The resource names of `up --fresh` with this suffix: each name `-<suffix>`.
fn with_suffix(config: &mut Config, suffix: &str) {
    let names = &mut config.resources;
    names.jobs_table = format!("{}-{suffix}", names.jobs_table);
    names.export_queue = format!("{}-{suffix}", names.export_queue);
    names.export_dlq = format!("{}-{suffix}", names.export_dlq);
    names.events_bucket = format!("{}-{suffix}", names.events_bucket);
    names.artifacts_bucket = format!("{}-{suffix}", names.artifacts_bucket);
}

/// The stack with the resource names of the environment (the API contract's local defaults, see kt_service::config).
async fn connect() -> Result<LocalStack> {
    LocalStack::connect(local_config()?)
        .await
        .context("cannot reach the emulator")
}

/// The environment's configuration with the local stack's defaults: a lost
/// message is re-sent after a minute, not fifteen, unless
/// `KT_SWEEP_REQUEUE_SECONDS` says otherwise. `up` serves with it, so a job
/// whose worker was killed is taken over within minutes (docs/decisions.md).
fn local_config() -> Result<Config> {
    let mut config = Config::from_env()?;
    if std::env::var_os("KT_SWEEP_REQUEUE_SECONDS").is_none() {
        config.sweep_requeue_after = kt_dev::LOCAL_SWEEP_REQUEUE_AFTER;
    }
    Ok(config)
}

/// Gives `config` fresh resource names under `prefix` (a ULID suffix), so a
/// measurement run never meets another run's tables, queues or buckets.
fn fresh_resource_names(config: &mut kt_service::config::Config, prefix: &str) {
    let suffix = ulid::Ulid::new().to_string().to_ascii_lowercase();
    let r = &mut config.resources;
    r.jobs_table = format!("{prefix}-jobs-{suffix}");
    r.export_queue = format!("{prefix}-q-{suffix}");
    r.export_dlq = format!("{prefix}-dlq-{suffix}");
    r.events_bucket = format!("{prefix}-events-{suffix}");
    r.artifacts_bucket = format!("{prefix}-artifacts-{suffix}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_runs_the_quarter_of_the_time_it_is_given() {
        // The scheduler had no local trigger: docs/scheduling.md named none and
        // kt-local had no such command, so a quarter could not be tried out.
        let cli = Cli::try_parse_from([
            "kt-local",
            "schedule",
            "--time",
            "2026-07-01T03:30:00+02:00",
        ])
        .expect("kt-local schedule --time parses");
        let Command::Schedule(args) = cli.command else {
            panic!("not the schedule command");
        };
        let event = schedule_event(args.time.expect("a time"));
        assert_eq!(event, serde_json::json!({"time": "2026-07-01T01:30:00Z"}));
        let now = kt_service::schedule::scheduled_time(&event);
        assert_eq!(now, Some("2026-07-01T01:30:00Z".parse().unwrap()));
        assert!(Cli::try_parse_from(["kt-local", "schedule", "--time", "July"]).is_err());
        // Not a time to come: that run would export an unfinished quarter.
        let now: chrono::DateTime<chrono::Utc> = "2026-12-05T09:00:00Z".parse().unwrap();
        assert!(run_time(Some("2027-01-02T10:00:00Z".parse().unwrap()), now).is_err());
        assert_eq!(run_time(None, now).unwrap(), now);
    }

    #[test]
    fn schedule_reaches_the_stack_up_fresh_made_by_its_suffix() {
        // `schedule` read the default names (and created them): a stack
        // started with `up --fresh` was invisible to it.
        let cli = Cli::try_parse_from(["kt-local", "schedule", "--suffix", "01kbx7a2"])
            .expect("--suffix parses");
        let Command::Schedule(args) = cli.command else {
            panic!("not the schedule command");
        };
        let suffix = args.suffix.expect("a suffix");
        let mut fresh = local_config().unwrap();
        let defaults = fresh.resources.clone();
        with_suffix(&mut fresh, &suffix);
        assert_eq!(
            fresh.resources.jobs_table,
            format!("{}-01kbx7a2", defaults.jobs_table)
        );
        assert_eq!(
            fresh.resources.export_queue,
            format!("{}-01kbx7a2", defaults.export_queue)
        );
        for bad in ["", "Up-Fresh", "a b", "x/y"] {
            assert!(
                Cli::try_parse_from(["kt-local", "schedule", "--suffix", bad]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_served_stack_re_sends_a_lost_message_after_a_minute() {
        // `up` used Config::from_env() as is: its sweeper waited the AWS
        // default of 15 minutes before re-sending a killed worker's job.
        if std::env::var_os("KT_SWEEP_REQUEUE_SECONDS").is_some() {
            return;
        }
        let args = UpArgs {
            addr: None,
            fresh: false,
            no_worker: false,
        };
        let config = up_config(&args).unwrap();
        assert_eq!(
            config.sweep_requeue_after,
            kt_dev::LOCAL_SWEEP_REQUEUE_AFTER
        );
    }
}
