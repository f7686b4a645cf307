//! Offline checks of signed manifests: the signature and key id, the
//! artifact's size and hash, the bundle's claims, and a folder's chains.
//! Every failed check is a [`Mismatch`] naming the file it concerns.
use super::verify::timestamp::{TimestampFiles, TokenAnchor, check_timestamp};
use super::verify::{VerifyError, VerifyReport, verify_bundle_with, verify_file};
use crate::custody::canonical::is_canonical;
use crate::custody::keys::{PublishedKey, key_id_of_pem, verify_signature};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[cfg(test)]
use super::verify::Mismatch;

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// Checks that `bytes` are a canonical manifest signed by the key it names,
/// and that this key is one of `keys` (its PEM hashes to the named id).
/// Returns the parsed manifest when it is JSON at all.
pub fn check_signed(
    file: &str,
    bytes: &[u8],
    signature: Option<&[u8]>,
    keys: &[PublishedKey],
    r: &mut VerifyReport,
) -> Option<Value> {
    let manifest: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            r.fail(file, "valid JSON", "a JSON manifest", e.to_string());
            return None;
        }
    };
    if is_canonical(bytes) {
        r.ok(format!("{file}: canonical JSON"));
    } else {
        r.fail(
            file,
            "canonical JSON",
            "sorted keys, no whitespace",
            "other bytes",
        );
    }
    let key_id = text(&manifest["signature"]["key_id"]);
    let Some(signature) = signature else {
        r.fail(file, "signature", "a detached signature", "missing");
        return Some(manifest);
    };
    let Some(key) = keys.iter().find(|k| k.key_id == key_id) else {
        let known: Vec<&str> = keys.iter().map(|k| k.key_id.as_str()).collect();
        r.fail(
            file,
            "signing key id",
            format!("one of the trusted keys ({})", known.join(", ")),
            key_id,
        );
        return Some(manifest);
    };
    match key_id_of_pem(&key.public_key_pem) {
        Ok(id) => r.check(file, "key id = SHA-256 of the public key", &key_id, id),
        Err(e) => r.fail(file, "public key", "a P-256 PEM", e),
    }
    match verify_signature(&key.public_key_pem, bytes, signature) {
        Ok(()) => r.ok(format!("{file}: ECDSA P-256 signature by key {key_id}")),
        Err(e) => r.fail(file, "signature", format!("valid for key {key_id}"), e),
    }
    Some(manifest)
}

/// The detached signature beside `manifest`: `<file>.sig`, or `<stem>.sig`.
pub fn signature_path(manifest: &Path) -> Option<PathBuf> {
    beside(manifest, "sig")
}

/// The timestamp reply beside `manifest`: `<file>.tsr`, or `<stem>.tsr`.
pub fn timestamp_path(manifest: &Path) -> Option<PathBuf> {
    beside(manifest, "tsr")
}

fn beside(manifest: &Path, ext: &str) -> Option<PathBuf> {
    let mut beside = manifest.as_os_str().to_owned();
    beside.push(format!(".{ext}"));
    let beside = PathBuf::from(beside);
    if beside.exists() {
        return Some(beside);
    }
    let stem = manifest.with_extension(ext);
    stem.exists().then_some(stem)
}

/// Checks a job manifest (and its signature) and, when given, the artifact it
/// describes: size, SHA-256, and for a bundle its contents and their claims.
pub fn verify_job_manifest(
    manifest_path: &Path,
    keys: &[PublishedKey],
    artifact: Option<&Path>,
) -> Result<VerifyReport, VerifyError> {
    verify_job_manifest_with(manifest_path, keys, artifact, None)
}

