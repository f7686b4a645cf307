//! RFC 3161 trusted timestamps of manifest signatures.
//!
//! After a manifest is signed, a timestamp authority (TSA) is asked to
//! countersign SHA-256 of the detached signature's bytes (`manifest.sig`):
//! [`TimestampRequest`] is the DER `TimeStampReq` (with a nonce and
//! `certReq`), [`check_response`] checks the TSA's `TimeStampResp` against it,
//! and [`inspect`] is the offline check of a stored reply (`manifest.tsr`)
//! against a signature. The reply is kept whole, as `openssl ts -reply` writes
//! it, so `openssl ts -verify -data manifest.sig -in manifest.tsr -CAfile ca.pem`
//! checks it with no conversion. The encoding is RustCrypto's (`x509-tsp`,
//! `cms`, `cmpv2`); this module only checks what it decodes. The TSA's own
//! signature over the token is not checked here (that needs the TSA's trust
//! anchor: `kt export-jobs verify --tsa-ca`).
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cmpv2::status::PkiStatus;
use cms::cert::x509::ext::pkix::name::GeneralName;
use cms::signed_data::EncapsulatedContentInfo;
use der::asn1::{Int, OctetString};
use der::oid::ObjectIdentifier;
use der::{Any, Decode, Encode, Sequence};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fmt;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

/// SHA-256 (2.16.840.1.101.3.4.2.1).
const SHA_256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-signedData (1.2.840.113549.1.7.2).
const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4).
const TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// The file name of a stored reply, beside `manifest.sig`.
pub const TOKEN_FILE: &str = "manifest.tsr";
/// What the imprint is computed over, as manifests state it.
pub const IMPRINT_OF: &str = "sha256(signature)";
/// Media type of a request (RFC 3161 §3.4).
pub const QUERY_MEDIA_TYPE: &str = "application/timestamp-query";
/// Media type of a reply (RFC 3161 §3.4).
pub const REPLY_MEDIA_TYPE: &str = "application/timestamp-reply";

/// Why no token was obtained, or why a reply does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// The TSA could not be reached or answered with an HTTP error.
    #[error("the timestamp authority did not answer: {0}")]
    Unreachable(String),
    /// The TSA answered, refusing (status other than granted).
    #[error("the timestamp authority refused: {0}")]
    Refused(String),
    /// The reply is not a token for this request.
    #[error("the timestamp reply does not hold: {0}")]
    Invalid(String),
}

/// The timestamping port: asks a TSA for a token over SHA-256(`signature`)
/// and returns the checked `TimeStampResp` DER. The HTTP client is
/// `kt_service::tsa::HttpTimestamper`.
#[async_trait]
pub trait Timestamper: Send + Sync {
    /// The TSA's URL as manifests name it (no credentials).
    fn url(&self) -> &str;
    async fn timestamp(&self, signature: &[u8]) -> Result<Vec<u8>, TimestampError>;
}

impl fmt::Debug for dyn Timestamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamper({})", self.url())
    }
}

/// Asks for a token from a synchronous context (the bundle is written on a
/// blocking thread), as [`super::sign_blocking`] does for signatures.
pub fn timestamp_blocking(
    t: &std::sync::Arc<dyn Timestamper>,
    signature: &[u8],
) -> Result<Vec<u8>, TimestampError> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle.block_on(t.timestamp(signature)),
        Err(_) => futures::executor::block_on(t.timestamp(signature)),
    }
}

/// The `timestamp` member of a manifest, written before any token exists: it
/// states what was asked for, not what was obtained.
pub fn claim(tsa_url: Option<&str>) -> Value {
    match tsa_url {
        None => json!({"status": "none"}),
        Some(url) => json!({"status": "requested", "tsa": url, "imprint": IMPRINT_OF}),
    }
}

/// A `TimeStampReq` for SHA-256 of a signature, with a fresh nonce.
#[derive(Debug, Clone)]
pub struct TimestampRequest {
    pub imprint: [u8; 32],
    pub nonce: [u8; 8],
    /// The DER to POST as `application/timestamp-query`.
    pub der: Vec<u8>,
}

impl TimestampRequest {
    pub fn new(signature: &[u8]) -> Self {
        let mut nonce: [u8; 8] = rand::random();
        // A positive INTEGER in minimal DER: no leading zero byte, high bit clear.
        nonce[0] = (nonce[0] & 0x7f) | 0x01;
        Self::with_nonce(signature, nonce)
    }

    pub fn with_nonce(signature: &[u8], nonce: [u8; 8]) -> Self {
        let imprint: [u8; 32] = Sha256::digest(signature).into();
        let req = TimeStampReq {
            version: TspVersion::V1,
            message_imprint: MessageImprint {
                hash_algorithm: sha256_algorithm(),
                hashed_message: OctetString::new(imprint.to_vec()).expect("32 bytes"),
            },
            req_policy: None,
            nonce: Some(Int::new(&nonce).expect("a minimal positive integer")),
            cert_req: true,
            extensions: None,
        };
        Self {
            imprint,
            nonce,
            der: req.to_der().expect("a TimeStampReq encodes"),
        }
    }
}

fn sha256_algorithm() -> cms::cert::x509::spki::AlgorithmIdentifier<Any> {
    cms::cert::x509::spki::AlgorithmIdentifier {
        oid: SHA_256,
        parameters: Some(Any::null()),
    }
}

