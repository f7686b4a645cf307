//! The manifest signer in AWS: an asymmetric KMS key (ECC_NIST_P256,
//! SIGN_VERIFY), and the choice of signer from the configuration.
use crate::config::Config;
use crate::custody::keys::{KeyStatus, PublishedKey, key_id_of_der, pem_of_der};
use crate::custody::manifest::pseudonym_key_id;
use crate::custody::{Custody, LocalKeySigner, ManifestSigner, SignError};
use crate::store::aws::AwsClients;
use crate::store::dynamo::DynamoJobStore;
use async_trait::async_trait;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// KMS signs at most this many bytes as a RAW message; longer ones are sent
/// as their SHA-256 (`MessageType::Digest`), which KMS signs without hashing again.
const MAX_RAW_MESSAGE: usize = 4096;

pub struct KmsSigner {
    client: aws_sdk_kms::Client,
    kms_key_id: String,
    key_id: String,
    public_pem: String,
    created: Option<DateTime<Utc>>,
}

/// A KMS key's public half as `/v1/keys` lists it.
async fn describe(
    client: &aws_sdk_kms::Client,
    kms_key_id: &str,
) -> Result<(String, String, Option<DateTime<Utc>>), SignError> {
    fn err<E: std::error::Error + 'static>(what: &'static str) -> impl FnOnce(E) -> SignError {
        move |e| {
            SignError(format!(
                "{what} of the signing key failed: {}",
                aws_sdk_kms::error::DisplayErrorContext(e)
            ))
        }
    }
    let public = client
        .get_public_key()
        .key_id(kms_key_id)
        .send()
        .await
        .map_err(err("reading the public key"))?;
    let der = public
        .public_key()
        .ok_or_else(|| SignError("KMS returned no public key".into()))?
        .as_ref()
        .to_vec();
    let described = client
        .describe_key()
        .key_id(kms_key_id)
        .send()
        .await
        .map_err(err("describing"))?;
    let created = described
        .key_metadata()
        .and_then(|m| m.creation_date())
        .and_then(|d| DateTime::from_timestamp(d.secs(), d.subsec_nanos()));
    Ok((key_id_of_der(&der), pem_of_der(&der).map_err(SignError)?, created))
}

impl KmsSigner {
    /// Reads the key's public half once (cold start).
    pub async fn connect(client: aws_sdk_kms::Client, kms_key_id: &str) -> Result<Self, SignError> {
        let (key_id, public_pem, created) = describe(&client, kms_key_id).await?;
        Ok(Self {
            client,
            kms_key_id: kms_key_id.to_string(),
            key_id,
            public_pem,
            created,
        })
    }
}

#[async_trait]
impl ManifestSigner for KmsSigner {
    fn key_id(&self) -> &str {
        &self.key_id
    }
    fn public_key_pem(&self) -> &str {
        &self.public_pem
    }
    fn valid_from(&self) -> Option<DateTime<Utc>> {
        self.created
    }
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let (kind, payload) = if message.len() <= MAX_RAW_MESSAGE {
            (MessageType::Raw, message.to_vec())
        } else {
            (MessageType::Digest, Sha256::digest(message).to_vec())
        };
        let out = self
            .client
            .sign()
            .key_id(&self.kms_key_id)
            .message(Blob::new(payload))
            .message_type(kind)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .map_err(|e| {
                SignError(format!(
                    "KMS Sign: {}",
                    aws_sdk_kms::error::DisplayErrorContext(e)
                ))
            })?;
        out.signature()
            .map(|b| b.as_ref().to_vec())
            .ok_or_else(|| SignError("KMS returned no signature".into()))
    }
}

/// The signer the configuration names: a KMS key (`KT_SIGNING_KMS_KEY_ID`)
/// or a local PEM file (`KT_SIGNING_KEY_FILE`, created on first use); retired
/// keys (`KT_SIGNING_RETIRED_KEYS`: KMS key ids, or PEM files) stay published.
pub async fn custody_from_config(
    clients: &AwsClients,
    config: &Config,
) -> Result<Custody, SignError> {
    let (signer, retired): (Arc<dyn ManifestSigner>, Vec<PublishedKey>) =
        if let Some(kms_key) = &config.signing_kms_key_id {
            let signer = KmsSigner::connect(clients.kms.clone(), kms_key).await?;
            let mut retired = vec![];
            for old in &config.signing_retired_keys {
                let (key_id, pem, created) = describe(&clients.kms, old).await?;
                retired.push(published(key_id, pem, created));
            }
            (Arc::new(signer), retired)
        } else if let Some(path) = &config.signing_key_file {
            let signer = LocalKeySigner::load_or_create(path)?;
            let mut retired = vec![];
            for old in &config.signing_retired_keys {
                let pem = std::fs::read_to_string(old)
                    .map_err(|e| SignError(format!("retired key {old}: {e}")))?;
                let key = match LocalKeySigner::from_pem(&pem, None) {
                    Ok(private) => private.public_key_pem().to_string(),
                    Err(_) => pem,
                };
                let key_id = crate::custody::key_id_of_pem(&key).map_err(SignError)?;
                let created = std::fs::metadata(old).and_then(|m| m.modified()).ok().map(DateTime::<Utc>::from);
                retired.push(published(key_id, key, created));
            }
            (Arc::new(signer), retired)
        } else {
            return Err(SignError(
                "no manifest signing key: set KT_SIGNING_KMS_KEY_ID or KT_SIGNING_KEY_FILE".into(),
            ));
        };
    Ok(Custody {
        signer,
        retired,
        store: Arc::new(DynamoJobStore::new(clients.dynamodb.clone(), &config.jobs_table)),
        pseudonym_key_id: pseudonym_key_id(&config.pseudonym_key),
    })
}

fn published(key_id: String, pem: String, created: Option<DateTime<Utc>>) -> PublishedKey {
    PublishedKey {
        key_id,
        algorithm: crate::custody::ALGORITHM.into(),
        status: KeyStatus::Retired,
        valid_from: created,
        valid_until: None,
        public_key_pem: pem,
    }
}
