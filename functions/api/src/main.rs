//! The export-jobs API in Lambda: the same axum Router as the local dev
//! server; API Gateway's JWT authorizer has already checked the token.
use kt_shared::{
    config::Config,
    http,
    store::aws::{AwsClients, AwsStores},
};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    kt_shared::telemetry::init();
    let config = Config::from_env();
    let clients = AwsClients::from_config(&config).await;
    let stores = AwsStores::new(&clients, &config);
    let state = http::AppState::new(
        stores.jobs,
        stores.queue,
        stores.artifacts,
        config.max_active_jobs,
    )
    .with_custody(kt_shared::store::kms::custody_from_config(&clients, &config).await?);
    lambda_http::run(http::router(state)).await
}
