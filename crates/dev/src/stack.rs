//! The API and the worker on one machine, wired to the emulator exactly as
//! the Lambda functions are wired to AWS.
use crate::bootstrap::{BootstrapOptions, bootstrap_with};
use anyhow::{Context, Result};
use kt_service::config::Config;
use kt_service::custody::{Custody, custody_from_config};
use kt_service::http::{self, AppState};
use kt_service::worker::{Worker, poller};
use kt_store::aws::{AwsClients, AwsStores};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::info;

/// Workers polling the local queue at once (Lambda would scale out instead).
const LOCAL_WORKERS: usize = 2;
/// Local visibility timeout: a failed attempt is retried after this long.
pub const LOCAL_VISIBILITY_TIMEOUT_SECS: u32 = 10;

/// How often the local sweeper runs.
pub const LOCAL_SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// Local default of `KT_SWEEP_REQUEUE_SECONDS`.
pub const LOCAL_SWEEP_REQUEUE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// The router, told each connection's peer address (the audit trail's
/// `source_ip` locally; in Lambda it comes from API Gateway).
fn with_peer_addresses(
    router: axum::Router,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<axum::Router, std::net::SocketAddr>
{
    router.into_make_service_with_connect_info::<std::net::SocketAddr>()
}

pub struct LocalStack {
    pub config: Config,
    /// The worker's, the sweeper's and the bootstrap's clients (the SDK's
    /// long timeouts, as those functions have in AWS).
    pub clients: AwsClients,
    /// The API's clients, bounded by `KT_API_AWS_TIMEOUT_MS` as the API
    /// function's are: a frozen emulator is a 503 problem, not a hang.
    pub api_clients: AwsClients,
    /// The signing key (a PEM file created on first run) and custody records.
    pub custody: Custody,
}

/// Where the local stack keeps its manifest signing key unless
/// `KT_SIGNING_KEY_FILE` says otherwise: beside the build cache, outside the clone.
pub fn default_signing_key_file() -> std::path::PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache.join("kt-exports").join("signing-key.pem")
}

impl LocalStack {
    /// Clients for the emulator named by `AWS_ENDPOINT_URL` (default 127.0.0.1:4566).
    pub async fn connect(mut config: Config) -> Result<Self> {
        if config.aws.endpoint_url.is_none() {
            config.aws.endpoint_url = Some("http://127.0.0.1:4566".into());
        }
        config
            .require_pseudonym_key()
            .context("the local worker needs a pseudonym key")?;
        if config.signing_kms_key_id.is_none() && config.signing_key_file.is_none() {
            config.signing_key_file = Some(default_signing_key_file());
        }
        let clients = AwsClients::from_settings(&config.aws).await;
        let api_clients =
            AwsClients::from_settings_with(&config.aws, &config.api_aws_timeouts()).await;
        let custody = custody_from_config(&clients, &config)
            .await
            .context("the manifest signing key could not be loaded")?;
        Ok(Self {
            config,
            clients,
            api_clients,
            custody,
        })
    }

    pub async fn bootstrap(&self) -> Result<()> {
        let options = BootstrapOptions {
            visibility_timeout_seconds: LOCAL_VISIBILITY_TIMEOUT_SECS,
        };
        bootstrap_with(&self.clients, &self.config, &options)
            .await
            .context("bootstrap of the emulator's resources failed")
    }

    /// The jobs table, as the API and the worker see it.
    pub fn job_store(&self) -> std::sync::Arc<dyn kt_store::JobStore> {
        AwsStores::new(&self.clients, &self.config.resources).jobs
    }

    /// One run of the quarterly scheduler against this stack's table and
    /// queue, as the `kt-scheduler` function runs it for an EventBridge event
    /// (its `time` is the run's "now"; see docs/scheduling.md).
    pub async fn run_schedule(
        &self,
        event: &serde_json::Value,
    ) -> Result<Vec<kt_service::schedule::OutcomeSummary>, kt_service::schedule::RetryableRunError>
    {
        let stores = AwsStores::new(&self.clients, &self.config.resources);
        kt_service::schedule::handle_event(&*stores.jobs, &*stores.queue, event, &chrono::Utc::now)
            .await
    }

