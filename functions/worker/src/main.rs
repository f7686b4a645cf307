//! The export worker in Lambda: SQS batches (of one) in, partial batch failures out.
use aws_lambda_events::event::sqs::SqsEvent;
use kt_service::{config::Config, worker::Worker};
use kt_store::{aws::AwsClients, secrets};
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    kt_service::telemetry::init();
    let mut config = Config::from_env()?;
    let clients = AwsClients::from_settings(&config.aws).await;
    // In AWS the pseudonym key comes from Secrets Manager, read once here; a
    // missing, unreadable or short secret stops the cold start, loudly.
    if let Some(secret_id) = &config.pseudonym_key_secret {
        config.pseudonym_key = Some(secrets::load_pseudonym_key(&clients, secret_id).await?);
    }
    // Every completed job's manifest is signed with the template's KMS key.
    let custody = kt_service::custody::custody_from_config(&clients, &config).await?;
    let worker = Arc::new(Worker::from_config(&clients, &config)?.with_custody(custody));
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
