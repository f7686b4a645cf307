//! download: the server's file name here, refused overwrite (exit 8), --force,
//! a resumed download from a .part file, a corrupted .part (exit 5), verify.
use crate::stack::{LAKE_DAY, Stack, with_worker};
use crate::{stderr, stdout, stdout_json};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

/// A completed job of the lake tenant (created and waited for with kt).
/// A job's id and file name, as the download tests address it.
pub fn id_and_name(job: &Value) -> (&str, &str) {
    (
        job["id"].as_str().unwrap(),
        job["file_name"].as_str().unwrap(),
    )
}

pub fn completed_job(s: &Stack, format: &str, dir: &Path) -> Value {
    let o = s
        .kt(&s.lake_tenant, dir)
        .args([
            "export-jobs",
            "create",
            "--format",
            format,
            "--date-from",
            LAKE_DAY,
        ])
        .args([
            "--date-to",
            LAKE_DAY,
            "--wait",
            "--timeout",
            "90s",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout_json(&o)
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[test]
fn a_download_lands_under_the_jobs_name_is_never_overwritten_without_force_and_verifies() {
    let s = with_worker();
    let dir = tempfile::tempdir().unwrap();
    let job = completed_job(s, "csv", dir.path());
    let (id, name) = id_and_name(&job);
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args(["export-jobs", "download", id, "-o", "table"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with(&format!("saved {name} (")),
        "{}",
        stdout(&o)
    );
    let bytes = std::fs::read(dir.path().join(name)).unwrap();
    assert_eq!(sha256(&bytes), job["sha256"].as_str().unwrap());
    assert_eq!(bytes.len() as u64, job["size_bytes"].as_u64().unwrap());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The same name again: refused, the file untouched.
    std::fs::write(dir.path().join(name), b"my own notes").unwrap();
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args(["export-jobs", "download", "--id", id])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"));
    assert_eq!(
        std::fs::read(dir.path().join(name)).unwrap(),
        b"my own notes"
    );
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args([
            "export-jobs",
            "download",
            "--id",
            id,
            "--force",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let done = stdout_json(&o);
    assert_eq!(done["file"], name);
    assert_eq!(done["resumed_from"], 0);
    assert_eq!(std::fs::read(dir.path().join(name)).unwrap(), bytes);

    // verify: the job's record matches (0); a wrong hash is exit 5.
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args(["export-jobs", "verify", "--job-id", id, name])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args([
            "export-jobs",
            "verify",
            "--sha256",
            &"0".repeat(64),
            name,
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(!stdout_json(&o)["mismatches"].as_array().unwrap().is_empty());
}

#[test]
fn an_interrupted_download_resumes_from_its_part_file() {
    let s = with_worker();
    let dir = tempfile::tempdir().unwrap();
    let job = completed_job(s, "json", dir.path());
    let id = job["id"].as_str().unwrap();
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args([
            "export-jobs",
            "download",
            "--id",
            id,
            "--output",
            "full.json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let full = std::fs::read(dir.path().join("full.json")).unwrap();
    assert!(full.len() > 100_000, "big enough to cut: {}", full.len());
    let half = full.len() / 2;

    // An interrupted download left the first half in the part file.
    let part = dir.path().join(format!("may.json.{id}.part"));
    std::fs::write(&part, &full[..half]).unwrap();
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args([
            "export-jobs",
            "download",
            "--id",
            id,
            "--output",
            "may.json",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let done = stdout_json(&o);
    assert_eq!(done["resumed_from"], half as u64);
    assert_eq!(done["sha256"], job["sha256"]);
    assert_eq!(std::fs::read(dir.path().join("may.json")).unwrap(), full);
    assert!(!part.exists());

    // A part file whose bytes are wrong is kept by Range (only the rest is
    // fetched), so the check catches it: exit 5, and the part is removed.
    let mut wrong = full[..half].to_vec();
    wrong[10] ^= 0xff;
    let part = dir.path().join(format!("again.json.{id}.part"));
    std::fs::write(&part, &wrong).unwrap();
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args([
            "export-jobs",
            "download",
            "--id",
            id,
            "--output",
            "again.json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(stderr(&o).contains("run the command again"));
    assert!(!part.exists() && !dir.path().join("again.json").exists());
    // ...and the next run starts over and succeeds.
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args([
            "export-jobs",
            "download",
            "--id",
            id,
            "--output",
            "again.json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_bundle_keeps_its_tar_gz_name_and_verifies_as_a_bundle() {
    let s = with_worker();
    let dir = tempfile::tempdir().unwrap();
    let job = completed_job(s, "compliance-all", dir.path());
    let (id, name) = id_and_name(&job);
    assert!(name.ends_with("_compliance-all.tar.gz"));
    let out = dir.path().join("evidence");
    std::fs::create_dir(&out).unwrap();
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args([
            "export-jobs",
            "download",
            "--id",
            id,
            "--output",
            "evidence",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        out.join(name).is_file(),
        "a directory receives the job's name"
    );
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args(["export-jobs", "verify"])
        .arg(out.join(name))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // Without --key, the bundle's signature is checked against the service's
    // published keys, not only the key the bundle carries (which a forger
    // would bring along). Before: only the carried key, for a bundle file.
    let report = crate::stdout_json(&o);
    let checked = report["checked"].to_string();
    assert!(
        checked.contains("signing-key.pem: one of the trusted keys"),
        "{report}"
    );
    assert!(
        report
            .get("notes")
            .is_none_or(|n| !n.to_string().contains("origin not checked")),
        "{report}"
    );
    // A truncated or corrupt bundle fails verification (exit 5), as a
    // mismatch; before, "not a readable tar.gz bundle" was exit 1.
    let bytes = std::fs::read(out.join(name)).unwrap();
    let truncated = dir.path().join("truncated.tar.gz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 3] ^= 0xff;
    let corrupt = dir.path().join("corrupt.tar.gz");
    std::fs::write(&corrupt, &flipped).unwrap();
    for (file, extra) in [
        (&truncated, vec![]),
        (&corrupt, vec![]),
        (&truncated, vec!["--job-id", id]),
        (&corrupt, vec!["--sha256", job["sha256"].as_str().unwrap()]),
    ] {
        let o = s
            .kt(&s.lake_tenant, dir.path())
            .args(["export-jobs", "verify", "-o", "json"])
            .args(&extra)
            .arg(file)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(5), "{extra:?} {}", stderr(&o));
        let report = stdout_json(&o);
        assert!(
            report["mismatches"]
                .to_string()
                .contains("readable tar.gz bundle"),
            "{report}"
        );
    }
    // With the API out of reach: still verified, and it says what was not checked.
    let o = s
        .kt(&s.lake_tenant, dir.path())
        .args(["--api-url", "http://127.0.0.1:9", "export-jobs", "verify"])
        .arg(out.join(name))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let notes = crate::stdout_json(&o)["notes"].to_string();
    assert!(notes.contains("origin not checked"), "{notes}");
    assert!(
        notes.contains("the service's keys were not fetched"),
        "{notes}"
    );
}

#[test]
fn a_job_that_is_not_completed_cannot_be_downloaded() {
    let s = crate::stack::api_only();
    let t = crate::stack::tenant();
    let dir = tempfile::tempdir().unwrap();
    let o = s
        .kt(&t, dir.path())
        .args([
            "export-jobs",
            "create",
            "--format",
            "csv",
            "--date-from",
            LAKE_DAY,
        ])
        .args(["--date-to", LAKE_DAY])
        .output()
        .unwrap();
    let id = stdout_json(&o)["id"].as_str().unwrap().to_string();
    let o = s
        .kt(&t, dir.path())
        .args(["export-jobs", "download", "--id", &id])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("only completed jobs can be downloaded"));
    // The .part opened before asking is not left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(names.is_empty(), "{names:?}");
}
