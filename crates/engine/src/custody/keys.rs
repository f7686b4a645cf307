//! Public signing keys: their ids and how `/v1/keys` publishes them.
//!
//! A key id is the SHA-256 of the key's DER SubjectPublicKeyInfo, in hex, so
//! anyone can recompute it from the PEM with plain tools:
//! `openssl pkey -pubin -in key.pem -outform DER | sha256sum`.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use p256::ecdsa::{DerSignature, VerifyingKey, signature::Verifier};
use p256::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The key id of a DER SubjectPublicKeyInfo.
pub fn key_id_of_der(spki_der: &[u8]) -> String {
    hex::encode(Sha256::digest(spki_der))
}

/// Parses a `-----BEGIN PUBLIC KEY-----` P-256 key.
pub fn parse_public_pem(pem: &str) -> Result<VerifyingKey, String> {
    VerifyingKey::from_public_key_pem(pem.trim())
        .map_err(|e| format!("not a P-256 public key PEM: {e}"))
}

/// The key id of a P-256 public key PEM.
pub fn key_id_of_pem(pem: &str) -> Result<String, String> {
    let key = parse_public_pem(pem)?;
    let der = key
        .to_public_key_der()
        .map_err(|e| format!("encoding the key: {e}"))?;
    Ok(key_id_of_der(der.as_bytes()))
}

/// The PEM of a DER SubjectPublicKeyInfo (what KMS `GetPublicKey` returns).
pub fn pem_of_der(spki_der: &[u8]) -> Result<String, String> {
    let key = VerifyingKey::from_public_key_der(spki_der)
        .map_err(|e| format!("not a P-256 public key: {e}"))?;
    key.to_public_key_pem(LineEnding::LF)
        .map_err(|e| format!("encoding the key: {e}"))
}

/// Checks a DER ECDSA P-256 signature over SHA-256(`message`).
pub fn verify_signature(public_pem: &str, message: &[u8], der: &[u8]) -> Result<(), String> {
    let key = parse_public_pem(public_pem)?;
    let sig =
        DerSignature::from_bytes(der).map_err(|e| format!("not a DER ECDSA signature: {e}"))?;
    key.verify(message, &sig)
        .map_err(|_| "the signature does not match the manifest and key".to_string())
}

/// A key given on the command line (`--key key.pem`), trusted as is.
pub fn trusted_pem(pem: &str) -> Result<PublishedKey, String> {
    Ok(PublishedKey {
        key_id: key_id_of_pem(pem)?,
        algorithm: super::ALGORITHM.into(),
        status: KeyStatus::Active,
        valid_from: None,
        valid_until: None,
        public_key_pem: pem.to_string(),
    })
}

/// Whether a published key still signs new manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Signs new manifests.
    Active,
    /// Rotated out: kept published so older signatures stay verifiable.
    Retired,
}

/// One entry of `GET /v1/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedKey {
    pub key_id: String,
    pub algorithm: String,
    pub status: KeyStatus,
    /// When the key started signing (its creation), if known.
    pub valid_from: Option<DateTime<Utc>>,
    /// When it stopped: the next key's `valid_from`; `None` while active.
    pub valid_until: Option<DateTime<Utc>>,
    pub public_key_pem: String,
}

impl PublishedKey {
    /// The key as a JWK (RFC 7517/7518: `kty` EC, `crv` P-256, `x`, `y`).
    pub fn to_jwk(&self) -> Result<Value, String> {
        let key = parse_public_pem(&self.public_key_pem)?;
        let point = key.to_sec1_point(false);
        let (x, y) = (
            point.x().ok_or("the key is the identity point")?,
            point.y().ok_or("the key is compressed")?,
        );
        Ok(json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(x),
            "y": URL_SAFE_NO_PAD.encode(y),
            "kid": self.key_id,
            "alg": super::JOSE_ALGORITHM,
            "use": "sig",
        }))
    }
}

/// The active key and the retired ones, with validity derived from the
/// order in which they started: each key's validity ends where the next one's begins.
pub fn key_ring(active: PublishedKey, mut retired: Vec<PublishedKey>) -> Vec<PublishedKey> {
    retired.retain(|k| k.key_id != active.key_id);
    retired.sort_by_key(|k| k.valid_from);
    let mut all = retired;
    all.push(active);
    let starts: Vec<Option<DateTime<Utc>>> = all.iter().map(|k| k.valid_from).collect();
    let last = all.len() - 1;
    for (i, key) in all.iter_mut().enumerate() {
        if i == last {
            key.status = KeyStatus::Active;
            key.valid_until = None;
        } else {
            key.status = KeyStatus::Retired;
            key.valid_until = starts[i + 1];
        }
    }
    all.reverse();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_retires_older_keys_at_the_next_keys_start() {
        let at = |d: u32| Some(format!("2026-0{d}-01T00:00:00Z").parse().unwrap());
        let k = |id: &str, from| PublishedKey {
            key_id: id.into(),
            algorithm: "ECDSA_P256_SHA256".into(),
            status: KeyStatus::Active,
            valid_from: from,
            valid_until: None,
            public_key_pem: String::new(),
        };
        let ring = key_ring(
            k("c", at(5)),
            vec![k("b", at(3)), k("a", at(1)), k("c", at(5))],
        );
        let ids: Vec<_> = ring
            .iter()
            .map(|k| (k.key_id.as_str(), k.status, k.valid_until))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("c", KeyStatus::Active, None),
                ("b", KeyStatus::Retired, at(5)),
                ("a", KeyStatus::Retired, at(3)),
            ]
        );
    }
}
