//! The sweeper in Lambda: an EventBridge schedule invokes it every minute;
//! each invocation is one pass (see kt_service::worker::sweeper).
use kt_service::{config::Config, worker::sweeper::Sweeper};
use kt_store::aws::AwsClients;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    kt_service::telemetry::init();
    let config = Config::from_env()?;
    let clients = AwsClients::from_settings(&config.aws).await;
    let sweeper = Arc::new(Sweeper::from_config(&clients, &config));
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| {
        let sweeper = sweeper.clone();
        async move { Ok::<_, lambda_runtime::Error>(sweeper.run_once(chrono::Utc::now()).await) }
    }))
    .await
}
