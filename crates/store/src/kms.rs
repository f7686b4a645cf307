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

#[cfg(test)]
mod tests {
    //! The DIGEST path against a mocked KMS: the emulator hashes a DIGEST
    //! message again (real KMS does not), so only a mock can show what is sent.
    use super::*;
    use aws_sdk_kms::operation::describe_key::DescribeKeyOutput;
    use aws_sdk_kms::operation::get_public_key::GetPublicKeyOutput;
    use aws_sdk_kms::operation::sign::SignOutput;
    use aws_sdk_kms::types::KeyMetadata;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use kt_engine::custody::{LocalKeySigner, verify_signature};
    use p256::pkcs8::{DecodePublicKey, EncodePublicKey};

    #[tokio::test]
    async fn a_long_manifest_is_sent_as_its_sha256_digest_and_the_der_signature_is_kept() {
        let key = LocalKeySigner::generate();
        let spki = p256::PublicKey::from_public_key_pem(key.public_key_pem())
            .unwrap()
            .to_public_key_der()
            .unwrap()
            .as_bytes()
            .to_vec();
        let message = vec![b'm'; MAX_RAW_MESSAGE + 1];
        let digest = Sha256::digest(&message).to_vec();
        // What KMS returns: a DER ECDSA signature over SHA-256(message).
        let kms_signature = key.sign(&message).await.unwrap();

        let public = mock!(aws_sdk_kms::Client::get_public_key).then_output({
            let spki = spki.clone();
            move || {
                GetPublicKeyOutput::builder()
                    .public_key(Blob::new(spki.clone()))
                    .build()
            }
        });
        let describe = mock!(aws_sdk_kms::Client::describe_key).then_output(|| {
            DescribeKeyOutput::builder()
                .key_metadata(KeyMetadata::builder().key_id("k-1").build().unwrap())
                .build()
        });
        let sign = mock!(aws_sdk_kms::Client::sign)
            .match_requests({
                let digest = digest.clone();
                move |req| {
                    req.key_id() == Some("alias/manifests")
                        && req.message_type() == Some(&MessageType::Digest)
                        && req.signing_algorithm() == Some(&SigningAlgorithmSpec::EcdsaSha256)
                        && req.message().map(|b| b.as_ref().to_vec()) == Some(digest.clone())
                }
            })
            .then_output({
                let sig = kms_signature.clone();
                move || {
                    SignOutput::builder()
                        .signature(Blob::new(sig.clone()))
                        .build()
                }
            });
        let client = mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&public, &describe, &sign]);

        let signer = KmsSigner::connect(client, "alias/manifests").await.unwrap();
        assert_eq!(signer.key_id(), key.key_id());
        let signature = signer.sign(&message).await.unwrap();

        assert_eq!(sign.num_calls(), 1, "one DIGEST Sign request matched");
        assert_eq!(digest.len(), 32);
        assert_eq!(signature, kms_signature, "the DER signature is used as is");
        verify_signature(signer.public_key_pem(), &message, &signature).unwrap();
    }

    #[tokio::test]
    async fn a_short_manifest_is_sent_raw() {
        let key = LocalKeySigner::generate();
        let spki = p256::PublicKey::from_public_key_pem(key.public_key_pem())
            .unwrap()
            .to_public_key_der()
            .unwrap()
            .as_bytes()
            .to_vec();
        let message = b"{\"kind\":\"kt-exports/job-manifest\"}".to_vec();
        let kms_signature = key.sign(&message).await.unwrap();
        let public = mock!(aws_sdk_kms::Client::get_public_key).then_output(move || {
            GetPublicKeyOutput::builder()
                .public_key(Blob::new(spki.clone()))
                .build()
        });
        let describe = mock!(aws_sdk_kms::Client::describe_key)
            .then_output(|| DescribeKeyOutput::builder().build());
        let sign = mock!(aws_sdk_kms::Client::sign)
            .match_requests({
                let message = message.clone();
                move |req| {
                    req.message_type() == Some(&MessageType::Raw)
                        && req.message().map(|b| b.as_ref().to_vec()) == Some(message.clone())
                }
            })
            .then_output(move || {
                SignOutput::builder()
                    .signature(Blob::new(kms_signature.clone()))
                    .build()
            });
        let client = mock_client!(aws_sdk_kms, RuleMode::MatchAny, [&public, &describe, &sign]);
        let signer = KmsSigner::connect(client, "k").await.unwrap();
        let signature = signer.sign(&message).await.unwrap();
        assert_eq!(sign.num_calls(), 1);
        verify_signature(signer.public_key_pem(), &message, &signature).unwrap();
    }
}
