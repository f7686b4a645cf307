//! `kt --help` is held by golden files (UPDATE_GOLDEN=1 rewrites them);
//! completions and the man page come from the same definition.
use crate::stack::kt_bare;
use crate::{stderr, stdout};
use std::path::PathBuf;

fn golden(name: &str, args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let output = kt_bare(dir.path()).args(args).output().unwrap();
    assert!(output.status.success(), "{args:?}");
    let actual = stdout(&output);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(
        actual,
        expected,
        "`kt {}` changed: review it, then UPDATE_GOLDEN=1 cargo test -p kt-cli",
        args.join(" ")
    );
}

#[test]
fn kt_help_matches_the_golden_file() {
    golden("kt-help.txt", &["--help"]);
}

#[test]
fn subcommand_helps_match_the_golden_files() {
    golden("export-jobs-help.txt", &["export-jobs", "--help"]);
    golden(
        "export-jobs-create-help.txt",
        &["export-jobs", "create", "--help"],
    );
    golden(
        "export-jobs-download-help.txt",
        &["export-jobs", "download", "--help"],
    );
}

#[test]
fn completions_list_the_commands_and_the_formats() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let output = kt_bare(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success(), "{shell}");
        let script = stdout(&output);
        assert!(script.contains("export-jobs"), "{shell}");
        assert!(
            script.contains("compliance-all"),
            "{shell}: formats are listed"
        );
        assert!(
            script.contains("processing"),
            "{shell}: statuses are listed"
        );
    }
    let bad = kt_bare(dir.path())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_man_page_documents_the_commands_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let output = kt_bare(dir.path()).arg("man").output().unwrap();
    assert!(output.status.success());
    let page = stdout(&output);
    assert!(page.starts_with(".ie") || page.contains(".TH kt"), "{page}");
    assert!(page.contains("export\\-jobs"));
    assert!(page.contains("refused to overwrite"));
    let out = dir.path().join("man");
    let status = kt_bare(dir.path())
        .args(["man", "--dir"])
        .arg(&out)
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    assert!(out.join("kt.1").is_file());
    assert!(out.join("kt-export-jobs-download.1").is_file());
}

/// `kt export run` answers in JSON to a pipe and as a table with `-o table`,
/// like every other command.
#[test]
fn an_offline_export_prints_json_or_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let spec = kt_lakegen::LakeSpec {
        tenant: "acme".into(),
        start_day: chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        days: 1,
        events_total: 500,
        objects_per_hour: 1,
        duplicate_rate: 0.0,
        malformed_rate: 0.0,
        ..kt_lakegen::LakeSpec::default()
    };
    kt_lakegen::write_dir(&spec, &lake).unwrap();
    let export = |extra: &[&str], out: &str| {
        let mut cmd = kt_bare(dir.path());
        cmd.args(["export", "run", "--lake"]).arg(&lake).args([
            "--tenant",
            "acme",
            "--date-from",
            "2026-05-01",
            "--date-to",
            "2026-05-01",
            "--format",
            "csv",
            "--output",
        ]);
        cmd.arg(dir.path().join(out)).args(extra);
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

/// `kt completions bash | head -1` and `kt man | head`: the reader went
/// away before anything was written (its end of the pipe is closed at
/// once, so every write fails); the command still ends quietly with 0.
#[test]
fn completions_and_the_man_page_end_quietly_at_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["completions", "bash"][..], &["man"]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kt"))
            .args(args)
            .current_dir(dir.path())
            .env("KT_CONFIG", dir.path().join("no-such-config.toml"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

/// `KT_API_URL=notaurl` was exit 7 ("cannot reach notaurl ... relative URL
/// without a base"), as if the network were down; it is a usage error.
#[test]
fn an_api_url_that_is_not_a_url_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = kt_bare(dir.path())
        .env("KT_API_URL", "notaurl")
        .env("KT_TOKEN", "t")
        .args(["export-jobs", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("KT_API_URL"),
        "{}",
        stderr(&output)
    );
}
