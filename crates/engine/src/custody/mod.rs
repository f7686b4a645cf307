//! Chain of custody: signed manifests, the per-tenant chain and their offline
//! verification (`docs/custody.md`). Pure logic: no AWS, no HTTP. The signing
//! key sits behind [`ManifestSigner`] (a local PEM file here, AWS KMS in
//! `kt_store::kms`); records sit behind `kt_store::custody::CustodyStore`
//! and sealing a job is `kt_service::custody`. The manifest is canonical JSON
//! so a detached signature verifies over the exact file an auditor downloads.
pub mod canonical;
pub mod chain;
pub mod keys;
pub mod manifest;
pub mod signer;
pub mod verify;

pub use chain::{ChainHead, ChainLink, ChainScope};
pub use keys::{PublishedKey, key_id_of_der, key_id_of_pem};
pub use manifest::{JobManifest, ManifestInputs, SignedManifest};
pub use signer::{LocalKeySigner, ManifestSigner, SignError, sign_blocking};

/// The signature algorithm, as manifests and `/v1/keys` name it.
pub const ALGORITHM: &str = "ECDSA_P256_SHA256";
/// The JOSE name of the same algorithm (JWKS `alg`).
pub const JOSE_ALGORITHM: &str = "ES256";
