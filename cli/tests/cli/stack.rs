//! The API and worker on the shared emulator, on a free port, for the `kt`
//! binary to talk to: one stack with a worker and one without (jobs stay
//! queued there), each started once per test process with fresh resources.
use assert_cmd::Command;
use chrono::NaiveDate;
use kt_dev::{LocalStack, seed};
use kt_lakegen::LakeSpec;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

pub const SECRET: &str = "kt-cli-test-secret";
/// The tenant whose lake holds events on 2026-05-01 (UTC).
pub const LAKE_DAY: &str = "2026-05-01";

pub struct Stack {
    pub base: String,
    pub lake_tenant: String,
    /// Keeps the API and worker tasks running for the whole test process.
    _runtime: tokio::runtime::Runtime,
    _stop: CancellationToken,
}

fn start(with_worker: bool) -> Stack {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let mut config = kt_integration_tests::fresh_emulator_config();
    config.dev_jwt_secret = SECRET.into();
    config.max_active_jobs = 50;
    let lake_tenant = format!("lake-{}", kt_integration_tests::unique_suffix());
    let stop = CancellationToken::new();
    let base = runtime.block_on(async {
        let stack = Arc::new(LocalStack::connect(config).await.expect("emulator"));
        stack.bootstrap().await.expect("bootstrap");
        if with_worker {
            let spec = LakeSpec {
                tenant: lake_tenant.clone(),
                start_day: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
                days: 1,
                events_total: 4_000,
                objects_per_hour: 1,
                gzip: true,
                ..LakeSpec::default()
            };
            seed::seed_lake(&stack, spec)
                .await
                .expect("seeding the lake");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let serving = stack.clone();
        let token = stop.clone();
        tokio::spawn(async move {
            let served = if with_worker {
                serving.serve_on(listener, token).await
            } else {
                serving.serve_api_only(listener, token).await
            };
            served.expect("serving the API");
        });
        base
    });
    Stack {
        base,
        lake_tenant,
        _runtime: runtime,
        _stop: stop,
    }
}

/// API + worker, with a seeded lake.
pub fn with_worker() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| start(true))
}

/// The API alone: jobs stay queued until canceled.
pub fn api_only() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| start(false))
}

/// A fresh tenant name, so tests never see each other's jobs.
pub fn tenant() -> String {
    format!("t-{}", kt_integration_tests::unique_suffix())
}

pub fn token(tenant: &str) -> String {
    kt_devtoken::mint(
        SECRET,
        "u_cli",
        tenant,
        &["exports:read", "exports:write"],
        Duration::from_secs(3600),
    )
}

/// `kt` with nothing from the caller's environment or config file.
pub fn kt_bare(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kt"));
    cmd.current_dir(dir)
        .env_remove("KT_TOKEN")
        .env_remove("KT_API_URL")
        .env_remove("KT_PROFILE")
        .env_remove("KT_HTTP_TIMEOUT")
        .env("KT_CONFIG", dir.join("no-such-config.toml"))
        .timeout(Duration::from_secs(120));
    cmd
}

impl Stack {
    /// `kt` pointed at this stack as `tenant`, run in `dir`.
    pub fn kt(&self, tenant: &str, dir: &Path) -> Command {
        let mut cmd = kt_bare(dir);
        cmd.env("KT_API_URL", &self.base)
            .env("KT_TOKEN", token(tenant));
        cmd
    }
}
