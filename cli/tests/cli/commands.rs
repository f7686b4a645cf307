//! create, wait, get, list, cancel, login and dev token, through the binary;
//! each exit code the issue lists (8 and 5 are in `download.rs` too).
use crate::stack::{self, LAKE_DAY, api_only, kt_bare, tenant, token, with_worker};
use crate::{stderr, stdout, stdout_json};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Europe::Madrid;

#[test]
fn create_wait_prints_the_key_and_plain_progress_when_piped_then_the_completed_job() {
    let s = with_worker();
    let dir = tempfile::tempdir().unwrap();
    let output = s
        .kt(&s.lake_tenant, dir.path())
        .args([
            "export-jobs",
            "create",
            "--format",
            "csv",
            "--date-from",
            LAKE_DAY,
        ])
        .args([
            "--date-to",
            LAKE_DAY,
            "--label",
            "cli wait",
            "--expires-in-days",
            "3",
        ])
        .args(["--wait", "--timeout", "90s"])
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    // Piped: JSON on stdout, one plain line per change on stderr, no bar.
    let job = stdout_json(&output);
    assert_eq!(job["status"], "completed");
    assert_eq!(job["label"], "cli wait");
    assert!(job["event_count"].as_u64().unwrap() > 1000);
    let id = job["id"].as_str().unwrap();
    assert!(err.contains("Idempotency-Key: kt-"), "{err}");
    assert!(
        !err.contains('\r') && !err.contains('\u{1b}'),
        "no terminal codes: {err:?}"
    );
    let progress: Vec<&str> = err.lines().filter(|l| l.starts_with('[')).collect();
    assert!(
        progress.last().unwrap().ends_with(&format!(
            "{id} completed {} events exported",
            job["event_count"]
        )),
        "{err}"
    );
    assert!(
        progress.iter().all(|l| l[1..6].contains(':')),
        "elapsed time: {err}"
    );
    // Expiry: 3 days after completion.
    let completed: DateTime<Utc> = job["completed_at"].as_str().unwrap().parse().unwrap();
    let expires: DateTime<Utc> = job["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!((expires - completed).num_days(), 3);

    // get: a table when asked, with the job's facts.
    let table = s
        .kt(&s.lake_tenant, dir.path())
        .args(["export-jobs", "get", "--id", id, "-o", "table"])
        .output()
        .unwrap();
    assert!(table.status.success());
    let text = stdout(&table);
    assert!(text.contains(&format!("id         {id}")), "{text}");
    assert!(text.contains("status     completed"), "{text}");
    assert!(text.contains("actions    download"), "{text}");
    // wait on a finished job returns at once with its outcome; the id may
    // come alone, as people type it after `create` printed it.
    let waited = s
        .kt(&s.lake_tenant, dir.path())
        .args(["export-jobs", "wait", id])
        .output()
        .unwrap();
    assert_eq!(waited.status.code(), Some(0), "{}", stderr(&waited));
    assert_eq!(stdout_json(&waited)["id"], id);
    // ...but not both ways at once, nor left out.
    for args in [vec!["get", id, "--id", id], vec!["get"]] {
        let o = s
            .kt(&s.lake_tenant, dir.path())
            .arg("export-jobs")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--id <ID>|JOB_ID"), "{}", stderr(&o));
    }
}

#[test]
fn the_same_idempotency_key_returns_the_same_job_and_a_different_body_is_a_usage_error() {
    let s = api_only();
    let t = tenant();
    let dir = tempfile::tempdir().unwrap();
    let create = |format: &str| {
        s.kt(&t, dir.path())
            .args([
                "export-jobs",
                "create",
                "--format",
                format,
                "--date-from",
                LAKE_DAY,
            ])
            .args(["--date-to", LAKE_DAY, "--idempotency-key", "runbook-step-1"])
            .output()
            .unwrap()
    };
    let first = create("json");
    let again = create("json");
    assert!(first.status.success() && again.status.success());
    assert_eq!(stdout_json(&first)["id"], stdout_json(&again)["id"]);
    assert!(stderr(&again).contains("created earlier with this Idempotency-Key"));
    assert!(
        !stderr(&first).contains("Idempotency-Key: kt-"),
        "a given key is not generated"
    );
    let conflict = create("csv");
    assert_eq!(conflict.status.code(), Some(2), "{}", stderr(&conflict));
    assert!(stderr(&conflict).contains("Idempotency-Key"));
}

#[test]
fn quick_ranges_are_computed_in_the_timezone() {
    let s = api_only();
    let t = tenant();
    let dir = tempfile::tempdir().unwrap();
    let output = s
        .kt(&t, dir.path())
        .args([
            "export-jobs",
            "create",
            "--format",
            "csv",
            "--quick-range",
            "last-month",
        ])
        .args(["--timezone", "Europe/Madrid"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let job = stdout_json(&output);
    let start: DateTime<Utc> = job["window_start"].as_str().unwrap().parse().unwrap();
    let end: DateTime<Utc> = job["window_end"].as_str().unwrap().parse().unwrap();
    let today = Utc::now().with_timezone(&Madrid).date_naive();
    let this_month = today.with_day(1).unwrap();
    let midnight = |d: chrono::NaiveDate| {
        Madrid
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    assert_eq!(
        end,
        midnight(this_month),
        "ends at the first of this month, Madrid time"
    );
    assert_eq!(
        start,
        midnight(this_month - chrono::Months::new(1)),
        "starts at the first of last month, Madrid time"
    );
    // A rolling range ends now, as instants.
    let rolling = s
        .kt(&t, dir.path())
        .args([
            "export-jobs",
            "create",
            "--format",
            "json",
            "--quick-range",
            "24h",
        ])
        .output()
        .unwrap();
    assert!(rolling.status.success(), "{}", stderr(&rolling));
    let job = stdout_json(&rolling);
    let start: DateTime<Utc> = job["window_start"].as_str().unwrap().parse().unwrap();
    let end: DateTime<Utc> = job["window_end"].as_str().unwrap().parse().unwrap();
    assert_eq!((end - start).num_hours(), 24);
    assert!((Utc::now() - end).num_seconds().abs() < 60);
    // Dates and a quick range together are a usage error.
    let both = s
        .kt(&t, dir.path())
        .args([
            "export-jobs",
            "create",
            "--format",
            "csv",
            "--quick-range",
            "7d",
        ])
        .args(["--date-from", LAKE_DAY])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn list_pages_follows_cursors_with_all_and_filters_by_status() {
    let s = api_only();
    let t = tenant();
    let dir = tempfile::tempdir().unwrap();
    let mut ids = vec![];
    for label in ["one", "two", "three"] {
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
            .args(["--date-to", LAKE_DAY, "--label", label])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        ids.push(stdout_json(&o)["id"].as_str().unwrap().to_string());
    }
    let cancel = s
        .kt(&t, dir.path())
        .args(["export-jobs", "cancel", "--id", &ids[0]])
        .output()
        .unwrap();
    assert!(cancel.status.success(), "{}", stderr(&cancel));
    assert_eq!(stdout_json(&cancel)["status"], "canceled");

    let page = s
        .kt(&t, dir.path())
        .args(["export-jobs", "list", "--limit", "2"])
        .output()
        .unwrap();
    let page = stdout_json(&page);
    assert_eq!(page["jobs"].as_array().unwrap().len(), 2);
    assert_eq!(page["jobs"][0]["id"], ids[2].as_str(), "newest first");
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_string();
    let rest = s
        .kt(&t, dir.path())
        .args(["export-jobs", "list", "--limit", "2", "--cursor", &cursor])
        .output()
        .unwrap();
    assert_eq!(stdout_json(&rest)["jobs"][0]["id"], ids[0].as_str());

    let all = s
        .kt(&t, dir.path())
        .args(["export-jobs", "list", "--limit", "1", "--all"])
        .output()
        .unwrap();
    let all = stdout_json(&all);
    let listed: Vec<&str> = all["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [&ids[2], &ids[1], &ids[0]]);
    assert!(all["next_cursor"].is_null());

    let canceled = s
        .kt(&t, dir.path())
        .args(["export-jobs", "list", "--status", "canceled", "-o", "table"])
        .output()
        .unwrap();
    let text = stdout(&canceled);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("STATUS"),
        "{text}"
    );
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].contains(&ids[0]) && lines[1].contains("canceled") && lines[1].contains("one")
    );
    let bad = s
        .kt(&t, dir.path())
        .args(["export-jobs", "list", "--status", "done"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("processing"), "the values are listed");
}

#[test]
fn a_canceled_job_exits_3_and_a_timeout_exits_7_or_ctrl_c_130_each_printing_the_job_as_last_seen() {
    let s = api_only();
    let t = tenant();
    let dir = tempfile::tempdir().unwrap();
    let created = s
        .kt(&t, dir.path())
        .args([
            "export-jobs",
            "create",
            "--format",
            "csv",
            "--date-from",
            LAKE_DAY,
        ])
        .args(["--date-to", LAKE_DAY, "--wait", "--timeout", "2s"])
        .output()
        .unwrap();
    assert_eq!(created.status.code(), Some(7), "{}", stderr(&created));
    let err = stderr(&created);
    assert!(
        err.contains("--timeout") && err.contains("kt export-jobs wait --id"),
        "{err}"
    );
    let id = err
        .split_whitespace()
        .find(|w| w.starts_with("job_"))
        .unwrap()
        .trim_end_matches([';', ','])
        .to_string();
    assert!(
        err.contains(&format!("{id} queued")),
        "piped progress: {err}"
    );
    // The job as last seen is on stdout, as on success (before: nothing).
    let last_seen = stdout_json(&created);
    assert_eq!(last_seen["id"], id.as_str());
    assert_eq!(last_seen["status"], "queued");
    let waited = s
        .kt(&t, dir.path())
        .args(["export-jobs", "wait", &id, "--timeout", "1s", "-o", "table"])
        .output()
        .unwrap();
    assert_eq!(waited.status.code(), Some(7), "{}", stderr(&waited));
    assert!(
        stdout(&waited).contains(&format!("id         {id}")),
        "{}",
        stdout(&waited)
    );

    // Ctrl-C while waiting: 130, and the job as last seen.
    let waiting = std::process::Command::new(env!("CARGO_BIN_EXE_kt"))
        .current_dir(dir.path())
        .env("KT_API_URL", &s.base)
        .env("KT_TOKEN", token(&t))
        .env("KT_CONFIG", dir.path().join("no-such-config.toml"))
        .env_remove("KT_PROFILE")
        .args(["export-jobs", "wait", &id, "-o", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &waiting.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let interrupted = waiting.wait_with_output().unwrap();
    assert_eq!(
        interrupted.status.code(),
        Some(130),
        "{}",
        stderr(&interrupted)
    );
    assert_eq!(stdout_json(&interrupted)["status"], "queued");
    assert!(
        stderr(&interrupted).contains("Ctrl-C"),
        "{}",
        stderr(&interrupted)
    );

    let cancel = s
        .kt(&t, dir.path())
        .args(["export-jobs", "cancel", "--id", &id])
        .output()
        .unwrap();
    assert_eq!(cancel.status.code(), Some(0));
    let waited = s
        .kt(&t, dir.path())
        .args(["export-jobs", "wait", "--id", &id])
        .output()
        .unwrap();
    assert_eq!(waited.status.code(), Some(3));
    assert!(stderr(&waited).contains("was canceled"));
    assert_eq!(stdout_json(&waited)["status"], "canceled");
    // Canceling again: the API's 409, an "other" error, with its reason.
    let again = s
        .kt(&t, dir.path())
        .args(["export-jobs", "cancel", "--id", &id])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("409"));
}

#[test]
fn not_found_auth_network_and_bad_requests_have_their_own_exit_codes() {
    let s = api_only();
    let t = tenant();
    let dir = tempfile::tempdir().unwrap();
    let missing = "job_01jt9x4q7w8e3r5t6y7v8z9a0b";
    let o = s
        .kt(&t, dir.path())
        .args(["export-jobs", "get", "--id", missing])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("kt export-jobs list"),
        "says what to do"
    );

    let o = s
        .kt(&t, dir.path())
        .args([
            "export-jobs",
            "get",
            "--id",
            missing,
            "--token",
            "not-a-jwt",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(6), "{}", stderr(&o));
    assert!(stderr(&o).contains("kt login --token-stdin"));
    let o = kt_bare(dir.path())
        .env("KT_API_URL", &s.base)
        .args(["export-jobs", "list"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(6), "no token at all");
    assert!(stderr(&o).contains("KT_TOKEN"));

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let o = s
        .kt(&t, dir.path())
        .args(["export-jobs", "list", "--api-url", &url])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot reach"));

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
        .args(["--date-to", LAKE_DAY, "--timezone", "Mars/Olympus"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "the API's 400 is a usage error");
    assert!(stderr(&o).contains("timezone"), "{}", stderr(&o));
    // A malformed id never reaches the API, whichever command it is given
    // to (before: `verify --job-id job_bad` was 1).
    for args in [
        vec!["export-jobs", "get", "42"],
        vec!["export-jobs", "verify", "--job-id", "job_bad", "x.csv"],
    ] {
        let o = s.kt(&t, dir.path()).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("26-character ULID"), "{}", stderr(&o));
    }
    let o = s
        .kt(&t, dir.path())
        .args(["export-jobs", "download", "--id", missing])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(4));
}

#[test]
fn login_saves_a_checked_token_in_a_profile_that_later_commands_use() {
    let s = api_only();
    let t = tenant();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kt/config.toml");
    let login = |token: &str| {
        kt_bare(dir.path())
            .env("KT_CONFIG", &config)
            .args([
                "login",
                "--token-stdin",
                "--profile",
                "staging",
                "--api-url",
                &s.base,
            ])
            .write_stdin(format!("{token}\n"))
            .output()
            .unwrap()
    };
    let refused = login("not-a-token");
    assert_eq!(refused.status.code(), Some(6), "{}", stderr(&refused));
    assert!(!config.exists(), "a refused token is not saved");
    let ok = login(&token(&t));
    assert!(ok.status.success(), "{}", stderr(&ok));
    let saved = std::fs::read_to_string(&config).unwrap();
    assert!(
        saved.contains("[profiles.staging]") && saved.contains(&s.base),
        "{saved}"
    );

    // The first profile saved becomes the default one.
    let listed = kt_bare(dir.path())
        .env("KT_CONFIG", &config)
        .args(["export-jobs", "list"])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(stdout_json(&listed)["jobs"].as_array().unwrap().is_empty());
    // A named profile wins over a token in the environment.
    let named = kt_bare(dir.path())
        .env("KT_CONFIG", &config)
        .env("KT_TOKEN", "stale")
        .args(["export-jobs", "list", "--profile", "staging"])
        .output()
        .unwrap();
    assert!(named.status.success(), "{}", stderr(&named));
    let unknown = kt_bare(dir.path())
        .env("KT_CONFIG", &config)
        .args(["export-jobs", "list", "--profile", "prod"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("kt login --profile prod"));
}

#[test]
fn dev_token_prints_a_token_the_api_accepts() {
    let s = api_only();
    let dir = tempfile::tempdir().unwrap();
    let o = kt_bare(dir.path())
        .env("KT_DEV_JWT_SECRET", stack::SECRET)
        .args(["dev", "token", "--tenant", "acme"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let token = stdout(&o).trim().to_string();
    assert_eq!(token.split('.').count(), 3);
    let listed = kt_bare(dir.path())
        .env("KT_API_URL", &s.base)
        .env("KT_TOKEN", &token)
        .args(["export-jobs", "list", "-o", "json"])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{}", stderr(&listed));
}
