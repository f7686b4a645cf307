//! `kt`: export jobs from a terminal, and offline exports from a copy of the lake.
mod client;
mod jobs;
mod offline;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "kt", version, about = "kt-exports command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create, watch, list, download and verify export jobs through the API.
    #[command(name = "export-jobs", subcommand)]
    ExportJobs(jobs::JobsCommand),
    /// Run an export locally on a directory copy of the lake (no AWS).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Local development helpers.
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Export from a local lake directory (as `aws s3 sync` mirrors the bucket).
    Run(offline::ExportRunArgs),
}

#[derive(Subcommand)]
enum DevCommand {
    /// Print a token the local dev server accepts (HS256, KT_DEV_JWT_SECRET).
    Token(jobs::DevTokenArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::ExportJobs(cmd) => jobs::run(cmd).await,
        Command::Export(ExportCommand::Run(args)) => {
            offline::run(args).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Dev(DevCommand::Token(args)) => jobs::dev_token(args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