/// The same, and the trusted timestamp beside the signature (`<manifest>.tsr`)
/// against the manifest's claim; with `anchor`, the TSA's signature too.
pub fn verify_job_manifest_with(
    manifest_path: &Path,
    keys: &[PublishedKey],
    artifact: Option<&Path>,
    anchor: Option<&dyn TokenAnchor>,
) -> Result<VerifyReport, VerifyError> {
    let read = |p: &Path| {
        std::fs::read(p).map_err(|source| VerifyError::Io {
            path: p.to_path_buf(),
            source,
        })
    };
    let bytes = read(manifest_path)?;
    let sig = signature_path(manifest_path)
        .map(|p| read(&p))
        .transpose()?;
    let name = file_name(manifest_path);
    let mut r = VerifyReport::default();
    let Some(manifest) = check_signed(&name, &bytes, sig.as_deref(), keys, &mut r) else {
        return Ok(r);
    };
    let token_path = timestamp_path(manifest_path);
    let token = token_path.as_deref().map(read).transpose()?;
    let token_file = token_path.as_deref().map_or_else(
        || format!("{}.tsr", name.trim_end_matches(".json")),
        file_name,
    );
    check_timestamp(
        &TimestampFiles {
            manifest: &name,
            signature: sig.as_deref(),
            token_file: &token_file,
            token: token.as_deref(),
        },
        &manifest["timestamp"],
        anchor,
        &mut r,
    );
    let Some(artifact) = artifact else {
        return Ok(r);
    };
    let art = &manifest["artifact"];
    r.extend(verify_file(
        artifact,
        art["size_bytes"].as_u64(),
        art["sha256"].as_str(),
    )?);
    if manifest["job"]["format"] == "compliance-all" {
        r.extend(verify_bundle_with(artifact, keys, anchor)?);
        check_bundle_claims(artifact, &manifest, &mut r)?;
    }
    Ok(r)
}

/// The bundle's own manifest must describe the same job, tenant and window.
fn check_bundle_claims(
    artifact: &Path,
    manifest: &Value,
    r: &mut VerifyReport,
) -> Result<(), VerifyError> {
    let f = std::fs::File::open(artifact).map_err(|source| VerifyError::Io {
        path: artifact.to_path_buf(),
        source,
    })?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(f));
    let not_bundle = |e: std::io::Error| VerifyError::NotABundle {
        path: artifact.to_path_buf(),
        reason: e.to_string(),
    };
    for entry in archive.entries().map_err(not_bundle)? {
        let mut entry = entry.map_err(not_bundle)?;
        if entry.path().map_err(not_bundle)?.to_string_lossy() != "manifest.json" {
            continue;
        }
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).map_err(not_bundle)?;
        let inner: Value = serde_json::from_slice(&data).unwrap_or(Value::Null);
        let (job, win, inner) = (&manifest["job"], &manifest["window"], &inner["job"]);
        let file = "manifest.json (bundle)";
        r.check(
            file,
            "job id (signed manifest)",
            text(&job["id"]),
            text(&inner["id"]),
        );
        r.check(
            file,
            "tenant_id (signed manifest)",
            text(&job["tenant_id"]),
            text(&inner["tenant_id"]),
        );
        r.check(
            file,
            "timezone (signed manifest)",
            text(&win["timezone"]),
            text(&inner["timezone"]),
        );
        for (outer, inner_key) in [("start", "window_start"), ("end", "window_end")] {
            let (a, b) = (instant(&win[outer]), instant(&inner[inner_key]));
            r.check(file, &format!("window {outer} (signed manifest)"), a, b);
        }
        r.check(
            file,
            "event_count (signed manifest)",
            text(&manifest["artifact"]["event_count"]),
            text(&inner["event_count"]),
        );
        return Ok(());
    }
    r.fail("manifest.json (bundle)", "present", "present", "missing");
    Ok(())
}

