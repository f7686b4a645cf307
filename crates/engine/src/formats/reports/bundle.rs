//! compliance-all: a deterministic tar.gz of the three reports, a manifest and SHA256SUMS.
//!
//! Entries (in this order): `manifest.json`, `compliance-aesia.json`,
//! `compliance-aepd.json`, `compliance-ens.json`, `SHA256SUMS`. Every entry is
//! a ustar regular file with mode 0644, uid/gid 0, owner names `root`/`root`
//! and mtime = the window end (Unix seconds), so the archive depends only on
//! its contents. The gzip header has mtime 0, no file name and OS byte 255
//! ("unknown"); compression level 6. The same reports and `generated_at`
//! therefore give the same bytes.
use super::aggregate::Aggregate;
use super::num::iso;
use super::{Framework, MAPPING_VERSION, SCHEMA_VERSION, to_bytes};
use crate::formats::{ExportContext, ExportSummary};
use flate2::{Compression, GzBuilder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::{self, Write};

pub const MANIFEST: &str = "manifest.json";
pub const SUMS: &str = "SHA256SUMS";
pub const MANIFEST_VERSION: &str = "1.0";

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The report file name inside the bundle, e.g. `compliance-ens.json`.
pub fn report_path(fw: Framework) -> String {
    format!("{}.json", fw.format().as_str())
}

/// The manifest of a bundle holding `reports` (already rendered to bytes).
pub fn manifest(
    ctx: &ExportContext,
    agg: &Aggregate,
    summary: &ExportSummary,
    reports: &[(Framework, &Value, &[u8])],
) -> Value {
    let artifacts: Vec<Value> = reports
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
    let total: usize = reports.iter().map(|(_, _, b)| b.len()).sum();
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
        "artifacts": artifacts,
        "payload_oxum": format!("{total}.{}", reports.len()),
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
    let manifest = to_bytes(&manifest(ctx, agg, summary, &refs));

    let mut files: Vec<(String, &[u8])> = vec![(MANIFEST.to_string(), manifest.as_slice())];
    files.extend(refs.iter().map(|(fw, _, b)| (report_path(*fw), *b)));
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
