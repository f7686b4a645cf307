//! compliance-all: a deterministic tar.gz of the three reports, a manifest and SHA256SUMS.
//!
//! Entries (in this order): `manifest.json`, (when signed: `manifest.sig`,
//! `signing-key.pem`, and when a timestamp authority granted a token over
//! the signature: `manifest.tsr`,) `compliance-aesia.json`, `compliance-aepd.json`,
//! `compliance-ens.json`, each report's printable HTML in Spanish and English
//! (`compliance-aesia.es.html`, ...; they show the reports' hashes), `SHA256SUMS`.
//! The signed manifest lists every report and every rendering (`artifacts`);
//! only the tag files (itself, its signature, key and timestamp token, and
//! `SHA256SUMS`) are outside it. Every entry is
//! a ustar regular file with mode 0644, uid/gid 0, owner names `root`/`root`
//! and mtime = the window end (Unix seconds), so the archive depends only on
//! its contents. The gzip header has mtime 0, no file name and OS byte 255
//! ("unknown"); compression level 6. The same reports and `generated_at`
//! therefore give the same bytes.
use super::aggregate::Aggregate;
use super::html::Lang;
use super::num::iso;
use super::{Framework, MAPPING_VERSION, SCHEMA_VERSION, to_bytes};
use crate::custody::sign_blocking;
use crate::custody::timestamp::{self, TOKEN_FILE, timestamp_blocking};
use crate::formats::{ExportContext, ExportSummary};
use flate2::{Compression, GzBuilder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::{self, Write};

pub const MANIFEST: &str = "manifest.json";
pub const SUMS: &str = "SHA256SUMS";
/// Entries of a signed bundle: the signature over `manifest.json` and its key.
pub const BUNDLE_SIGNATURE: &str = "manifest.sig";
pub const BUNDLE_PUBLIC_KEY: &str = "signing-key.pem";
pub const MANIFEST_VERSION: &str = "1.0";
/// `media_type` of a report's printable rendering in `artifacts`.
pub const HTML_MEDIA_TYPE: &str = "text/html";

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The report file name inside the bundle, e.g. `compliance-ens.json`.
pub fn report_path(fw: Framework) -> String {
    format!("{}.json", fw.format().as_str())
}

/// The file name of a report's HTML rendering, e.g. `compliance-ens.en.html`.
pub fn rendering_path(fw: Framework, lang: Lang) -> String {
    format!("{}.{}.html", fw.format().as_str(), lang.code())
}

/// One printable rendering of a report, as it sits in the bundle.
pub struct Rendering {
    pub framework: Framework,
    pub lang: Lang,
    pub bytes: Vec<u8>,
}

impl Rendering {
    pub fn path(&self) -> String {
        rendering_path(self.framework, self.lang)
    }
}

/// The manifest of a bundle holding `reports` (already rendered to bytes) and
/// their HTML `renderings`: every file an auditor reads is an artifact, so the
/// signature over the manifest covers each of them by size and SHA-256.
pub fn manifest(
    ctx: &ExportContext,
    agg: &Aggregate,
    summary: &ExportSummary,
    reports: &[(Framework, &Value, &[u8])],
    renderings: &[Rendering],
) -> Value {
    let mut artifacts: Vec<Value> = reports
        .iter()
        .map(|(fw, v, bytes)| {
            json!({
                "path": report_path(*fw),
                "media_type": "application/json",
                "size_bytes": bytes.len(),
                "sha256": sha256_hex(bytes),
                "format": fw.format().as_str(),
                "schema_version": SCHEMA_VERSION,
                "mapping_version": MAPPING_VERSION,
                "report_id": v["report"]["report_id"],
            })
        })
        .collect();
    artifacts.extend(renderings.iter().map(|h| {
        json!({
            "path": h.path(),
            "media_type": HTML_MEDIA_TYPE,
            "size_bytes": h.bytes.len(),
            "sha256": sha256_hex(&h.bytes),
            "renders": report_path(h.framework),
            "lang": h.lang.code(),
        })
    }));
    let total: usize = reports.iter().map(|(_, _, b)| b.len()).sum::<usize>()
        + renderings.iter().map(|h| h.bytes.len()).sum::<usize>();
    json!({
        "manifest_version": MANIFEST_VERSION,
        "bundle": {
            "format": "compliance-all",
            "created_at": iso(ctx.generated_at),
            "generator": {"name": "kt-exports", "version": kt_domain::VERSION},
        },
        "job": {
            "id": ctx.job_id.as_ref().map(|j| j.as_str()),
            "tenant_id": ctx.tenant_id.as_str(),
            "requested_by": agg.pseudo.pseudonym(&ctx.requested_by),
            "window_start": iso(ctx.window.start),
            "window_end": iso(ctx.window.end),
            "timezone": ctx.window.timezone.name(),
            "event_count": agg.count,
            "events_digest": agg.events_digest(),
            "rejected_lines": summary.stats.rejected_lines,
            "duplicates_removed": summary.stats.duplicates_removed,
        },
        "sources": {
            "objects": ctx.sources.objects,
            "bytes": ctx.sources.bytes,
            "listing_digest": ctx.sources.listing_digest,
        },
        "artifacts": &artifacts,
        "payload_oxum": format!("{total}.{}", artifacts.len()),
    })
}

/// Appends one regular file with the fixed metadata.
fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    data: &[u8],
    mtime: u64,
) -> io::Result<()> {
    let mut h = tar::Header::new_ustar();
    h.set_path(path)?;
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_username("root")?;
    h.set_groupname("root")?;
    h.set_mtime(mtime);
    h.set_entry_type(tar::EntryType::Regular);
    h.set_cksum();
    tar.append(&h, data)
}

