//! The export-jobs API in Lambda: the same axum Router as the local dev
//! server; API Gateway's JWT authorizer has already checked the token.
use kt_service::{config::Config, http};
use kt_store::aws::{AwsClients, AwsStores};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    kt_service::telemetry::init();
    let config = Config::from_env()?;
    let clients = AwsClients::from_settings(&config.aws).await;
    let stores = AwsStores::new(&clients, &config.resources);
    let state = http::AppState::new(
        stores.jobs,
        stores.queue,
        stores.artifacts,
        config.max_active_jobs,
    );
    lambda_http::run(http::router(state)).await
}
