//! The real API behind a small proxy that injects failures: `wait` survives
//! a 503 (honouring its Retry-After) and a dropped connection; a server that
//! never answers hits the HTTP timeout (exit 7).
use crate::stack::{LAKE_DAY, with_worker};
use crate::{stderr, stdout_json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Reads one request head (the CLI's GETs have no body).
fn read_head(stream: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    head
}

/// Answers request 0 with a 503 (`Retry-After: retry_after`), drops request 1
/// without an answer, and forwards the rest to `upstream`, one per connection.
fn flaky_proxy(upstream: String, retry_after: u64) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let upstream = upstream.trim_start_matches("http://").to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { continue };
            let head = read_head(&mut client);
            match counter.fetch_add(1, Ordering::SeqCst) {
                0 => {
                    let body = r#"{"type":"about:blank","title":"Service unavailable","status":503,"detail":"try again"}"#;
                    let _ = write!(
                        client,
                        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n\
                         Retry-After: {retry_after}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
                1 => drop(client),
                _ => {
                    let text = String::from_utf8_lossy(&head);
                    let mut lines = text.split("\r\n");
                    let mut request = format!("{}\r\nConnection: close\r\n", lines.next().unwrap());
                    for line in lines.filter(|l| !l.is_empty()) {
                        if !line.to_ascii_lowercase().starts_with("connection:") {
                            request.push_str(line);
                            request.push_str("\r\n");
                        }
                    }
                    request.push_str("\r\n");
                    let mut server = TcpStream::connect(&upstream).unwrap();
                    server.write_all(request.as_bytes()).unwrap();
                    let mut response = Vec::new();
                    server.read_to_end(&mut response).unwrap();
                    let _ = client.write_all(&response);
                }
            }
        }
    });
    (base, seen)
}

#[test]
fn waiting_survives_a_503_and_a_dropped_connection_and_honours_retry_after() {
    let s = with_worker();
    let dir = tempfile::tempdir().unwrap();
    let created = s
        .kt(&s.lake_tenant, dir.path())
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
    assert!(created.status.success(), "{}", stderr(&created));
    let id = stdout_json(&created)["id"].as_str().unwrap().to_string();

    let (proxy, seen) = flaky_proxy(s.base.clone(), 4);
    let started = Instant::now();
    let waited = s
        .kt(&s.lake_tenant, dir.path())
        .args(["export-jobs", "wait", "--id", &id, "--api-url", &proxy])
        .output()
        .unwrap();
    let err = stderr(&waited);
    assert_eq!(waited.status.code(), Some(0), "{err}");
    assert_eq!(stdout_json(&waited)["status"], "completed");
    assert!(
        err.contains("(503): try again") && err.contains("retrying in 4 s"),
        "{err}"
    );
    assert!(
        err.contains("cannot reach"),
        "the dropped connection is reported: {err}"
    );
    // 4 s asked by Retry-After, then at least 1.5 s of backoff after the drop.
    assert!(
        started.elapsed() >= Duration::from_millis(5_500),
        "{:?}",
        started.elapsed()
    );
    assert!(seen.load(Ordering::SeqCst) >= 3);
}

#[test]
fn a_zero_http_timeout_is_refused_naming_the_flag() {
    // Before: 0 silently became 1 s.
    let dir = tempfile::tempdir().unwrap();
    for (flag, env) in [(Some("0"), None), (None, Some("0"))] {
        let mut cmd = crate::stack::kt_bare(dir.path());
        cmd.env("KT_TOKEN", "anything").args([
            "export-jobs",
            "list",
            "--api-url",
            "http://127.0.0.1:9",
        ]);
        if let Some(value) = flag {
            cmd.args(["--http-timeout", value]);
        }
        if let Some(value) = env {
            cmd.env("KT_HTTP_TIMEOUT", value);
        }
        let o = cmd.output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("--http-timeout"), "{}", stderr(&o));
    }
}

#[test]
fn a_server_that_never_answers_hits_the_http_timeout() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = vec![];
        for stream in silent.incoming() {
            held.push(stream);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let o = crate::stack::kt_bare(dir.path())
        .env("KT_TOKEN", "anything")
        .args([
            "export-jobs",
            "list",
            "--api-url",
            &url,
            "--http-timeout",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("did not answer within 1 s"),
        "{}",
        stderr(&o)
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// A server that is not the API: every request gets `404` with an S3-like
/// XML error whose end is `TAIL` (which must never be printed).
fn s3_like_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { continue };
            read_head(&mut client);
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>\
                 <Message>The specified key does not exist.</Message><Key>{}</Key>{TAIL}</Error>",
                "v1/export-jobs/".repeat(20)
            );
            let _ = write!(
                client,
                "HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

const TAIL: &str = "<RequestId>END-OF-THE-FOREIGN-BODY</RequestId>";

#[test]
fn a_wrong_api_url_is_a_configuration_error_not_a_missing_job() {
    // Before: exit 4 "no such job for this tenant", with a hint to
    // `kt export-jobs list` even on `list`, and the S3 body printed.
    let s = crate::stack::api_only();
    let dir = tempfile::tempdir().unwrap();
    let foreign = s3_like_server();
    let wrong_path = format!("{}/wrong", s.base);
    for url in [&foreign, &wrong_path] {
        for command in [
            vec!["export-jobs", "list"],
            vec!["export-jobs", "get", "job_01jt9x4q7w8e3r5t6y7v8z9a0b"],
        ] {
            let o = crate::stack::kt_bare(dir.path())
                .env("KT_TOKEN", crate::stack::token("acme"))
                .args(["--api-url", url])
                .args(&command)
                .output()
                .unwrap();
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(7), "{url} {command:?}: {err}");
            assert!(err.contains("check --api-url / KT_API_URL"), "{err}");
            assert!(!err.contains("kt export-jobs list"), "{err}");
            assert!(!err.contains("END-OF-THE-FOREIGN-BODY"), "{err}");
            if url == &foreign {
                assert!(
                    err.contains("did not answer as the kt-exports API (HTTP 404: <?xml"),
                    "{err}"
                );
            } else {
                assert!(err.contains("has no such route (HTTP 404)"), "{err}");
            }
        }
    }
}