/// Writes the whole bundle to `out`.
pub fn write_bundle(
    ctx: &ExportContext,
    agg: &Aggregate,
    summary: &ExportSummary,
    reports: &[(Framework, Value)],
    out: &mut Vec<u8>,
) -> io::Result<()> {
    let rendered: Vec<(Framework, &Value, Vec<u8>)> = reports
        .iter()
        .map(|(fw, v)| (*fw, v, to_bytes(v)))
        .collect();
    let refs: Vec<(Framework, &Value, &[u8])> = rendered
        .iter()
        .map(|(fw, v, b)| (*fw, *v, b.as_slice()))
        .collect();
    // The renderings show the reports' hashes; the manifest then lists them.
    let hashes: Vec<(String, String)> = refs
        .iter()
        .map(|(fw, _, b)| (report_path(*fw), sha256_hex(b)))
        .collect();
    let html: Vec<Rendering> = refs
        .iter()
        .flat_map(|(fw, v, _)| {
            Lang::ALL.map(|lang| Rendering {
                framework: *fw,
                lang,
                bytes: super::html::render(v, lang, &hashes).into_bytes(),
            })
        })
        .collect();
    let mut manifest_value = manifest(ctx, agg, summary, &refs, &html);
    if let Some(signer) = &ctx.signer {
        manifest_value["signature"] = json!({
            "algorithm": crate::custody::ALGORITHM,
            "key_id": signer.key_id(),
            "file": BUNDLE_SIGNATURE,
            "public_key": BUNDLE_PUBLIC_KEY,
        });
        // What was asked of a timestamp authority (before any token exists).
        let tsa = ctx.timestamper.as_ref().map(|t| t.url().to_string());
        manifest_value["timestamp"] = timestamp::claim(tsa.as_deref());
        if tsa.is_some() {
            manifest_value["timestamp"]["file"] = json!(TOKEN_FILE);
        }
    }
    let manifest = to_bytes(&manifest_value);
    // Signed: the detached signature over manifest.json's exact bytes and the
    // public key ride along (`openssl dgst -sha256 -verify signing-key.pem
    // -signature manifest.sig manifest.json`).
    let signature = match &ctx.signer {
        Some(signer) => Some((
            sign_blocking(signer, &manifest).map_err(io::Error::other)?,
            signer.public_key_pem().as_bytes().to_vec(),
        )),
        None => None,
    };
    // The TSA's reply over SHA-256(manifest.sig), when it answers: a bundle
    // without one still completes (its manifest says `requested`).
    let token = match (&signature, &ctx.timestamper) {
        (Some((sig, _)), Some(t)) => match timestamp_blocking(t, sig) {
            Ok(reply) => Some(reply),
            Err(e) => {
                tracing::warn!(tsa = t.url(), error = %e, "the bundle's signature has no trusted timestamp");
                None
            }
        },
        _ => None,
    };

    let mut files: Vec<(String, &[u8])> = vec![(MANIFEST.to_string(), manifest.as_slice())];
    if let Some((sig, pem)) = &signature {
        files.push((BUNDLE_SIGNATURE.to_string(), sig.as_slice()));
        files.push((BUNDLE_PUBLIC_KEY.to_string(), pem.as_slice()));
    }
    if let Some(reply) = &token {
        files.push((TOKEN_FILE.to_string(), reply.as_slice()));
    }
    files.extend(refs.iter().map(|(fw, _, b)| (report_path(*fw), *b)));
    files.extend(html.iter().map(|h| (h.path(), h.bytes.as_slice())));
    let sums: String = files
        .iter()
        .map(|(p, b)| format!("{}  {p}\n", sha256_hex(b)))
        .collect();

    let mtime = u64::try_from(ctx.window.end.timestamp()).unwrap_or(0);
    let gz = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(out, Compression::new(6));
    let mut tar = tar::Builder::new(gz);
    for (path, data) in &files {
        append(&mut tar, path, data, mtime)?;
    }
    append(&mut tar, SUMS, sums.as_bytes(), mtime)?;
    tar.into_inner()?.finish()?;
    Ok(())
}
