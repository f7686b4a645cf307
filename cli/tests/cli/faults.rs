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
