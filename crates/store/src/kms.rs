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
    //! What the signer sends KMS, seen on the wire: the emulator hashes a
    //! DIGEST message again (real KMS does not), so a fake KMS connector
    //! records each request and answers it. (aws-smithy-mocks would do the
    //! same, but its dependencies turn on serde_json's `preserve_order` in
    //! every test build of the workspace, which changes report output.)
    use super::*;
    use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use aws_smithy_types::body::SdkBody;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as B64;
    use kt_engine::custody::{LocalKeySigner, verify_signature};
    use p256::pkcs8::{DecodePublicKey, EncodePublicKey};
    use serde_json::{Value, json};
    use std::sync::{Arc, Mutex};

    /// Answers GetPublicKey, DescribeKey and Sign (awsJson 1.1) and keeps
    /// every (operation, request body).
    #[derive(Debug, Clone)]
    struct FakeKms {
        spki: Vec<u8>,
        signature: Vec<u8>,
        requests: Arc<Mutex<Vec<(String, Value)>>>,
    }

    impl HttpConnector for FakeKms {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            let target = request
                .headers()
                .get("x-amz-target")
                .unwrap_or_default()
                .trim_start_matches("TrentService.")
                .to_string();
            let body: Value =
                serde_json::from_slice(request.body().bytes().unwrap_or(b"{}")).unwrap();
            self.requests.lock().unwrap().push((target.clone(), body));
            let answer = match target.as_str() {
                "GetPublicKey" => json!({"KeyId": "k-1", "PublicKey": B64.encode(&self.spki)}),
                "DescribeKey" => json!({"KeyMetadata": {"KeyId": "k-1"}}),
                "Sign" => json!({"KeyId": "k-1", "Signature": B64.encode(&self.signature),
                                 "SigningAlgorithm": "ECDSA_SHA_256"}),
                other => panic!("unexpected KMS operation {other}"),
            };
            let response =
                HttpResponse::new(200.try_into().unwrap(), SdkBody::from(answer.to_string()));
            HttpConnectorFuture::ready(Ok(response))
        }
    }

    impl HttpClient for FakeKms {
        fn http_connector(
            &self,
            _: &HttpConnectorSettings,
            _: &RuntimeComponents,
        ) -> SharedHttpConnector {
            SharedHttpConnector::new(self.clone())
        }
    }

    /// A signer on a fake KMS holding `key`, answering Sign with `signature`.
    async fn signer(key: &LocalKeySigner, signature: Vec<u8>) -> (KmsSigner, FakeKms) {
        let spki = p256::PublicKey::from_public_key_pem(key.public_key_pem())
            .unwrap()
            .to_public_key_der()
            .unwrap()
            .as_bytes()
            .to_vec();
        let fake = FakeKms {
            spki,
            signature,
            requests: Arc::default(),
        };
        let config = aws_sdk_kms::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(Credentials::new("a", "b", None, None, "test"))
            .http_client(fake.clone())
            .build();
        let client = aws_sdk_kms::Client::from_conf(config);
        let signer = KmsSigner::connect(client, "alias/manifests").await.unwrap();
        (signer, fake)
    }

    fn sign_request(fake: &FakeKms) -> Value {
        let requests = fake.requests.lock().unwrap();
        let signs: Vec<_> = requests.iter().filter(|(op, _)| op == "Sign").collect();
        assert_eq!(signs.len(), 1, "{requests:?}");
        signs[0].1.clone()
    }

    #[tokio::test]
    async fn a_long_manifest_is_sent_as_its_sha256_digest_and_the_der_signature_is_kept() {
        let key = LocalKeySigner::generate();
        let message = vec![b'm'; MAX_RAW_MESSAGE + 1];
        // What KMS returns: a DER ECDSA signature over SHA-256(message).
        let kms_signature = key.sign(&message).await.unwrap();
        let (signer, fake) = signer(&key, kms_signature.clone()).await;
        assert_eq!(signer.key_id(), key.key_id());

        let signature = signer.sign(&message).await.unwrap();

        let sent = sign_request(&fake);
        assert_eq!(sent["KeyId"], "alias/manifests");
        assert_eq!(sent["MessageType"], "DIGEST");
        assert_eq!(sent["SigningAlgorithm"], "ECDSA_SHA_256");
        let digest = B64.decode(sent["Message"].as_str().unwrap()).unwrap();
        assert_eq!(digest.len(), 32);
        assert_eq!(digest, Sha256::digest(&message).to_vec());
        assert_eq!(signature, kms_signature, "the DER signature is used as is");
        verify_signature(signer.public_key_pem(), &message, &signature).unwrap();
    }

    #[tokio::test]
    async fn a_short_manifest_is_sent_raw() {
        let key = LocalKeySigner::generate();
        let message = b"{\"kind\":\"kt-exports/job-manifest\"}".to_vec();
        let kms_signature = key.sign(&message).await.unwrap();
        let (signer, fake) = signer(&key, kms_signature).await;
        let signature = signer.sign(&message).await.unwrap();
        let sent = sign_request(&fake);
        assert_eq!(sent["MessageType"], "RAW");
        assert_eq!(
            B64.decode(sent["Message"].as_str().unwrap()).unwrap(),
            message
        );
        verify_signature(signer.public_key_pem(), &message, &signature).unwrap();
    }
}
