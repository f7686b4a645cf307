//! Scheduled exports in Lambda: an hourly EventBridge schedule invokes this
//! function; it reads the tenants' enabled schedules from their compliance
//! profiles and creates each due tenant's export of the quarter just ended,
//! idempotently (see docs/scheduling.md).
use kt_service::config::Config;
use kt_service::schedule;
use kt_store::aws::{AwsClients, AwsStores};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    kt_service::telemetry::init();
    let config = Config::from_env()?;
    let clients = AwsClients::from_settings(&config.aws).await;
    let stores = Arc::new(AwsStores::new(&clients, &config.resources));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let stores = stores.clone();
        async move {
            let (jobs, queue) = (&*stores.jobs, &*stores.queue);
            // Err makes Lambda retry the asynchronous invocation: safe, runs are idempotent.
            schedule::handle_event(jobs, queue, &event.payload, &chrono::Utc::now)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}