    /// The API's state, on the API's own clients (as in AWS).
    pub fn app_state(&self) -> AppState {
        let stores = AwsStores::new(&self.api_clients, &self.config.resources);
        AppState::new(
            stores.jobs,
            stores.queue,
            stores.artifacts,
            self.config.max_active_jobs,
        )
        .with_custody(
            self.custody
                .clone()
                .with_records_on(&self.api_clients, &self.config),
        )
    }

    pub fn worker(&self) -> Worker {
        Worker::from_config(&self.clients, &self.config)
            .expect("connect checked that the worker's configuration is complete")
            .with_custody(self.custody.clone())
    }

    /// The API behind the dev auth layer, plus the page's local sign-in when
    /// `config.dev_sign_in` (`kt-local up` sets it). The URLs it hands out
    /// (share links) are on `KT_PUBLIC_BASE_URL`, else on the address it
    /// listens on, never on a request's `Host` (on 0.0.0.0 or [::], which
    /// no one can open, the `Host` is what is left).
    fn router(&self, listening_on: std::net::SocketAddr) -> axum::Router {
        let secret = self.config.dev_jwt_secret.clone();
        let base = self.config.public_base_url.clone().or_else(|| {
            (!listening_on.ip().is_unspecified()).then(|| format!("http://{listening_on}"))
        });
        let mut router = http::router(self.app_state().with_public_base_url(base));
        if self.config.dev_sign_in {
            router = router.merge(http::dev_sign_in_routes(secret.clone()));
        }
        router.layer(http::dev_auth_layer(secret))
    }

    /// Serves the API on `config.api_addr` and runs the workers until `stop`.
    pub async fn serve(&self, stop: CancellationToken) -> Result<()> {
        let listener = TcpListener::bind(&self.config.api_addr)
            .await
            .with_context(|| format!("cannot listen on {}", self.config.api_addr))?;
        self.serve_on(listener, stop).await
    }

    /// The API alone (tests that need jobs to stay queued).
    pub async fn serve_api_only(
        &self,
        listener: TcpListener,
        stop: CancellationToken,
    ) -> Result<()> {
        let router = self.router(listener.local_addr()?);
        axum::serve(listener, with_peer_addresses(router))
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await?;
        Ok(())
    }

    /// Same, on a listener the caller bound (tests bind port 0).
    pub async fn serve_on(&self, listener: TcpListener, stop: CancellationToken) -> Result<()> {
        self.serve_with_workers(listener, stop, LOCAL_WORKERS).await
    }

    /// Same, with `workers` pollers (the fan-out measurement, `kt-local scale`).
    pub async fn serve_with_workers(
        &self,
        listener: TcpListener,
        stop: CancellationToken,
        pollers: usize,
    ) -> Result<()> {
        let addr = listener.local_addr()?;
        let router = self.router(addr);
        let mut workers = tokio::task::JoinSet::new();
        let visibility = std::time::Duration::from_secs(LOCAL_VISIBILITY_TIMEOUT_SECS.into());
        for _ in 0..pollers {
            let worker = self.worker();
            let inbox = AwsStores::receiver(&self.clients, &self.config.resources);
            let stop = stop.clone();
            workers.spawn(async move { poller::run(&worker, &inbox, visibility, stop).await });
        }
        {
            // The sweeper, on a short interval (every minute in AWS).
            let sweeper =
                kt_service::worker::sweeper::Sweeper::from_config(&self.clients, &self.config);
            let stop = stop.clone();
            workers.spawn(async move {
                kt_service::worker::sweeper::run_every(&sweeper, LOCAL_SWEEP_INTERVAL, stop).await
            });
        }
        info!(%addr, "export-jobs API listening; worker polling the export queue; sweeper running");
        let shutdown = stop.clone();
        axum::serve(listener, with_peer_addresses(router))
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await?;
        stop.cancel();
        while workers.join_next().await.is_some() {}
        Ok(())
    }
}
