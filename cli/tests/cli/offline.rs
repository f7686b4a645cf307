//! `kt export run`: an export from a local copy of the lake, its answers,
//! its usage errors and where it writes.
use crate::stack::kt_bare;
use crate::{stderr, stdout, with_stdout_closed};
use std::path::Path;

/// A one-day lake of `events` events for acme, written under `dir/lake`.
fn small_lake(dir: &Path, events: u64) -> std::path::PathBuf {
    let lake = dir.join("lake");
    let spec = kt_lakegen::LakeSpec {
        tenant: "acme".into(),
        start_day: chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        days: 1,
        events_total: events,
        objects_per_hour: 1,
        duplicate_rate: 0.0,
        malformed_rate: 0.0,
        ..kt_lakegen::LakeSpec::default()
    };
    kt_lakegen::write_dir(&spec, &lake).unwrap();
    lake
}

/// `kt export run` of acme's 2026-05-01 in csv, with `extra` arguments
/// added or, for those flags, instead.
fn export_run(dir: &Path, lake: &Path, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = kt_bare(dir);
    cmd.args(["export", "run", "--lake"]).arg(lake);
    for (flag, value) in [
        ("--tenant", "acme"),
        ("--date-from", "2026-05-01"),
        ("--date-to", "2026-05-01"),
        ("--format", "csv"),
    ] {
        if !extra.contains(&flag) {
            cmd.args([flag, value]);
        }
    }
    cmd.args(extra);
    cmd
}

/// `kt export run` answers in JSON to a pipe and as a table with `-o table`,
/// like every other command.
#[test]
fn an_offline_export_prints_json_or_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let lake = small_lake(dir.path(), 500);
    let export = |extra: &[&str], out: &str| {
        let mut cmd = export_run(dir.path(), &lake, extra);
        cmd.arg("--output").arg(dir.path().join(out));
        cmd.output().unwrap()
    };
    let run = |extra: &[&str], out: &str| {
        let output = export(extra, out);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout(&output)
    };
    let json: serde_json::Value = serde_json::from_str(&run(&[], "a.csv")).unwrap();
    assert_eq!(json["event_count"], 500);
    let table = run(&["-o", "table"], "b.csv");
    assert!(table.contains("events             500"), "{table}");
    assert!(table.contains(json["sha256"].as_str().unwrap()), "{table}");

    // An existing file is kept (exit 8, as `download`), replaced with --force.
    std::fs::write(dir.path().join("a.csv"), "keep me").unwrap();
    let kept = export(&[], "a.csv");
    assert_eq!(kept.status.code(), Some(8), "{}", stderr(&kept));
    assert!(stderr(&kept).contains("--force"), "{}", stderr(&kept));
    assert_eq!(std::fs::read(dir.path().join("a.csv")).unwrap(), b"keep me");
    let replaced = run(&["--force"], "a.csv");
    assert!(
        replaced.contains(json["sha256"].as_str().unwrap()),
        "{replaced}"
    );
}

/// A mistyped `--lake` or a window that ends before it starts is a usage
/// error (2), not an empty export (before: exit 0 and a file of 0 events) or
/// exit 1; a lake without the tenant's prefix is said on stderr.
#[test]
fn an_offline_export_of_a_missing_lake_or_a_backward_window_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = |lake: &std::path::Path, from: &str| {
        let mut cmd = kt_bare(dir.path());
        cmd.args(["export", "run", "--lake"]).arg(lake).args([
            "--tenant",
            "acme",
            "--date-from",
            from,
            "--date-to",
            "2026-05-01",
            "--format",
            "csv",
            "--output",
        ]);
        cmd.arg(dir.path().join("out.csv"));
        cmd.output().unwrap()
    };
    let missing = run(&dir.path().join("no-such-lake"), "2026-05-01");
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(
        stderr(&missing).contains("no such directory"),
        "{}",
        stderr(&missing)
    );
    assert!(!dir.path().join("out.csv").exists());

    let empty = dir.path().join("empty-lake");
    std::fs::create_dir(&empty).unwrap();
    let backward = run(&empty, "2026-05-03");
    assert_eq!(backward.status.code(), Some(2), "{}", stderr(&backward));

    let no_prefix = run(&empty, "2026-05-01");
    assert!(no_prefix.status.success(), "{}", stderr(&no_prefix));
    assert!(
        stderr(&no_prefix).contains("events/tenant=acme"),
        "{}",
        stderr(&no_prefix)
    );
}

