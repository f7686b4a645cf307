//! Per-tenant pseudonyms for actors (GDPR Art. 4(5), data minimisation).
//!
//! tenant key = HMAC-SHA-256(key = service pseudonym key, msg = tenant_id);
//! pseudonym  = `ps_` + first 16 hex chars of HMAC-SHA-256(key = tenant key, msg = user id).
//! The same person gets the same pseudonym in every report of one tenant and
//! unrelated pseudonyms across tenants; reversing one needs the service key.
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct Pseudonymizer {
    keyed: HmacSha256,
}

impl Pseudonymizer {
    pub fn new(service_key: &str, tenant_id: &str) -> Self {
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(service_key.as_bytes())
            .expect("HMAC accepts any key length");
        m.update(tenant_id.as_bytes());
        let tenant_key = m.finalize().into_bytes();
        let keyed = <HmacSha256 as KeyInit>::new_from_slice(&tenant_key)
            .expect("HMAC accepts any key length");
        Self { keyed }
    }

    /// The pseudonym of `user_id` (`ps_` + 16 hex chars = 64 bits).
    pub fn pseudonym(&self, user_id: &str) -> String {
        let mut m = self.keyed.clone();
        m.update(user_id.as_bytes());
        let out = m.finalize().into_bytes();
        format!("ps_{}", hex::encode(&out[..8]))
    }
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
}
