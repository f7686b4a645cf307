//! Secrets read once at cold start, by the one function that needs them, so
//! key material never sits in a function's environment (or in the template).
use crate::aws::AwsClients;

/// The shortest pseudonym key accepted: an HMAC key shorter than this is guessable.
pub const MIN_PSEUDONYM_KEY_LEN: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("reading the secret {secret_id}: {message}")]
    Read { secret_id: String, message: String },
    #[error("the secret {secret_id} has no string value")]
    NotAString { secret_id: String },
    #[error("the pseudonym key in {secret_id} is shorter than {MIN_PSEUDONYM_KEY_LEN} characters")]
    TooShort { secret_id: String },
}

/// Reads `secret_id`'s string value from Secrets Manager.
pub async fn secret_string(
    client: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
) -> Result<String, SecretError> {
    let value = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| SecretError::Read {
            secret_id: secret_id.to_string(),
            message: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
        })?;
    value
        .secret_string()
        .map(str::to_string)
        .ok_or_else(|| SecretError::NotAString {
            secret_id: secret_id.to_string(),
        })
}

/// The pseudonym key held in `secret_id` (`KT_PSEUDONYM_KEY_SECRET`), trimmed,
/// at least [`MIN_PSEUDONYM_KEY_LEN`] characters.
pub async fn load_pseudonym_key(
    clients: &AwsClients,
    secret_id: &str,
) -> Result<String, SecretError> {
    let key = secret_string(&clients.secrets, secret_id).await?;
    let key = key.trim();
    if key.len() < MIN_PSEUDONYM_KEY_LEN {
        return Err(SecretError::TooShort {
            secret_id: secret_id.to_string(),
        });
    }
    Ok(key.to_string())
}
