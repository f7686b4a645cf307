//! The manifest signer in AWS: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY).
use async_trait::async_trait;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use chrono::{DateTime, Utc};
use kt_engine::custody::keys::{KeyStatus, PublishedKey, key_id_of_der, pem_of_der};
use kt_engine::custody::{ManifestSigner, SignError};
use sha2::{Digest, Sha256};

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

/// A KMS key's id, public key PEM and creation date.
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
    Ok((
        key_id_of_der(&der),
        pem_of_der(&der).map_err(SignError)?,
        created,
    ))
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

/// A (retired) KMS key as `/v1/keys` lists it.
pub async fn published_kms_key(
    client: &aws_sdk_kms::Client,
    kms_key_id: &str,
) -> Result<PublishedKey, SignError> {
    let (key_id, public_key_pem, valid_from) = describe(client, kms_key_id).await?;
    Ok(PublishedKey {
        key_id,
        algorithm: kt_engine::custody::ALGORITHM.into(),
        status: KeyStatus::Retired,
        valid_from,
        valid_until: None,
        public_key_pem,
    })
}
