//! `kt`: export jobs from a terminal, and offline exports from a copy of the lake.
mod api;
mod args;
mod classify;
mod client;
mod config;
mod download;
mod exit;
mod export_jobs;
mod login;
mod offline;
mod output;
mod quick_range;
mod share;
mod verify;
mod wait;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use exit::{EXIT_CODES_HELP, ExitKind};
use output::OutputFormat;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kt",
    version,
    about = "kt-exports command line: export jobs through the API, and offline exports",
    long_about = "kt-exports command line: create, watch, list, download and verify export jobs \
                  through the API, and run exports offline on a copy of the lake.\n\n\
                  The API and token come from --api-url/--token, KT_API_URL/KT_TOKEN, or a profile \
                  of ~/.config/kt/config.toml (`kt login --token-stdin`).",
    after_help = EXIT_CODES_HELP
)]
struct Cli {
    #[command(flatten)]
    global: config::GlobalArgs,
    /// Output format [default: table on a terminal, json when piped]
    #[arg(
        short = 'o',
        long,
        global = true,
        value_enum,
        help_heading = "Global options"
    )]
    output_format: Option<OutputFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create, watch, list, download and verify export jobs through the API
    #[command(name = "export-jobs", subcommand)]
    ExportJobs(export_jobs::JobsCommand),
    /// Run an export locally on a directory copy of the lake (no AWS)
    #[command(subcommand)]
    Export(ExportCommand),
    /// Save a token (read from stdin) in a profile of ~/.config/kt/config.toml
    Login(login::LoginArgs),
    /// Print a shell completion script: `kt completions bash > /etc/bash_completion.d/kt`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (or write one per command into --dir)
    Man {
        /// Write kt.1 and a page per subcommand into this directory
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Local development helpers
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Export from a local lake directory (as `aws s3 sync` mirrors the bucket)
    Run(Box<offline::ExportRunArgs>),
    /// Print one tenant's pseudonym key (tk_...), for whoever recomputes its
    /// reports with `export run --pseudonym-key` without the service key
    PseudonymKey(offline::PseudonymKeyArgs),
}

#[derive(Subcommand)]
enum DevCommand {
    /// Print a token the local dev server accepts (HS256, KT_DEV_JWT_SECRET)
    Token(export_jobs::DevTokenArgs),
}

/// The clap command, with the exit-code table under every subcommand's help too.
fn command() -> clap::Command {
    fn with_exit_codes(cmd: clap::Command) -> clap::Command {
        cmd.after_help(EXIT_CODES_HELP)
            .mut_subcommands(with_exit_codes)
    }
    with_exit_codes(Cli::command())
}

#[tokio::main]
async fn main() -> ExitCode {
    let matches = command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match run(cli).await {
        Ok(kind) => kind.into(),
        Err(e) => {
            eprintln!("error: {}", classify::error_text(&e));
            classify::exit_kind(&e).into()
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitKind> {
    let chosen = cli.output_format;
    match cli.command {
        Command::ExportJobs(cmd) => export_jobs::run(cmd, &cli.global, chosen).await,
        Command::Export(ExportCommand::Run(args)) => {
            offline::run(*args, chosen).await.map(|()| ExitKind::Ok)
        }
        Command::Export(ExportCommand::PseudonymKey(args)) => {
            offline::pseudonym_key(&args, chosen).map(|()| ExitKind::Ok)
        }
        Command::Login(args) => login::login(args, &cli.global, chosen).await,
        // Written whole, then printed: a closed pipe (`kt man | head`) is
        // not an error (clap_complete panics on one).
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command(), "kt", &mut script);
            output::print_text(&String::from_utf8_lossy(&script));
            Ok(ExitKind::Ok)
        }
        Command::Man { dir } => {
            match dir {
                Some(dir) => {
                    std::fs::create_dir_all(&dir)?;
                    clap_mangen::generate_to(command(), &dir)?;
                }
                None => {
                    let mut page = Vec::new();
                    clap_mangen::Man::new(command()).render(&mut page)?;
                    output::print_text(&String::from_utf8_lossy(&page));
                }
            }
            Ok(ExitKind::Ok)
        }
        Command::Dev(DevCommand::Token(args)) => export_jobs::dev_token(args, chosen),
    }
}
