//! The signing port and its local implementation (a PEM key file).
use super::keys::{KeyStatus, PublishedKey, key_id_of_der};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use p256::ecdsa::{DerSignature, SigningKey, signature::Signer};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rand::RngCore;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone, thiserror::Error)]
#[error("signing failed: {0}")]
pub struct SignError(pub String);

/// Signs manifests with ECDSA P-256 over SHA-256 of the message.
#[async_trait]
pub trait ManifestSigner: Send + Sync {
    /// SHA-256 of the public key's DER SubjectPublicKeyInfo, hex.
    fn key_id(&self) -> &str;
    /// The public key as a `-----BEGIN PUBLIC KEY-----` PEM block.
    fn public_key_pem(&self) -> &str;
    /// When the key was created, if the backend knows.
    fn valid_from(&self) -> Option<DateTime<Utc>>;
    /// A DER-encoded ECDSA signature over SHA-256(`message`), as
    /// `openssl dgst -sha256 -verify` expects.
    async fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError>;

    /// This key as `/v1/keys` lists it while it is the active one.
    fn published(&self) -> PublishedKey {
        PublishedKey {
            key_id: self.key_id().to_string(),
            algorithm: super::ALGORITHM.to_string(),
            status: KeyStatus::Active,
            valid_from: self.valid_from(),
            valid_until: None,
            public_key_pem: self.public_key_pem().to_string(),
        }
    }
}

impl fmt::Debug for dyn ManifestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ManifestSigner({})", self.key_id())
    }
}

/// Signs from a synchronous context (the bundle is written on a blocking
/// thread): inside a tokio runtime through its handle, else on this thread.
pub fn sign_blocking(
    signer: &Arc<dyn ManifestSigner>,
    message: &[u8],
) -> Result<Vec<u8>, SignError> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle.block_on(signer.sign(message)),
        Err(_) => futures::executor::block_on(signer.sign(message)),
    }
}

/// A P-256 key held in a PKCS#8 PEM file (the local stack's signing key).
pub struct LocalKeySigner {
    key: SigningKey,
    key_id: String,
    public_pem: String,
    created: Option<DateTime<Utc>>,
}

impl LocalKeySigner {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut rng = rand::rng();
        loop {
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            // Out-of-range scalars (probability ~2^-32) are drawn again.
            if let Ok(key) = SigningKey::from_slice(&bytes) {
                return Self::from_key(key, Some(Utc::now()));
            }
        }
    }

    fn from_key(key: SigningKey, created: Option<DateTime<Utc>>) -> Self {
        let verifying = key.verifying_key();
        let der = verifying
            .to_public_key_der()
            .expect("a P-256 public key encodes");
        let public_pem = verifying
            .to_public_key_pem(LineEnding::LF)
            .expect("a P-256 public key encodes");
        Self {
            key_id: key_id_of_der(der.as_bytes()),
            key,
            public_pem,
            created,
        }
    }

    /// A key from a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pem(pem: &str, created: Option<DateTime<Utc>>) -> Result<Self, SignError> {
        let key = SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| SignError(format!("not a P-256 PKCS#8 private key: {e}")))?;
        Ok(Self::from_key(key, created))
    }

    /// The private key as PKCS#8 PEM (readable by `openssl pkey`).
    pub fn private_pem(&self) -> String {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .expect("a P-256 key encodes")
            .to_string()
    }

    /// Loads the key at `path`, creating it (mode 0600) on first use.
    pub fn load_or_create(path: &Path) -> Result<Self, SignError> {
        let io = |e: std::io::Error| SignError(format!("{}: {e}", path.display()));
        if path.exists() {
            let pem = std::fs::read_to_string(path).map_err(io)?;
            let created = std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .map(DateTime::<Utc>::from);
            return Self::from_pem(&pem, created);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        // Written aside, then linked into place: two processes starting at
        // once end up with the same key, never a half-written file.
        let signer = Self::generate();
        // Unique per process and per call: threads of one process (tests
        // starting several stacks) must not collide on the aside file either.
        static ASIDE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = ASIDE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let aside = path.with_extension(format!("tmp{}-{n}", std::process::id()));
        write_private(&aside, signer.private_pem().as_bytes()).map_err(io)?;
        let linked = std::fs::hard_link(&aside, path);
        let _ = std::fs::remove_file(&aside);
        match linked {
            Ok(()) => Ok(signer),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load_or_create(path),
            Err(e) => Err(io(e)),
        }
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[async_trait]
impl ManifestSigner for LocalKeySigner {
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
        let sig: DerSignature = self.key.sign(message);
        Ok(sig.as_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custody::keys::{KeyStatus, key_id_of_pem, verify_signature};
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    #[tokio::test]
    async fn a_key_file_is_created_once_and_signs_verifiably() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/signing-key.pem");
        let first = LocalKeySigner::load_or_create(&path).unwrap();
        let again = LocalKeySigner::load_or_create(&path).unwrap();
        assert_eq!(first.key_id(), again.key_id());
        let sig = again.sign(b"manifest").await.unwrap();
        verify_signature(first.public_key_pem(), b"manifest", &sig).unwrap();
        assert!(verify_signature(first.public_key_pem(), b"manifesT", &sig).is_err());
        let other = LocalKeySigner::generate();
        assert!(verify_signature(other.public_key_pem(), b"manifest", &sig).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn threads_racing_to_create_the_key_file_all_get_the_same_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("signing-key.pem");
            let start = std::sync::Barrier::new(8);
            let ids: Vec<String> = std::thread::scope(|s| {
                let racers: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            LocalKeySigner::load_or_create(&path).map(|k| k.key_id)
                        })
                    })
                    .collect();
                racers
                    .into_iter()
                    .map(|r| r.join().unwrap().unwrap())
                    .collect()
            });
            assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
            let files = std::fs::read_dir(dir.path()).unwrap().count();
            assert_eq!(files, 1, "only the key file stays");
        }
    }

    #[test]
    fn key_ids_are_the_spki_digest_and_jwks_carry_the_point() {
        let signer = LocalKeySigner::generate();
        let pem = signer.public_key_pem().to_string();
        assert_eq!(key_id_of_pem(&pem).unwrap(), signer.key_id());
        assert_eq!(signer.key_id().len(), 64);
        let key = PublishedKey {
            key_id: signer.key_id().into(),
            algorithm: "ECDSA_P256_SHA256".into(),
            status: KeyStatus::Active,
            valid_from: None,
            valid_until: None,
            public_key_pem: pem,
        };
        let jwk = key.to_jwk().unwrap();
        assert_eq!(jwk["kid"], signer.key_id());
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(jwk["x"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
        assert!(
            key_id_of_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err()
        );
    }
}
