//! What a download makes sure of before it writes: that no other `kt` is
//! filling the same `.part` file (its lock; exit 9), and that the file can be
//! written (exit 8 or 1) before the link is asked for, which the audit trail records.
use crate::download::{completed_job, id_and_name, sha256};
use crate::stack::with_worker;
use crate::{stderr, stdout_json};
use std::fs::OpenOptions;

#[test]
fn a_part_file_another_download_holds_is_refused_with_exit_9_and_left_as_it_was() {
    let s = with_worker();
    let dir = tempfile::tempdir().unwrap();
    let job = completed_job(s, "json", dir.path());
    let id = job["id"].as_str().unwrap();
    let download = |output: &str| {
        s.kt(&s.lake_tenant, dir.path())
            .args(["export-jobs", "download", "--id", id, "--output", output])
            .args(["-o", "json"])
            .output()
            .unwrap()
    };
    let o = download("full.json");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let full = std::fs::read(dir.path().join("full.json")).unwrap();
    let half = full.len() / 2;

    // Another download is half way: its part file is locked.
    let part = dir.path().join(format!("held.json.{id}.part"));
    std::fs::write(&part, &full[..half]).unwrap();
    let holder = OpenOptions::new().write(true).open(&part).unwrap();
    holder.try_lock().unwrap();
    let o = download("held.json");
    assert_eq!(o.status.code(), Some(9), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("another download of") && stderr(&o).contains("is in progress"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&part).unwrap(), &full[..half], "untouched");
    assert!(!dir.path().join("held.json").exists());

    // Once it is released, the next run resumes from those bytes.
    drop(holder);
    let o = download("held.json");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout_json(&o)["resumed_from"], half as u64);
    assert_eq!(std::fs::read(dir.path().join("held.json")).unwrap(), full);
    assert!(!part.exists());
}

#[test]
fn concurrent_downloads_of_one_file_never_leave_a_corrupt_one_behind_a_success() {
    // Before: both wrote the same .part; the first exited 0 with the right
    // sha256 while the file on disk held both runs' bytes.
    let s = with_worker();
    let dir = tempfile::tempdir().unwrap();
    let job = completed_job(s, "json", dir.path());
    let id = job["id"].as_str().unwrap();
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kt"));
            cmd.current_dir(dir.path())
                .env("KT_API_URL", &s.base)
                .env("KT_TOKEN", crate::stack::token(&s.lake_tenant))
                .env("KT_CONFIG", dir.path().join("no-such-config.toml"))
                .env_remove("KT_PROFILE")
                .args([
                    "export-jobs",
                    "download",
                    "--id",
                    id,
                    "--output",
                    "same.json",
                ])
                .args(["-o", "json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    let outputs: Vec<_> = runs
        .into_iter()
        .map(|r| r.wait_with_output().unwrap())
        .collect();
    let mut saved = 0;
    for o in &outputs {
        match o.status.code() {
            Some(0) => {
                saved += 1;
                assert_eq!(stdout_json(o)["sha256"], job["sha256"]);
            }
            // Refused: the part was locked (9), or the file already saved (8).
            Some(9 | 8) => {}
            other => panic!("exit {other:?}: {}", stderr(o)),
        }
    }
    assert!(saved >= 1, "one run saves the file");
    let bytes = std::fs::read(dir.path().join("same.json")).unwrap();
    assert_eq!(sha256(&bytes), job["sha256"].as_str().unwrap());
    assert_eq!(bytes.len() as u64, job["size_bytes"].as_u64().unwrap());
}

/// The events of the job's audit trail.
fn audit_events(s: &crate::stack::Stack, dir: &std::path::Path, id: &str) -> Vec<String> {
    let o = s
        .kt(&s.lake_tenant, dir)
        .args(["export-jobs", "audit", "--id", id, "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout_json(&o)["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_download_refused_for_its_output_path_asks_for_no_link_and_records_no_download() {
    // Before: the link was asked for first, and the API recorded a
    // `downloaded` entry for a download that never wrote a byte.
    let s = with_worker();
    let dir = tempfile::tempdir().unwrap();
    let job = completed_job(s, "csv", dir.path());
    let (id, name) = id_and_name(&job);
    let download = |extra: &[&str]| {
        s.kt(&s.lake_tenant, dir.path())
            .args(["export-jobs", "download", "--id", id])
            .args(extra)
            .output()
            .unwrap()
    };
    // The job's name is taken here (exit 8), as is a name given with --output.
    std::fs::write(dir.path().join(name), b"mine").unwrap();
    let o = download(&[]);
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
    std::fs::write(dir.path().join("notes.csv"), b"mine").unwrap();
    let o = download(&["--output", "notes.csv"]);
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
    // A folder that does not exist (exit 1).
    let o = download(&["--output", "no-such-dir/may.csv"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    assert_eq!(audit_events(s, dir.path(), id), ["created", "completed"]);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // A download that happens is recorded (the check above can fail).
    let o = download(&["--output", "may.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        audit_events(s, dir.path(), id),
        ["created", "completed", "downloaded"]
    );
}
