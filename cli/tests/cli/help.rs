//! `kt --help` is held by golden files (UPDATE_GOLDEN=1 rewrites them);
//! completions and the man page come from the same definition.
use crate::stack::kt_bare;
use crate::{stderr, stdout, with_stdout_closed};
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

/// `kt completions bash | head -1` and `kt man | head`: the reader went
/// away before anything was written (its end of the pipe is closed at
/// once, so every write fails); the command still ends quietly with 0.
#[test]
fn completions_and_the_man_page_end_quietly_at_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["completions", "bash"][..], &["man"]] {
        let out = with_stdout_closed(
            std::process::Command::new(env!("CARGO_BIN_EXE_kt"))
                .args(args)
                .current_dir(dir.path())
                .env("KT_CONFIG", dir.path().join("no-such-config.toml")),
        );
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