/// An RFC 3339 instant, normalised (`Z` and `+00:00` compare equal).
fn instant(v: &Value) -> String {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map_or_else(|| text(v), |t| t.to_utc().to_rfc3339())
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// One manifest found in a chain folder.
struct Entry {
    file: String,
    sequence: u64,
    previous: Option<String>,
    sha256: String,
}

/// Walks every `*.json` manifest in `dir` (signatures beside them), groups
/// them by chain (tenant, and tenant + schedule), and reports per chain the
/// first break: a missing sequence number, two manifests with one number,
/// or a manifest whose `previous_manifest_sha256` is not its predecessor's.
/// With `keys`, every manifest's signature is checked too.
pub fn verify_chain(
    dir: &Path,
    keys: Option<&[PublishedKey]>,
) -> Result<VerifyReport, VerifyError> {
    let io = |source| VerifyError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut r = VerifyReport::default();
    let mut chains: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for path in &paths {
        let bytes = std::fs::read(path).map_err(|source| VerifyError::Io {
            path: path.clone(),
            source,
        })?;
        let file = file_name(path);
        let manifest = match keys {
            Some(keys) => {
                let sig = signature_path(path)
                    .map(|p| std::fs::read(&p))
                    .transpose()
                    .map_err(io)?;
                check_signed(&file, &bytes, sig.as_deref(), keys, &mut r)
            }
            None => serde_json::from_slice::<Value>(&bytes).ok(),
        };
        let Some(m) = manifest.filter(|m| m["kind"] == crate::custody::manifest::MANIFEST_KIND)
        else {
            r.fail(
                &file,
                "a job manifest",
                crate::custody::manifest::MANIFEST_KIND,
                "something else",
            );
            continue;
        };
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let tenant = text(&m["job"]["tenant_id"]);
        let mut add = |chain: String, link: &Value| match link["sequence"].as_u64() {
            Some(sequence) => chains.entry(chain).or_default().push(Entry {
                file: file.clone(),
                sequence,
                previous: link["previous_manifest_sha256"].as_str().map(String::from),
                sha256: sha256.clone(),
            }),
            None => r.fail(
                &file,
                &format!("{chain}: sequence"),
                "a number",
                text(&link["sequence"]),
            ),
        };
        add(format!("tenant {tenant}"), &m["chain"]["tenant"]);
        if m["chain"]["schedule"].is_object() {
            let name = text(&m["chain"]["schedule"]["name"]);
            add(format!("tenant {tenant}, {name}"), &m["chain"]["schedule"]);
        }
    }
    if chains.is_empty() {
        r.fail(
            &dir.display().to_string(),
            "manifests",
            "at least one *.json manifest",
            "none",
        );
    }
    for (chain, mut entries) in chains {
        entries.sort_by(|a, b| a.sequence.cmp(&b.sequence).then(a.file.cmp(&b.file)));
        match first_break(&entries) {
            Some((file, check, expected, actual)) => {
                r.fail(&file, &format!("chain {chain}: {check}"), expected, actual)
            }
            None => r.ok(format!(
                "chain {chain}: {} manifest(s), sequence {}..{} unbroken{}",
                entries.len(),
                entries[0].sequence,
                entries[entries.len() - 1].sequence,
                if entries[0].sequence == 1 {
                    String::new()
                } else {
                    format!(" (1..{} are not in the folder)", entries[0].sequence - 1)
                }
            )),
        }
    }
    Ok(r)
}

type Break = (String, String, String, String);

fn first_break(entries: &[Entry]) -> Option<Break> {
    let first = &entries[0];
    if first.sequence == 1 && first.previous.is_some() {
        return Some((
            first.file.clone(),
            "first manifest".into(),
            "no previous manifest".into(),
            first.previous.clone().unwrap_or_default(),
        ));
    }
    for pair in entries.windows(2) {
        let (prev, next) = (&pair[0], &pair[1]);
        if next.sequence == prev.sequence {
            return Some((
                next.file.clone(),
                format!("sequence {}", next.sequence),
                format!("one manifest (also in {})", prev.file),
                "two manifests (one was replaced)".into(),
            ));
        }
        if next.sequence != prev.sequence + 1 {
            return Some((
                next.file.clone(),
                format!("sequence after {} ({})", prev.sequence, prev.file),
                (prev.sequence + 1).to_string(),
                format!("{} (manifests missing)", next.sequence),
            ));
        }
        if next.previous.as_deref() != Some(prev.sha256.as_str()) {
            return Some((
                next.file.clone(),
                format!("previous_manifest_sha256 (sequence {})", prev.sequence),
                format!("{} (sha256 of {})", prev.sha256, prev.file),
                next.previous.clone().unwrap_or_else(|| "null".into()),
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests;
