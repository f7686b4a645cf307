//! Helpers for the integration tests against the local AWS emulator
//! (`localstack/start-moto`: moto on 127.0.0.1:4566).
use kt_dev::bootstrap::bootstrap;
use kt_service::config::Config;
use kt_store::aws::AwsClients;
use std::path::PathBuf;
use std::sync::OnceLock;

pub mod tsa;

/// The emulator's endpoint unless `AWS_ENDPOINT_URL` names another.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4566";

/// The workspace root (the tests crate lives one level below it).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits inside the workspace")
        .to_path_buf()
}

/// Starts moto once per test process (`localstack/start-moto` is idempotent
/// and returns when the emulator answers).
fn ensure_emulator_running() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let script = repo_root().join("localstack/start-moto");
        let status = std::process::Command::new(&script)
            .current_dir(repo_root())
            .status()
            .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
        assert!(status.success(), "{} failed: {status}", script.display());
    });
}

/// A short random suffix, so parallel tests never share a resource.
pub fn unique_suffix() -> String {
    ulid::Ulid::new().to_string().to_ascii_lowercase()
}

/// A configuration pointing at the (running) emulator with FRESH resource
/// names (table, queues, buckets); nothing is created yet.
pub fn fresh_emulator_config() -> Config {
    ensure_emulator_running();
    let suffix = unique_suffix();
    let mut config = Config::from_env().expect("the environment holds a valid configuration");
    config.aws.endpoint_url = Some(
        std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string()),
    );
    config.resources.jobs_table = format!("kt-export-jobs-{suffix}");
    config.resources.export_queue = format!("kt-export-jobs-{suffix}");
    config.resources.export_dlq = format!("kt-export-jobs-dlq-{suffix}");
    config.resources.events_bucket = format!("kt-events-{suffix}");
    config.resources.artifacts_bucket = format!("kt-artifacts-{suffix}");
    config
}

/// [`fresh_emulator_config`], with its resources created by the bootstrap.
pub async fn emulator() -> Config {
    let config = fresh_emulator_config();
    let clients = AwsClients::from_settings(&config.aws).await;
    bootstrap(&clients, &config)
        .await
        .expect("bootstrapping the emulator");
    config
}

/// [`emulator`] and the clients to reach it.
pub async fn emulator_with_clients() -> (Config, AwsClients) {
    let config = emulator().await;
    let clients = AwsClients::from_settings(&config.aws).await;
    (config, clients)
}

/// A moto of this test's own, on a free port, for faults that would disturb
/// other tests on the shared emulator (pausing it with SIGSTOP). Started from
/// the venv `localstack/start-moto` installs; killed when dropped.
pub struct PrivateEmulator {
    pub endpoint: String,
    child: std::process::Child,
}

impl PrivateEmulator {
    pub fn start() -> Self {
        let script = repo_root().join("localstack/start-moto");
        let installed = std::process::Command::new(&script)
            .arg("--install-only")
            .status()
            .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
        assert!(installed.success(), "installing moto failed");
        let python = repo_root().join("localstack/.venv/bin/python");
        let server = repo_root().join("localstack/moto_server_serialized.py");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new(&python)
            .arg(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", server.display()));
        let endpoint = format!("http://127.0.0.1:{port}");
        let emulator = Self { endpoint, child };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return emulator;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("private moto did not start on port {port}");
    }

    /// [`fresh_emulator_config`] pointed at this emulator.
    pub fn config(&self) -> Config {
        let mut config = fresh_emulator_config();
        config.aws.endpoint_url = Some(self.endpoint.clone());
        config
    }

    fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill {signal} failed");
    }

    /// Freezes the emulator (SIGSTOP): connections are accepted by the
    /// kernel, nothing answers.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }
}

impl Drop for PrivateEmulator {
    fn drop(&mut self) {
        self.signal("-CONT");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
