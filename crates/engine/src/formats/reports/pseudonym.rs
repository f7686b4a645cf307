//! Per-tenant pseudonyms for actors (GDPR Art. 4(5), data minimisation).
//!
//! tenant key = HMAC-SHA-256(key = service pseudonym key, msg = tenant_id);
//! pseudonym  = `ps_` + first 16 hex chars of HMAC-SHA-256(key = tenant key, msg = user id).
//! The same person gets the same pseudonym in every report of one tenant and
//! unrelated pseudonyms across tenants; reversing one needs the service key,
//! or that tenant's key. The tenant key, written `tk_` + 64 hex chars, can be
//! handed to whoever recomputes one tenant's reports (an auditor holding its
//! lake) without the service key that would unlock every tenant's.
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct Pseudonymizer {
    keyed: HmacSha256,
}

/// How a tenant key is written: `tk_` + its 32 bytes in hex.
const TENANT_KEY_PREFIX: &str = "tk_";

impl Pseudonymizer {
    /// From the service key (the tenant's key derived from it), or from a
    /// tenant key itself (`tk_` + 64 hex chars, see [`Self::tenant_key`]).
    pub fn new(key: &str, tenant_id: &str) -> Self {
        let tenant_key = parse_tenant_key(key).unwrap_or_else(|| derive(key, tenant_id));
        let keyed = <HmacSha256 as KeyInit>::new_from_slice(&tenant_key)
            .expect("HMAC accepts any key length");
        Self { keyed }
    }

    /// The tenant key `service_key` derives for `tenant_id`, written so
    /// [`Self::new`] takes it in place of the service key.
    pub fn tenant_key(service_key: &str, tenant_id: &str) -> String {
        format!(
            "{TENANT_KEY_PREFIX}{}",
            hex::encode(derive(service_key, tenant_id))
        )
    }

    /// Names the tenant key without revealing it: `pk_` + the first 16 hex
    /// chars of HMAC-SHA-256(key = tenant key, msg = `kt-pseudonym-key-id`).
    /// Two reports with the same key id pseudonymise alike.
    pub fn key_id(&self) -> String {
        let mut m = self.keyed.clone();
        m.update(b"kt-pseudonym-key-id");
        let out = m.finalize().into_bytes();
        format!("pk_{}", hex::encode(&out[..8]))
    }

    /// The pseudonym of `user_id` (`ps_` + 16 hex chars = 64 bits).
    pub fn pseudonym(&self, user_id: &str) -> String {
        let mut m = self.keyed.clone();
        m.update(user_id.as_bytes());
        let out = m.finalize().into_bytes();
        format!("ps_{}", hex::encode(&out[..8]))
    }
}

/// Why `key` cannot be a pseudonym key, if it cannot: one that starts like
/// a tenant key must be one, and the JSON `kt export pseudonym-key` prints
/// in a pipe is not a key (either would pseudonymise silently with a key of
/// its own, and the report would differ from the job's for no clear reason).
pub fn unusable_key(key: &str) -> Option<String> {
    if key.trim_start().starts_with('{') {
        return Some(
            "this is JSON, not a key: pass its tenant_key (`kt export pseudonym-key --tenant T -o json | jq -r .tenant_key`)"
                .into(),
        );
    }
    if key.starts_with(TENANT_KEY_PREFIX) && parse_tenant_key(key).is_none() {
        return Some(format!(
            "a tenant key is {TENANT_KEY_PREFIX} and 64 hex characters; this one is not"
        ));
    }
    None
}

/// tenant key = HMAC-SHA-256(key = service key, msg = tenant_id).
fn derive(service_key: &str, tenant_id: &str) -> [u8; 32] {
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(service_key.as_bytes())
        .expect("HMAC accepts any key length");
    m.update(tenant_id.as_bytes());
    m.finalize().into_bytes().into()
}

/// A written tenant key's bytes, or `None` when `key` is not one.
fn parse_tenant_key(key: &str) -> Option<[u8; 32]> {
    let hex_part = key.strip_prefix(TENANT_KEY_PREFIX)?;
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(hex_part, &mut bytes).ok()?;
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_per_tenant_and_differ_across_tenants() {
        let a = Pseudonymizer::new("k", "acme");
        let b = Pseudonymizer::new("k", "globex");
        assert_eq!(a.pseudonym("u_1"), a.pseudonym("u_1"));
        assert_ne!(a.pseudonym("u_1"), a.pseudonym("u_2"));
        assert_ne!(a.pseudonym("u_1"), b.pseudonym("u_1"));
        let p = a.pseudonym("u_1");
        assert!(p.starts_with("ps_") && p.len() == 19);
        assert!(!p.contains("u_1"));
        assert_eq!(a.key_id(), Pseudonymizer::new("k", "acme").key_id());
        assert_ne!(a.key_id(), b.key_id());
        assert_ne!(a.key_id(), Pseudonymizer::new("k2", "acme").key_id());
    }

    #[test]
    fn matches_the_documented_construction() {
        // tenant key = HMAC(service key, tenant); pseudonym = HMAC(tenant key, user).
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(b"k").unwrap();
        m.update(b"acme");
        let tk = m.finalize().into_bytes();
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(&tk).unwrap();
        m.update(b"u_1");
        let expect = format!("ps_{}", &hex::encode(m.finalize().into_bytes())[..16]);
        assert_eq!(Pseudonymizer::new("k", "acme").pseudonym("u_1"), expect);
    }

    #[test]
    fn a_tenant_key_pseudonymises_as_the_service_key_does_for_its_tenant() {
        let service = Pseudonymizer::new("service-secret", "acme");
        let tk = Pseudonymizer::tenant_key("service-secret", "acme");
        assert!(tk.starts_with("tk_") && tk.len() == 3 + 64, "{tk}");
        // The tenant named beside it does not matter: the key is the tenant's.
        let from_tenant_key = Pseudonymizer::new(&tk, "acme");
        assert_eq!(from_tenant_key.pseudonym("u_1"), service.pseudonym("u_1"));
        assert_eq!(from_tenant_key.key_id(), service.key_id());
        assert_ne!(
            Pseudonymizer::new(&tk, "globex").key_id(),
            Pseudonymizer::new("service-secret", "globex").key_id()
        );
        // Not quite a tenant key: a service key like any other.
        assert_ne!(
            Pseudonymizer::new("tk_123", "acme").key_id(),
            service.key_id()
        );
    }

    #[test]
    fn json_or_a_broken_tenant_key_is_not_a_key() {
        let json = r#"{"key_id": "pk_1", "tenant_key": "tk_00"}"#;
        assert!(unusable_key(json).unwrap().contains("tenant_key"));
        assert!(unusable_key("tk_123").is_some());
        assert_eq!(unusable_key(&Pseudonymizer::tenant_key("k", "acme")), None);
        assert_eq!(unusable_key("kt-local-pseudonym-key"), None);
    }
}
