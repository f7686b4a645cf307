use kt_integration_tests::{emulator_with_clients, unique_suffix};
use kt_store::secrets::{SecretError, load_pseudonym_key};

#[tokio::test]
async fn the_worker_reads_the_pseudonym_key_from_its_secret_at_cold_start() {
    let (_, clients) = emulator_with_clients().await;
    let name = format!("kt-pseudonym-{}", unique_suffix());
    clients
        .secrets
        .create_secret()
        .name(&name)
        .secret_string("a-key-of-more-than-16-characters\n")
        .send()
        .await
        .unwrap();
    let key = load_pseudonym_key(&clients, &name).await.unwrap();
    assert_eq!(key, "a-key-of-more-than-16-characters");
}

#[tokio::test]
async fn a_missing_or_weak_secret_stops_the_cold_start() {
    let (_, clients) = emulator_with_clients().await;
    let missing = format!("kt-pseudonym-missing-{}", unique_suffix());
    let err = load_pseudonym_key(&clients, &missing).await.unwrap_err();
    assert!(matches!(err, SecretError::Read { .. }), "{err}");
    assert!(err.to_string().contains(&missing), "{err}");

    let short = format!("kt-pseudonym-short-{}", unique_suffix());
    clients
        .secrets
        .create_secret()
        .name(&short)
        .secret_string("short")
        .send()
        .await
        .unwrap();
    let err = load_pseudonym_key(&clients, &short).await.unwrap_err();
    assert!(matches!(err, SecretError::TooShort { .. }), "{err}");
}
