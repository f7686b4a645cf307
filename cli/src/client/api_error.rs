//! An error answer, read as the kt-exports API's problem+json (RFC 9457):
//! its status (for the exit code), what it says, and what to do next. An
//! answer that is not one of the API's problems (a wrong `--api-url`, another
//! server) is said to be so, quoting only a short snippet of its body.
use crate::exit::ExitKind;
use reqwest::{Response, StatusCode};
use serde::Deserialize;
use std::time::Duration;

/// The `type` of every problem the API answers.
const PROBLEM_TYPE_PREFIX: &str = "urn:kt-exports:problem:";
/// The API's answer to a path it has no route for (not a missing job).
const NO_SUCH_ROUTE: &str = "urn:kt-exports:problem:not-found";
/// At most this much of a body that is not the API's problem is quoted.
const SNIPPET_CHARS: usize = 120;

/// The API answered with an error (problem+json, RFC 9457), or something
/// that is not the API did.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.message())]
pub struct ApiError {
    pub status: StatusCode,
    pub title: String,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// `Retry-After` in seconds, when the API sent one (429, 503).
    pub retry_after: Option<Duration>,
    /// The problem's `type` (`urn:kt-exports:problem:<slug>`), if it had one.
    pub kind: Option<String>,
    /// The URL asked, without its query.
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Deserialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: Option<String>,
    title: Option<String>,
    detail: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

impl ApiError {
    pub fn exit_kind(&self) -> ExitKind {
        match self.status.as_u16() {
            400 | 422 => ExitKind::Usage,
            401 | 403 => ExitKind::Auth,
            404 if self.is_missing_resource() => ExitKind::NotFound,
            // No API at that URL: a configuration problem, told apart from
            // "no such job" so a script does not conclude the job is gone.
            404 => ExitKind::Network,
            _ => ExitKind::Other,
        }
    }

    /// Worth asking again later: throttling and server-side failures.
    pub fn is_transient(&self) -> bool {
        matches!(self.status.as_u16(), 429 | 500 | 502 | 503 | 504)
    }

    /// One of the API's own problems (by its `type`).
    fn is_from_the_api(&self) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| k.starts_with(PROBLEM_TYPE_PREFIX))
    }

    /// The API's 404 for a job, link or version it does not have; not its
    /// 404 for a path it has no route for, nor another server's.
    fn is_missing_resource(&self) -> bool {
        self.is_from_the_api() && self.kind.as_deref() != Some(NO_SUCH_ROUTE)
    }

    fn message(&self) -> String {
        let code = self.status.as_u16();
        if code == 404 && !self.is_missing_resource() {
            return self.not_the_api_message();
        }
        let mut text = format!("{} ({code})", self.title);
        if !self.detail.is_empty() {
            text.push_str(&format!(": {}", self.detail));
        }
        // The detail usually says each field's problem already; only what it
        // does not say is listed below it.
        for e in &self.errors {
            let said = format!("{}: {}", e.field, e.message);
            if !self.detail.contains(&said) {
                text.push_str(&format!("\n  {said}"));
            }
        }
        let hint = match code {
            401 => "get a new token (locally: `kt dev token --tenant acme`) and set KT_TOKEN or run `kt login --token-stdin`".to_string(),
            403 => "this needs a token with the exports:read and exports:write scopes".into(),
            404 if self.kind.as_deref().is_some_and(|k| k.ends_with(":link-not-found")) => {
                "check the link's id with `kt export-jobs links JOB_ID`".into()
            }
            404 => "check the id with `kt export-jobs list`".into(),
            429 => format!(
                "wait for running jobs to finish (`kt export-jobs list --status processing`){}",
                self.retry_after
                    .map(|d| format!(" or retry in {} s", d.as_secs()))
                    .unwrap_or_default()
            ),
            c if c >= 500 => "the service had a problem; try again in a moment".into(),
            _ => String::new(),
        };
        if !hint.is_empty() {
            text.push_str(&format!("\n  hint: {hint}"));
        }
        text
    }

    /// A 404 that is not about a job: the URL is not the API's.
    fn not_the_api_message(&self) -> String {
        let check = "check --api-url / KT_API_URL: the API's base URL, without /v1 (locally http://127.0.0.1:3000)";
        let (said, hint) = if self.is_from_the_api() {
            (
                "the kt-exports API has no such route (HTTP 404)".to_string(),
                format!("{check}; or the API is older than this kt"),
            )
        } else if self.detail.is_empty() {
            (
                "the server did not answer as the kt-exports API (HTTP 404)".to_string(),
                check.to_string(),
            )
        } else {
            (
                format!(
                    "the server did not answer as the kt-exports API (HTTP 404: {})",
                    self.detail
                ),
                check.to_string(),
            )
        };
        format!("{}: {said}\n  hint: {hint}", self.url)
    }
}

