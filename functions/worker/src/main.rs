//! The export worker in Lambda: SQS batches (of one) in, partial batch failures out.
use aws_lambda_events::event::sqs::SqsEvent;
use kt_service::{config::Config, worker::Worker};
use kt_store::aws::AwsClients;
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    kt_service::telemetry::init();
    let config = Config::from_env()?;
    let clients = AwsClients::from_settings(&config.aws).await;
    let worker = Arc::new(Worker::from_config(&clients, &config)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let worker = worker.clone();
        // Lambda kills the invocation at its deadline; the worker stops just before.
        // (A missing or past deadline, as some emulators send, means none.)
        let deadline = chrono::DateTime::from_timestamp_millis(event.context.deadline as i64)
            .filter(|d| *d > chrono::Utc::now());
        async move {
            Ok::<_, lambda_runtime::Error>(worker.handle_batch_until(event.payload, deadline).await)
        }
    }))
    .await
}
