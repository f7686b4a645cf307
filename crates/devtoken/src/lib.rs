//! The local stack's dev tokens: HS256 JWTs carrying the claims API Gateway's
//! JWT authorizer passes on in AWS (`sub`, `tenant_id`, `scope`).
//!
//! A crate of its own so that `kt` can mint one without linking the service
//! (and with it the AWS SDK); the local API verifies them with [`verify`].
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The claims of a dev token (and the ones the API's extractor reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevClaims {
    pub sub: String,
    pub tenant_id: String,
    /// Space-separated scopes, as OAuth's `scope` claim.
    #[serde(default)]
    pub scope: String,
    pub exp: u64,
    pub iat: u64,
}

/// Mints an HS256 token like the one the dev server accepts (`kt dev token`, tests).
pub fn mint(secret: &str, sub: &str, tenant: &str, scopes: &[&str], ttl: Duration) -> String {
    let iat = jsonwebtoken::get_current_timestamp();
    let claims = DevClaims {
        sub: sub.to_string(),
        tenant_id: tenant.to_string(),
        scope: scopes.join(" "),
        exp: iat + ttl.as_secs(),
        iat,
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 signing with a secret cannot fail")
}

/// The claims of `token` if `key` signed it and it has not expired.
pub fn verify(token: &str, key: &DecodingKey) -> Result<DevClaims, jsonwebtoken::errors::Error> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    jsonwebtoken::decode::<DevClaims>(token.trim(), key, &validation).map(|data| data.claims)
}

/// The key [`verify`] checks with, from the shared secret.
pub fn decoding_key(secret: &str) -> DecodingKey {
    DecodingKey::from_secret(secret.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_verifies_with_its_secret_only() {
        let token = mint(
            "s3cret",
            "u_1",
            "acme",
            &["exports:read"],
            Duration::from_secs(60),
        );
        let claims = verify(&token, &decoding_key("s3cret")).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.tenant_id.as_str()),
            ("u_1", "acme")
        );
        assert_eq!(claims.scope, "exports:read");
        assert!(verify(&token, &decoding_key("other")).is_err());
    }
}
