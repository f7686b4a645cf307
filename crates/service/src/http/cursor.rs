//! Opaque list cursors: base64url of `<tenant>|<job id>`, the last job of the
//! previous page. A cursor is only valid for the tenant it was issued to:
//! its prefix is checked here, and the list route checks that its job is
//! the tenant's (the cursor is not signed).
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kt_domain::{JobId, TenantId};

pub fn encode(tenant: &TenantId, after: &JobId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{tenant}|{after}"))
}

/// The job to continue after, if `cursor` was issued to `tenant`.
pub fn decode(tenant: &TenantId, cursor: &str) -> Option<JobId> {
    let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (owner, id) = text.split_once('|')?;
    if owner != tenant.as_str() {
        return None;
    }
    JobId::parse(id).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_for_their_tenant_only() {
        let acme = TenantId::parse("acme").unwrap();
        let globex = TenantId::parse("globex").unwrap();
        let id = JobId::new();
        let cursor = encode(&acme, &id);
        assert_eq!(decode(&acme, &cursor), Some(id));
        assert_eq!(decode(&globex, &cursor), None);
        assert_eq!(decode(&acme, "not a cursor"), None);
        assert_eq!(
            decode(&acme, &URL_SAFE_NO_PAD.encode("acme|job_nope")),
            None
        );
    }
}
