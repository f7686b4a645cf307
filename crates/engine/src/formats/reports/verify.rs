//! Offline verification of an artifact: a compliance-all bundle, or any file
//! against an expected size and SHA-256. Every check that fails is listed with
//! the file it concerns, so a reader knows exactly what does not match.
mod artifacts;
pub mod timestamp;
use super::bundle::{BUNDLE_PUBLIC_KEY, BUNDLE_SIGNATURE, MANIFEST, SUMS, sha256_hex};
use crate::custody::keys::{PublishedKey, trusted_pem, verify_signature};
use crate::custody::timestamp::TOKEN_FILE;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use timestamp::{TimestampFiles, TokenAnchor, check_timestamp};

/// Bundle entries larger than this are not read (reports are kilobytes).
const MAX_ENTRY_BYTES: u64 = 256 << 20;
/// Reports a bundle must hold.
pub const REPORT_FILES: [&str; 3] = [
    "compliance-aesia.json",
    "compliance-aepd.json",
    "compliance-ens.json",
];

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read {path}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path} is not a readable tar.gz bundle: {reason}")]
    NotABundle { path: PathBuf, reason: String },
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The file the check concerns (inside the bundle, or the artifact itself).
    pub file: String,
    pub check: String,
    pub expected: String,
    pub actual: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// Checks that passed, in words.
    pub checked: Vec<String>,
    pub mismatches: Vec<Mismatch>,
    /// What was not checked or is absent without being a failure (a
    /// timestamp requested but never granted, a TSA signature not checked).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// The files at least one check failed for.
    pub fn mismatched_files(&self) -> BTreeSet<String> {
        self.mismatches.iter().map(|m| m.file.clone()).collect()
    }

    pub(crate) fn ok(&mut self, what: impl Into<String>) {
        self.checked.push(what.into());
    }

    pub(crate) fn note(&mut self, what: impl Into<String>) {
        self.notes.push(what.into());
    }

    /// Adds another report's checks, failures and notes to this one.
    pub fn extend(&mut self, other: VerifyReport) {
        self.checked.extend(other.checked);
        self.mismatches.extend(other.mismatches);
        self.notes.extend(other.notes);
    }

    pub(crate) fn check(
        &mut self,
        file: &str,
        check: &str,
        expected: impl fmt::Display,
        actual: impl fmt::Display,
    ) {
        let (e, a) = (expected.to_string(), actual.to_string());
        if e == a {
            self.ok(format!("{file}: {check}"));
        } else {
            self.fail(file, check, e, a);
        }
    }

    pub(crate) fn fail(
        &mut self,
        file: &str,
        check: &str,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) {
        self.mismatches.push(Mismatch {
            file: file.to_string(),
            check: check.to_string(),
            expected: expected.into(),
            actual: actual.into(),
        });
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checked {
            writeln!(f, "ok        {c}")?;
        }
        for n in &self.notes {
            writeln!(f, "note      {n}")?;
        }
        for m in &self.mismatches {
            writeln!(
                f,
                "MISMATCH  {}: {}: expected {}, found {}",
                m.file, m.check, m.expected, m.actual
            )?;
        }
        if self.is_ok() {
            writeln!(f, "verified: {} checks passed", self.checked.len())
        } else {
            writeln!(
                f,
                "NOT VERIFIED: {} check(s) failed for {}",
                self.mismatches.len(),
                self.mismatched_files()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> VerifyError + '_ {
    move |source| VerifyError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Streams `path` and compares its size and SHA-256 (hex, optionally `sha256:`-prefixed).
pub fn verify_file(
    path: &Path,
    expected_size: Option<u64>,
    expected_sha256: Option<&str>,
) -> Result<VerifyReport, VerifyError> {
    let mut f = File::open(path).map_err(io_err(path))?;
    let mut h = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    let actual = hex::encode(h.finalize());
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut r = VerifyReport::default();
    if let Some(s) = expected_size {
        r.check(&name, "size_bytes", s, size);
    }
    if let Some(s) = expected_sha256 {
        let s = s.trim().trim_start_matches("sha256:").to_ascii_lowercase();
        r.check(&name, "sha256", s, &actual);
    }
    if expected_size.is_none() && expected_sha256.is_none() {
        r.ok(format!(
            "{name}: size {size}, sha256 {actual} (nothing to compare with)"
        ));
    }
    Ok(r)
}

/// Reads every entry of a tar.gz into memory (bounded per entry).
fn read_entries(
    path: &Path,
    r: &mut VerifyReport,
) -> Result<BTreeMap<String, Vec<u8>>, VerifyError> {
    let not_bundle = |e: io::Error| VerifyError::NotABundle {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let f = File::open(path).map_err(io_err(path))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let mut files = BTreeMap::new();
    for entry in archive.entries().map_err(not_bundle)? {
        let mut entry = entry.map_err(not_bundle)?;
        let name = entry
            .path()
            .map_err(not_bundle)?
            .to_string_lossy()
            .into_owned();
        if entry.header().entry_type() != tar::EntryType::Regular {
            r.fail(
                &name,
                "entry type",
                "regular file",
                format!("{:?}", entry.header().entry_type()),
            );
            continue;
        }
        if entry.size() > MAX_ENTRY_BYTES {
            r.fail(
                &name,
                "entry size",
                format!("at most {MAX_ENTRY_BYTES} bytes"),
                entry.size().to_string(),
            );
            continue;
        }
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data).map_err(not_bundle)?;
        if files.insert(name.clone(), data).is_some() {
            r.fail(&name, "unique entry name", "one entry", "several entries");
        }
    }
    Ok(files)
}

fn check_sums(files: &BTreeMap<String, Vec<u8>>, r: &mut VerifyReport) {
    let Some(sums) = files.get(SUMS) else {
        r.fail(SUMS, "present", "present", "missing");
        return;
    };
    let text = String::from_utf8_lossy(sums);
    let mut covered = BTreeSet::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let parsed = line
            .split_once("  ")
            .or_else(|| line.split_once(" *"))
            .filter(|(h, _)| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some((hash, file)) = parsed else {
            r.fail(
                SUMS,
                &format!("line {} format", i + 1),
                "<64 hex>  <path>",
                line,
            );
            continue;
        };
        covered.insert(file.to_string());
        match files.get(file) {
            Some(data) => r.check(
                file,
                "sha256 (SHA256SUMS)",
                hash.to_ascii_lowercase(),
                sha256_hex(data),
            ),
            None => r.fail(
                file,
                "listed in SHA256SUMS",
                "present in the bundle",
                "missing",
            ),
        }
    }
    for name in files
        .keys()
        .filter(|n| n.as_str() != SUMS && !covered.contains(*n))
    {
        r.fail(name, "covered by SHA256SUMS", "listed", "not listed");
    }
    for required in std::iter::once(MANIFEST).chain(REPORT_FILES) {
        if !covered.contains(required) {
            r.fail(required, "listed in SHA256SUMS", "listed", "not listed");
        }
    }
}

pub(crate) fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Checks a compliance-all bundle offline: SHA256SUMS, the manifest's sizes,
/// hashes and payload_oxum, each report against its artifact entry and the job,
/// each HTML rendering against the report it renders, and that every file
/// but the tag files is listed in the (signed) manifest.
pub fn verify_bundle(path: &Path) -> Result<VerifyReport, VerifyError> {
    verify_bundle_with_keys(path, &[])
}

/// The same, checking the bundle's signature (when it carries one) against
/// `trusted` keys (`/v1/keys`, `--key`); with none, against the key it carries.
pub fn verify_bundle_with_keys(
    path: &Path,
    trusted: &[PublishedKey],
) -> Result<VerifyReport, VerifyError> {
    verify_bundle_with(path, trusted, None)
}

/// The same, and the TSA's signature over a signed bundle's `manifest.tsr`
/// with `anchor` (the CLI's `--tsa-ca`); without one, its imprint only.
pub fn verify_bundle_with(
    path: &Path,
    trusted: &[PublishedKey],
    anchor: Option<&dyn TokenAnchor>,
) -> Result<VerifyReport, VerifyError> {
    verify_bundle_trusting(path, trusted, !trusted.is_empty(), anchor)
}

/// The same against the service's published keys (`/v1/keys`, fetched
/// because no key was given): a signed bundle must be signed by one of
/// them; an unsigned one (an offline `kt export run`) is said to be
/// unsigned, not failed, since nobody asked for a signature.
pub fn verify_bundle_published(
    path: &Path,
    published: &[PublishedKey],
    anchor: Option<&dyn TokenAnchor>,
) -> Result<VerifyReport, VerifyError> {
    verify_bundle_trusting(path, published, false, anchor)
}

fn verify_bundle_trusting(
    path: &Path,
    trusted: &[PublishedKey],
    signature_required: bool,
    anchor: Option<&dyn TokenAnchor>,
) -> Result<VerifyReport, VerifyError> {
    let mut r = VerifyReport::default();
    let files = read_entries(path, &mut r)?;
    check_sums(&files, &mut r);
    check_bundle_signature(&files, trusted, signature_required, &mut r);
    let Some(mbytes) = files.get(MANIFEST) else {
        r.fail(MANIFEST, "present", "present", "missing");
        return Ok(r);
    };
    let manifest: Value = match serde_json::from_slice(mbytes) {
        Ok(v) => v,
        Err(e) => {
            r.fail(MANIFEST, "valid JSON", "a JSON manifest", e.to_string());
            return Ok(r);
        }
    };
    // A signed bundle states whether its signature was timestamped.
    if manifest["signature"].is_object() {
        check_timestamp(
            &TimestampFiles {
                manifest: MANIFEST,
                signature: files.get(BUNDLE_SIGNATURE).map(Vec::as_slice),
                token_file: TOKEN_FILE,
                token: files.get(TOKEN_FILE).map(Vec::as_slice),
            },
            &manifest["timestamp"],
            anchor,
            &mut r,
        );
    }
    artifacts::check_artifacts(&files, &manifest, &mut r);
    Ok(r)
}

/// What a bundle with no signature proves, said with its checks.
pub const UNSIGNED: &str = "unsigned: the bundle carries no manifest.sig, so its hashes show only \
     that its files agree with each other, not who made them";

/// What a signature checked with the key the bundle carries proves.
pub const ORIGIN_NOT_CHECKED: &str = "origin not checked: the signature was checked with the key \
     the bundle carries (signing-key.pem), which shows the files are as signed, not that the \
     service signed them; check the key against the service's published keys (--key, or the \
     API's /v1/keys)";

/// Checks the signature a bundle carries over its `manifest.json`. The key in
/// the bundle proves integrity only; `trusted` (from `/v1/keys` or `--key`)
/// makes it prove who signed. With no trusted keys the bundle's own key is used.
pub fn check_bundle_signature(
    files: &BTreeMap<String, Vec<u8>>,
    trusted: &[PublishedKey],
    signature_required: bool,
    r: &mut VerifyReport,
) {
    let (Some(manifest), Some(sig)) = (files.get("manifest.json"), files.get(BUNDLE_SIGNATURE))
    else {
        if signature_required {
            r.fail(BUNDLE_SIGNATURE, "present", "a signed bundle", "missing");
        } else if files.contains_key(BUNDLE_PUBLIC_KEY) {
            r.fail(
                BUNDLE_SIGNATURE,
                "present beside signing-key.pem",
                "present",
                "missing",
            );
        } else {
            r.note(UNSIGNED);
        }
        return;
    };
    let carried = files
        .get(BUNDLE_PUBLIC_KEY)
        .and_then(|pem| trusted_pem(&String::from_utf8_lossy(pem)).ok());
    let keys: Vec<PublishedKey> = if trusted.is_empty() {
        r.note(ORIGIN_NOT_CHECKED);
        carried.clone().into_iter().collect()
    } else {
        if let Some(c) = &carried {
            if trusted.iter().any(|t| t.key_id == c.key_id) {
                r.ok(format!("{BUNDLE_PUBLIC_KEY}: one of the trusted keys"));
            } else {
                r.fail(
                    BUNDLE_PUBLIC_KEY,
                    "trusted key",
                    "one of the trusted keys",
                    &c.key_id,
                );
            }
        }
        trusted.to_vec()
    };
    let file = "manifest.json";
    let value: Value = serde_json::from_slice(manifest).unwrap_or(Value::Null);
    let key_id = s(&value["signature"]["key_id"]);
    let Some(key) = keys.iter().find(|k| k.key_id == key_id) else {
        r.fail(file, "signing key id", "a known key", key_id);
        return;
    };
    match verify_signature(&key.public_key_pem, manifest, sig) {
        Ok(()) => r.ok(format!("{file}: ECDSA P-256 signature by key {key_id}")),
        Err(e) => r.fail(file, "signature", format!("valid for key {key_id}"), e),
    }
}