/// `kt export run` writes the compliance reports and the bundle too, citing a
/// saved profile and the job values it is given; the same values give the same bytes.
#[test]
fn an_offline_export_writes_reports_that_cite_the_profile_and_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let spec = kt_lakegen::LakeSpec {
        tenant: "acme".into(),
        start_day: chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        days: 1,
        events_total: 400,
        objects_per_hour: 1,
        ..kt_lakegen::LakeSpec::default()
    };
    kt_lakegen::write_dir(&spec, &lake).unwrap();
    let profile = dir.path().join("profile.json");
    std::fs::write(
        &profile,
        r#"{"tenant_id": "acme", "version": 4, "updated_at": "2026-04-01T00:00:00Z",
            "profile": {"ens": {"category": "MEDIA"}}, "next_scheduled_run": null}"#,
    )
    .unwrap();
    let job_id = "job_01jz0000000000000000000000";
    let run = |format: &str, out: &str| {
        let mut cmd = kt_bare(dir.path());
        cmd.args(["export", "run", "--lake"]).arg(&lake);
        cmd.args([
            "--tenant",
            "acme",
            "--date-from",
            "2026-05-01",
            "--date-to",
            "2026-05-01",
        ]);
        cmd.args(["--format", format, "--compliance-profile"])
            .arg(&profile);
        cmd.args(["--job-id", job_id, "--label", "audit", "--s3-etags"]);
        cmd.args(["--generated-at", "2026-05-02T08:00:00Z"]);
        cmd.args(["--listing-cutoff", "2026-05-02T07:59:00Z", "--output"]);
        cmd.arg(dir.path().join(out));
        let output = cmd.output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read(dir.path().join(out)).unwrap()
    };
    let first = run("compliance-ens", "a.json");
    let report: serde_json::Value = serde_json::from_slice(&first).unwrap();
    let r = &report["report"];
    assert_eq!(r["format"], "compliance-ens");
    assert_eq!(r["generated_at"], "2026-05-02T08:00:00Z");
    assert_eq!(r["profile"]["version"], 4);
    assert_eq!(r["provenance"]["job"]["id"], job_id);
    assert_eq!(r["provenance"]["job"]["label"], "audit");
    assert_eq!(r["source"]["event_count"], 400);
    assert_eq!(
        r["provenance"]["reading"]["listing_cutoff"],
        "2026-05-02T07:59:00Z"
    );
    assert_eq!(
        run("compliance-ens", "b.json"),
        first,
        "same inputs, same bytes"
    );

    let bundle = run("compliance-all", "c.tar.gz");
    assert_eq!(&bundle[..2], &[0x1f, 0x8b], "a gzip archive");

    let mut cmd = kt_bare(dir.path());
    cmd.args(["export", "run", "--lake"]).arg(&lake);
    cmd.args([
        "--tenant",
        "acme",
        "--date-from",
        "2026-05-01",
        "--date-to",
        "2026-05-01",
    ]);
    cmd.args(["--format", "pdf", "--output"])
        .arg(dir.path().join("x"));
    let refused = cmd.output().unwrap();
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("compliance-all"), "names the formats: {err}");
}

/// The same export as a plain process, for a test that wires its stdout
/// itself (a file, or a pipe it closes).
fn spawned_export(dir: &Path, lake: &Path, format: &str, output: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kt"));
    cmd.current_dir(dir)
        .env("KT_CONFIG", dir.join("none.toml"))
        .args(["export", "run", "--lake"])
        .arg(lake)
        .args([
            "--tenant",
            "acme",
            "--date-from",
            "2026-05-01",
            "--date-to",
            "2026-05-01",
        ])
        .args(["--format", format, "--output"])
        .arg(output);
    cmd
}