/// The status, problem and `Retry-After` of a non-2xx answer.
pub async fn api_error(response: Response) -> ApiError {
    let status = response.status();
    let mut url = response.url().clone();
    url.set_query(None);
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let bytes = response.bytes().await.unwrap_or_default();
    let problem = serde_json::from_slice::<Problem>(&bytes).ok();
    let fallback_title = status
        .canonical_reason()
        .unwrap_or("request failed")
        .to_string();
    let ours = problem.as_ref().is_some_and(|p| {
        p.kind
            .as_deref()
            .is_some_and(|k| k.starts_with(PROBLEM_TYPE_PREFIX))
    });
    match problem {
        Some(p) if ours => ApiError {
            status,
            title: p.title.unwrap_or(fallback_title),
            detail: p.detail.unwrap_or_default(),
            errors: p.errors,
            retry_after,
            kind: p.kind,
            url: url.to_string(),
        },
        // Another server's JSON (a gateway's, a proxy's problem): its words
        // if it has some, quoted short.
        Some(p) => ApiError {
            status,
            title: p.title.map_or(fallback_title, |t| snippet(&t)),
            detail: snippet(
                &p.detail
                    .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into()),
            ),
            errors: vec![],
            retry_after,
            kind: p.kind,
            url: url.to_string(),
        },
        None => ApiError {
            status,
            title: fallback_title,
            detail: snippet(&String::from_utf8_lossy(&bytes)),
            errors: vec![],
            retry_after,
            kind: None,
            url: url.to_string(),
        },
    }
}

/// A body quoted in a message: on one line, without control characters,
/// at most [`SNIPPET_CHARS`] characters (an HTML page or an S3 XML error
/// is not printed whole).
fn snippet(body: &str) -> String {
    let words: Vec<&str> = body
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    let line = words.join(" ");
    if line.chars().count() <= SNIPPET_CHARS {
        line
    } else {
        let cut: String = line.chars().take(SNIPPET_CHARS).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// One of the API's problems, with `status`.
    pub fn error(status: u16) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(status).unwrap(),
            title: "t".into(),
            detail: "d".into(),
            errors: vec![],
            retry_after: Some(Duration::from_secs(30)),
            kind: Some("urn:kt-exports:problem:job-not-found".into()),
            url: "http://127.0.0.1:3000/v1/export-jobs/job_x".into(),
        }
    }

    #[test]
    fn a_field_problem_the_detail_already_says_is_said_once() {
        // Before: "... (422): date_from: the start is after the end" and the
        // same words again on the next line.
        let e = ApiError {
            detail: "date_from: the start is after the end".into(),
            errors: vec![
                FieldError {
                    field: "date_from".into(),
                    message: "the start is after the end".into(),
                },
                FieldError {
                    field: "label".into(),
                    message: "must be at most 200 characters".into(),
                },
            ],
            ..error(422)
        };
        let text = e.to_string();
        assert_eq!(
            text.matches("the start is after the end").count(),
            1,
            "{text}"
        );
        assert!(
            text.contains("\n  label: must be at most 200 characters"),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_link_points_at_the_links_not_at_the_jobs() {
        let link = ApiError {
            kind: Some("urn:kt-exports:problem:link-not-found".into()),
            ..error(404)
        };
        assert!(link.to_string().contains("kt export-jobs links"), "{link}");
        assert!(error(404).to_string().contains("kt export-jobs list"));
    }

    #[test]
    fn statuses_map_to_the_documented_exit_codes() {
        assert_eq!(error(400).exit_kind(), ExitKind::Usage);
        assert_eq!(error(422).exit_kind(), ExitKind::Usage);
        assert_eq!(error(401).exit_kind(), ExitKind::Auth);
        assert_eq!(error(403).exit_kind(), ExitKind::Auth);
        assert_eq!(error(404).exit_kind(), ExitKind::NotFound);
        let route = ApiError {
            kind: Some(NO_SUCH_ROUTE.into()),
            ..error(404)
        };
        assert_eq!(route.exit_kind(), ExitKind::Network);
        let foreign = ApiError {
            kind: None,
            ..error(404)
        };
        assert_eq!(foreign.exit_kind(), ExitKind::Network);
        assert_eq!(error(409).exit_kind(), ExitKind::Other);
        assert_eq!(error(503).exit_kind(), ExitKind::Other);
    }

    #[test]
    fn a_404_that_is_not_the_apis_problem_points_at_the_api_url_not_at_the_jobs() {
        for kind in [None, Some(NO_SUCH_ROUTE.to_string())] {
            let e = ApiError { kind, ..error(404) };
            let text = e.to_string();
            assert!(text.contains("check --api-url / KT_API_URL"), "{text}");
            assert!(
                text.starts_with("http://127.0.0.1:3000/v1/export-jobs/job_x: "),
                "{text}"
            );
            assert!(!text.contains("kt export-jobs list"), "{text}");
        }
    }

    #[test]
    fn a_foreign_body_is_quoted_as_a_short_line() {
        let xml = format!(
            "<?xml version=\"1.0\"?>\n<Error><Code>NoSuchBucket</Code>\r\n<Message>{}</Message></Error>",
            "x".repeat(500)
        );
        let quoted = snippet(&xml);
        assert!(
            quoted.starts_with("<?xml version=\"1.0\"?> <Error><Code>NoSuchBucket"),
            "{quoted}"
        );
        assert!(quoted.ends_with("...") && quoted.chars().count() == SNIPPET_CHARS + 3);
        assert!(!quoted.contains(['\n', '\r']));
        assert_eq!(snippet("  short\n body "), "short body");
    }
}
