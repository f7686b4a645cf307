//! The export-jobs API in Lambda: the same axum Router as the local dev
//! server; API Gateway's JWT authorizer has already checked the token.
use kt_service::{config::Config, http};
use kt_store::aws::{AwsClients, AwsStores};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    kt_service::telemetry::init();
    let config = Config::from_env()?;
    // Bounded well under API Gateway's 29 s (KT_API_AWS_TIMEOUT_MS): a store
    // that hangs is our 503 problem, not API Gateway's bare 504.
    let clients = AwsClients::from_settings_with(&config.aws, &config.api_aws_timeouts()).await;
    let stores = AwsStores::new(&clients, &config.resources);
    let state = http::AppState::new(
        stores.jobs,
        stores.queue,
        stores.artifacts,
        config.max_active_jobs,
    )
    .with_custody(kt_service::custody::custody_from_config(&clients, &config).await?)
    .with_public_base_url(config.public_base_url.clone());
    lambda_http::run(http::router(state)).await
}
