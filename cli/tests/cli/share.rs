//! `kt export-jobs share|links|revoke-link|audit` against the stack.
use crate::stack::{LAKE_DAY, with_worker};
use crate::{stderr, stdout, stdout_json};

#[test]
fn share_list_revoke_and_read_the_trail() {
    let s = with_worker();
    let dir = tempfile::tempdir().unwrap();
    let kt = || s.kt(&s.lake_tenant, dir.path());
    let created = kt()
        .args(["export-jobs", "create", "--format", "json"])
        .args(["--date-from", LAKE_DAY, "--date-to", LAKE_DAY, "--wait"])
        .output()
        .unwrap();
    assert_eq!(created.status.code(), Some(0), "{}", stderr(&created));
    let id = stdout_json(&created)["id"].as_str().unwrap().to_string();

    // Longer than the file is kept (7 days): the API's 422 is a usage error.
    let too_long = kt()
        .args([
            "export-jobs",
            "share",
            "--id",
            &id,
            "--note",
            "x",
            "--days",
            "30",
        ])
        .output()
        .unwrap();
    assert_eq!(too_long.status.code(), Some(2), "{}", stderr(&too_long));

    let shared = kt()
        .args([
            "export-jobs",
            "share",
            "--id",
            &id,
            "--note",
            "Ana, auditor",
            "--days",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(shared.status.code(), Some(0), "{}", stderr(&shared));
    let link = stdout_json(&shared);
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/v1/shared/", s.base)), "{url}");
    let link_id = link["id"].as_str().unwrap();

    let listed = kt()
        .args(["export-jobs", "links", &id, "-o", "table"])
        .output()
        .unwrap();
    let table = stdout(&listed);
    assert!(
        table.contains(link_id) && table.contains("active") && table.contains("Ana, auditor"),
        "{table}"
    );
    assert!(
        !table.contains(url.rsplit('/').next().unwrap()),
        "never the token"
    );

    let revoked = kt()
        .args(["export-jobs", "revoke-link", "--id", &id, "--link", link_id])
        .output()
        .unwrap();
    assert_eq!(revoked.status.code(), Some(0), "{}", stderr(&revoked));
    assert_eq!(stdout_json(&revoked)["status"], "revoked");

    let trail = kt()
        .args(["export-jobs", "audit", "--id", &id])
        .output()
        .unwrap();
    let events: Vec<String> = stdout_json(&trail)["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        events,
        ["created", "completed", "link_created", "link_revoked"]
    );
    let table = kt()
        .args(["export-jobs", "audit", "--id", &id, "-o", "table"])
        .output()
        .unwrap();
    let text = stdout(&table);
    assert!(text.contains("link_revoked  user:u_cli"), "{text}");
}
