//! Offline checks of a trusted timestamp: the manifest's `timestamp` claim
//! against the token found beside the signature (`manifest.tsr`).
//!
//! Without a trust anchor only the token's structure, status and imprint
//! (SHA-256 of the signature) are checked, and the report says the TSA's
//! signature was not; with one ([`TokenAnchor`], the CLI's `--tsa-ca`), the
//! TSA's signature and certificate chain too, and a missing token fails.
use super::VerifyReport;
use crate::custody::timestamp::inspect;
use serde_json::Value;

/// Checks the TSA's signature and certificate chain over a token for `data`
/// (the CLI runs `openssl ts -verify -CAfile`). `Ok` carries what was
/// verified, `Err` why not.
pub trait TokenAnchor: Sync {
    fn verify(&self, data: &[u8], reply: &[u8]) -> Result<String, String>;
}

/// The files a timestamp check reads.
pub struct TimestampFiles<'a> {
    /// The manifest's name (the claim is in it).
    pub manifest: &'a str,
    /// The detached signature the token should cover.
    pub signature: Option<&'a [u8]>,
    pub token_file: &'a str,
    pub token: Option<&'a [u8]>,
}

/// Compares `claim` (the manifest's `timestamp`) with the token, if any.
pub fn check_timestamp(
    f: &TimestampFiles<'_>,
    claim: &Value,
    anchor: Option<&dyn TokenAnchor>,
    r: &mut VerifyReport,
) {
    let status = claim["status"].as_str().unwrap_or("(missing)");
    let tsa = claim["tsa"].as_str().unwrap_or("(unnamed)");
    let Some(token) = f.token else {
        let absent = match status {
            "none" => "none configured when it was signed".to_string(),
            "requested" => format!("requested from {tsa} but absent (the TSA did not answer)"),
            other => {
                r.fail(f.manifest, "timestamp status", "none or requested", other);
                return;
            }
        };
        if anchor.is_some() {
            r.fail(
                f.manifest,
                "trusted timestamp (--tsa-ca)",
                format!("a token in {}", f.token_file),
                absent,
            );
        } else {
            r.note(format!(
                "{}: trusted timestamp {absent}; its times are the service's own clock",
                f.manifest
            ));
        }
        return;
    };
    if status != "requested" {
        r.fail(
            f.token_file,
            "timestamp status in the manifest",
            "requested (a token is present)",
            status,
        );
    }
    let Some(signature) = f.signature else {
        r.fail(
            f.token_file,
            "the signature it covers",
            "present",
            "missing",
        );
        return;
    };
    match inspect(token, signature) {
        Ok(info) => r.ok(format!(
            "{}: RFC 3161 token over SHA-256 of the signature, {info}",
            f.token_file
        )),
        Err(e) => r.fail(
            f.token_file,
            "timestamp token",
            "a granted token over SHA-256 of the signature",
            e.to_string(),
        ),
    }
    match anchor {
        Some(a) => match a.verify(signature, token) {
            Ok(what) => r.ok(format!("{}: TSA signature and chain: {what}", f.token_file)),
            Err(why) => r.fail(
                f.token_file,
                "TSA signature and chain (--tsa-ca)",
                "verified",
                why,
            ),
        },
        None => r.note(format!(
            "{}: the TSA's signature was not checked (give --tsa-ca with the TSA's CA certificate)",
            f.token_file
        )),
    }
}
