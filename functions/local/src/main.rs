//! `kt-local`: the whole export service on one machine, against a local AWS
//! emulator: bootstrap resources, seed demo events, serve the API on
//! 127.0.0.1:3000 and run the worker on the queue, until Ctrl-C.
mod bench;

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
    /// Bootstrap, seed demo events (once), serve the API and run the worker.
    Up,
    /// Create the emulator's tables, queues and buckets (idempotent).
    Bootstrap,
    /// Write the demo events into the lake (idempotent).
    Seed,
    /// Time one export of a generated lake through the API and worker (fresh resources).
    Bench(bench::BenchArgs),
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
        Command::Up => {
            let stack = connect().await?;
            stack.bootstrap().await?;
            seed::seed_demo(&stack).await?;
            let stop = CancellationToken::new();
            let on_signal = stop.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                on_signal.cancel();
            });
            stack.serve(stop).await?;
        }
        Command::Bench(args) => bench::run(args).await?,
    }
    Ok(())
}

/// The stack with the resource names of the environment (the API contract's local defaults, see kt_service::config).
async fn connect() -> Result<LocalStack> {
    let mut config = Config::from_env()?;
    if std::env::var_os("KT_SWEEP_REQUEUE_SECONDS").is_none() {
        // Locally a lost message is re-sent after a minute, not fifteen.
        config.sweep_requeue_after = kt_dev::LOCAL_SWEEP_REQUEUE_AFTER;
    }
    LocalStack::connect(config)
        .await
        .context("cannot reach the emulator")
}
