//! `kt-local`: the whole export service on one machine, against a local AWS
//! emulator: bootstrap resources, seed demo events, serve the API on
//! 127.0.0.1:3000 and run the worker on the queue, until Ctrl-C.
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use kt_shared::config::Config;
use kt_shared::local::{LocalStack, seed};
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
}

#[tokio::main]
async fn main() -> Result<()> {
    kt_shared::telemetry::init();
    let cli = Cli::parse();
    let config = Config::from_env();
    let stack = LocalStack::connect(config)
        .await
        .context("cannot reach the emulator")?;
    match cli.command {
        Command::Bootstrap => stack.bootstrap().await?,
        Command::Seed => {
            stack.bootstrap().await?;
            seed::seed_demo(&stack).await?;
        }
        Command::Up => {
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
    }
    Ok(())
}
