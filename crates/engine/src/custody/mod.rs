//! Chain of custody: signed manifests and the per-tenant chain
//! (`docs/custody.md`); their offline verification against artifacts is
//! `formats::reports::custody_verify`. Pure logic: no AWS, no HTTP. The signing
//! key sits behind [`ManifestSigner`] (a local PEM file here, AWS KMS in
//! `kt_store::kms`), the timestamp authority behind [`Timestamper`]
//! (RFC 3161 over HTTP in `kt_service::tsa`); records sit behind `kt_store::custody::CustodyStore`
//! and sealing a job is `kt_service::custody`. The manifest is canonical JSON
//! so a detached signature verifies over the exact file an auditor downloads.
pub mod canonical;
pub mod chain;
pub mod keys;
pub mod manifest;
pub mod signer;
pub mod timestamp;

pub use chain::{ChainHead, ChainLink, ChainScope};
pub use keys::{PublishedKey, key_id_of_der, key_id_of_pem, trusted_pem, verify_signature};
pub use manifest::{JobManifest, ManifestInputs, ManifestSources, SignedManifest};
pub use signer::{LocalKeySigner, ManifestSigner, SignError, sign_blocking};
pub use timestamp::{TimestampError, Timestamper, TokenInfo};

/// The signature algorithm, as manifests and `/v1/keys` name it.
pub const ALGORITHM: &str = "ECDSA_P256_SHA256";
/// The JOSE name of the same algorithm (JWKS `alg`).
pub const JOSE_ALGORITHM: &str = "ES256";