/// A value the command cannot use is a usage error (2) that names the flag,
/// as a missing lake is; a file that is not the profile route's answer is
/// one too (it used to read as "no profile declared").
#[test]
fn every_unusable_value_is_a_usage_error_naming_its_flag() {
    let dir = tempfile::tempdir().unwrap();
    let lake = small_lake(dir.path(), 10);
    let profile_body = dir.path().join("profile-body.json");
    std::fs::write(&profile_body, r#"{"ens": {"category": "MEDIA"}}"#).unwrap();
    let out = dir.path().join("out.csv");
    let out = out.to_str().unwrap();
    for (flag, args) in [
        ("--format", vec!["--format", "xlsx"]),
        ("--tenant", vec!["--tenant", "ACME!!"]),
        ("--date-from", vec!["--date-from", "2026-13-01"]),
        ("--generated-at", vec!["--generated-at", "yesterday"]),
        ("--listing-cutoff", vec!["--listing-cutoff", "noon"]),
        ("--job-id", vec!["--job-id", "job_bad"]),
        (
            "--compliance-profile",
            vec!["--compliance-profile", profile_body.to_str().unwrap()],
        ),
    ] {
        let mut cmd = export_run(dir.path(), &lake, &args);
        let got = cmd.args(["--output", out]).output().unwrap();
        assert_eq!(got.status.code(), Some(2), "{flag}: {}", stderr(&got));
        assert!(stderr(&got).contains(flag), "{flag}: {}", stderr(&got));
        assert!(!Path::new(out).exists(), "{flag}: nothing written");
    }
}

/// `--output /dev/stdout` (here through a link to it, so a regression could
/// only ever replace the link): the export is the whole of stdout, whether
/// stdout is a pipe or a file the shell opened, and the summary goes to
/// stderr. It used to be renamed over the link when stdout was a file, and
/// followed by the summary when it was a pipe.
#[test]
fn an_export_to_stdout_is_all_of_stdout_and_the_link_stays() {
    let dir = tempfile::tempdir().unwrap();
    let lake = small_lake(dir.path(), 300);
    let file = dir.path().join("file.csv");
    let reference = export_run(dir.path(), &lake, &["--output", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(reference.status.success(), "{}", stderr(&reference));
    let expected = std::fs::read(&file).unwrap();
    let link = dir.path().join("stdout");
    std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();

    let piped = export_run(dir.path(), &lake, &["--output", link.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert_eq!(piped.stdout, expected, "stdout is the export, nothing else");
    let summary: serde_json::Value = serde_json::from_str(&stderr(&piped)).unwrap();
    assert_eq!(summary["event_count"], 300);

    let redirected = dir.path().join("redirected.csv");
    let status = spawned_export(dir.path(), &lake, "csv", &link)
        .stdout(std::fs::File::create(&redirected).unwrap())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "a file the shell opened is not refused");
    assert_eq!(std::fs::read(&redirected).unwrap(), expected);

    // `| head -c 100`: the reader closes the pipe early; the export ends
    // quietly (it said "error: ... Broken pipe" and exited 1).
    let out = with_stdout_closed(&mut spawned_export(dir.path(), &lake, "json", &link));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("error"), "{err}");
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "the link is still a link");
}

/// An auditor given the tenant's key (`kt export pseudonym-key`), not the
/// deployment's, recomputes the same report: same pseudonyms, same key id.
#[test]
fn a_tenant_key_recomputes_the_report_the_service_key_writes() {
    let dir = tempfile::tempdir().unwrap();
    let lake = small_lake(dir.path(), 400);
    let service_key = "a-deployment-secret";
    // Without the deployment's key it refuses (a default key would look right).
    let mut no_key = kt_bare(dir.path());
    no_key.args(["export", "pseudonym-key", "--tenant", "acme"]);
    let refused = no_key.env_remove("KT_PSEUDONYM_KEY").output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let mut key_cmd = kt_bare(dir.path());
    key_cmd.args(["export", "pseudonym-key", "--tenant", "acme", "-o", "json"]);
    let key = key_cmd
        .env("KT_PSEUDONYM_KEY", service_key)
        .output()
        .unwrap();
    assert!(key.status.success(), "{}", stderr(&key));
    let key: serde_json::Value = serde_json::from_slice(&key.stdout).unwrap();
    let tenant_key = key["tenant_key"].as_str().unwrap();
    assert!(tenant_key.starts_with("tk_"), "{key}");

    let report = |pseudonym_key: &str, out: &str| {
        let path = dir.path().join(out);
        let mut cmd = export_run(
            dir.path(),
            &lake,
            &[
                "--format",
                "compliance-ens",
                "--generated-at",
                "2026-05-02T08:00:00Z",
                "--listing-cutoff",
                "2026-05-02T07:59:00Z",
            ],
        );
        cmd.env("KT_PSEUDONYM_KEY", pseudonym_key)
            .arg("--output")
            .arg(&path);
        let got = cmd.output().unwrap();
        assert!(got.status.success(), "{}", stderr(&got));
        std::fs::read_to_string(path).unwrap()
    };
    let by_service = report(service_key, "service.json");
    let by_tenant = report(tenant_key, "tenant.json");
    assert_eq!(by_tenant, by_service, "byte for byte");
    let cited: serde_json::Value = serde_json::from_str(&by_service).unwrap();
    assert_eq!(
        cited["report"]["provenance"]["pseudonymisation"]["key_id"],
        key["key_id"]
    );
    assert_ne!(report("another-deployment", "other.json"), by_service);

    // The JSON the command prints in a pipe, taken whole, is refused (it
    // used to pseudonymise with itself as the key and exit 0).
    let mut cmd = export_run(dir.path(), &lake, &["--format", "compliance-ens"]);
    cmd.env("KT_PSEUDONYM_KEY", key.to_string())
        .arg("--output")
        .arg(dir.path().join("json-key.json"));
    let refused = cmd.output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("tenant_key"),
        "{}",
        stderr(&refused)
    );
}

/// A json export's first line names its file: `--file-name` states the job's
/// name when the bytes go elsewhere (here to stdout), so they equal the
/// job's file (without it the export calls itself `stdout`).
#[test]
fn a_json_export_to_stdout_states_the_file_name_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let lake = small_lake(dir.path(), 50);
    let name = "kt_2026-05-01_to_2026-05-01.json";
    let file = dir.path().join(name);
    let to_file = export_run(
        dir.path(),
        &lake,
        &[
            "--format",
            "json",
            "--generated-at",
            "2026-05-02T08:00:00Z",
            "--listing-cutoff",
            "2026-05-02T07:59:00Z",
        ],
    )
    .arg("--output")
    .arg(&file)
    .output()
    .unwrap();
    assert!(to_file.status.success(), "{}", stderr(&to_file));
    let link = dir.path().join("out");
    std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
    let args = |named: bool| {
        let mut a = vec![
            "--format",
            "json",
            "--generated-at",
            "2026-05-02T08:00:00Z",
            "--listing-cutoff",
            "2026-05-02T07:59:00Z",
        ];
        if named {
            a.extend(["--file-name", name]);
        }
        a
    };
    let named = export_run(dir.path(), &lake, &args(true))
        .arg("--output")
        .arg(&link)
        .output()
        .unwrap();
    assert!(named.status.success(), "{}", stderr(&named));
    assert_eq!(named.stdout, std::fs::read(&file).unwrap());
    let unnamed = export_run(dir.path(), &lake, &args(false))
        .arg("--output")
        .arg(&link)
        .output()
        .unwrap();
    assert_ne!(
        unnamed.stdout, named.stdout,
        "named after its output otherwise"
    );
}