/// A token's `SignedData` (RFC 5652 §5.1), read leniently: only the
/// encapsulated TSTInfo and the number of certificates are used, and the
/// sets are not held to DER's ordering and uniqueness (OpenSSL's
/// `ts -reply` puts the signer's certificate twice when it is also listed in
/// `certs`; `openssl ts -verify` accepts that, so must we).
#[derive(Sequence)]
struct TokenSignedData {
    version: Any,
    digest_algorithms: Any,
    encap_content_info: EncapsulatedContentInfo,
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    certificates: Option<Vec<Any>>,
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    crls: Option<Vec<Any>>,
    signer_infos: Any,
}

/// What a token says, once its imprint matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub gen_time: DateTime<Utc>,
    /// The TSA's name in the token, when it gives one.
    pub tsa_name: Option<String>,
    pub policy: String,
    /// Hex of the serial number.
    pub serial: String,
    pub nonce: Option<Vec<u8>>,
    /// Certificates the token carries (the TSA's, when `certReq` was set).
    pub certificates: usize,
}

impl fmt::Display for TokenInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "time {} (serial {}, policy {}",
            self.gen_time
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            self.serial,
            self.policy
        )?;
        if let Some(name) = &self.tsa_name {
            write!(f, ", TSA {name}")?;
        }
        write!(f, ")")
    }
}

/// Checks a TSA's reply to `req`: granted, a SignedData token over a TSTInfo
/// whose imprint is SHA-256 of the signature and whose nonce is the request's,
/// carrying the TSA's certificate (`certReq` was set).
pub fn check_response(req: &TimestampRequest, reply: &[u8]) -> Result<TokenInfo, TimestampError> {
    let info = decode(reply, &req.imprint)?;
    if info.nonce.as_deref() != Some(&req.nonce[..]) {
        return Err(TimestampError::Invalid(format!(
            "nonce {} instead of {}",
            info.nonce.as_deref().map_or("(none)".into(), hex::encode),
            hex::encode(req.nonce)
        )));
    }
    if info.certificates == 0 {
        return Err(TimestampError::Invalid(
            "no certificate although one was requested".into(),
        ));
    }
    Ok(info)
}

/// Checks a stored reply against the signature it should cover: granted,
/// well-formed, imprint = SHA-256(`signature`). Not the TSA's signature.
pub fn inspect(reply: &[u8], signature: &[u8]) -> Result<TokenInfo, TimestampError> {
    decode(reply, &Sha256::digest(signature).into())
}

fn decode(reply: &[u8], imprint: &[u8; 32]) -> Result<TokenInfo, TimestampError> {
    let invalid = |what: &str, e: der::Error| TimestampError::Invalid(format!("{what}: {e}"));
    let resp = TimeStampResp::from_der(reply).map_err(|e| invalid("not a TimeStampResp", e))?;
    match resp.status.status {
        PkiStatus::Accepted | PkiStatus::GrantedWithMods => {}
        other => {
            let text = resp
                .status
                .status_string
                .as_ref()
                .map(|t| {
                    t.iter()
                        .map(|s| s.as_str().to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            return Err(TimestampError::Refused(format!("status {other:?} {text}")));
        }
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| TimestampError::Invalid("granted without a token".into()))?;
    if token.content_type != SIGNED_DATA {
        return Err(TimestampError::Invalid(format!(
            "token content type {} is not SignedData",
            token.content_type
        )));
    }
    let signed: TokenSignedData = token
        .content
        .decode_as()
        .map_err(|e| invalid("token SignedData", e))?;
    let encap = &signed.encap_content_info;
    if encap.econtent_type != TST_INFO {
        return Err(TimestampError::Invalid(format!(
            "token content {} is not a TSTInfo",
            encap.econtent_type
        )));
    }
    let content = encap
        .econtent
        .as_ref()
        .ok_or_else(|| TimestampError::Invalid("token without TSTInfo".into()))?;
    let octets: OctetString = content
        .decode_as()
        .map_err(|e| invalid("TSTInfo octets", e))?;
    let tst = TstInfo::from_der(octets.as_bytes()).map_err(|e| invalid("TSTInfo", e))?;
    let mi = &tst.message_imprint;
    if mi.hash_algorithm.oid != SHA_256 {
        return Err(TimestampError::Invalid(format!(
            "imprint algorithm {} is not SHA-256",
            mi.hash_algorithm.oid
        )));
    }
    if mi.hashed_message.as_bytes() != imprint {
        return Err(TimestampError::Invalid(format!(
            "imprint {} is not SHA-256 of the signature ({})",
            hex::encode(mi.hashed_message.as_bytes()),
            hex::encode(imprint)
        )));
    }
    let gen_time = DateTime::<Utc>::from(tst.gen_time.to_system_time());
    let tsa_name = match &tst.tsa {
        Some(GeneralName::DirectoryName(name)) => Some(name.to_string()),
        Some(other) => Some(format!("{other:?}")),
        None => None,
    };
    Ok(TokenInfo {
        gen_time,
        tsa_name,
        policy: tst.policy.to_string(),
        serial: hex::encode(tst.serial_number.as_bytes()),
        nonce: tst.nonce.as_ref().map(|n| n.as_bytes().to_vec()),
        certificates: signed.certificates.as_ref().map_or(0, Vec::len),
    })
}

#[cfg(test)]
mod tests;
