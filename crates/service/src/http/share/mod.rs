//! Share links for auditors (`/v1/export-jobs/{id}/links`, `/v1/shared/{token}`);
//! `docs/custody.md`.
//!
//! A link's token is 256 bits from the operating system's CSPRNG, shown once
//! (in the creation's answer) and stored only as its SHA-256. Each use of
//! `/v1/shared/{token}` mints a fresh presigned URL of a few minutes, signed
//! with the API's credentials of that moment, so a link works for days
//! whatever the credentials' own lifetime.
use super::problem::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kt_store::StoreError;
use sha2::{Digest, Sha256};

mod gone_page;
mod links;
mod public_base;
mod request;
mod shared;

pub use links::{create_link, list_links, revoke_link};
pub use shared::shared;
pub(super) use shared::{LiveLink, live_link};

type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Why a link no longer opens anything, as the 410 says it; the browser's
/// page ([`gone_page`]) reads these same words back to say them in Spanish.
const REVOKED_AT: &str = "this share link was revoked at ";
const EXPIRED_AT: &str = "this share link expired at ";
const FILE_NOT_KEPT: &str = "the shared export's file is no longer kept";
const NOT_VALID: &str = "this share link is not valid (mistyped, or expired and removed)";
const ASK_FOR_A_NEW_ONE: &str = "; ask the person who shared it for a new link";

/// Bytes of randomness in a token (256 bits; base64url: 43 characters).
const TOKEN_BYTES: usize = 32;

/// A fresh token from the OS CSPRNG (getrandom), base64url without padding.
fn new_token() -> Result<String> {
    use rand::TryRngCore;
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| StoreError::Permanent(format!("the OS random source failed: {e}").into()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What the store keeps instead of the token.
pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `raw` looks like a token this API issues (43 base64url characters).
fn is_token_shaped(raw: &str) -> bool {
    raw.len() == 43
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
