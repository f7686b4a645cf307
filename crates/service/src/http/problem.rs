//! Every error the API returns, as `application/problem+json` (RFC 9457).
//!
//! One enum, mapped to status, type and title in one place ([`ApiError::parts`]),
//! so no handler chooses a status code by hand.
use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kt_engine::ErrorChain;
use kt_store::StoreError;
use serde::Serialize;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";
/// Seconds a caller should wait after a 503.
const RETRY_AFTER_UNAVAILABLE: u32 = 2;
/// Seconds a caller should wait after a 429 (jobs take a while to finish).
const RETRY_AFTER_TOO_MANY: u32 = 30;

/// One invalid input: which field (or header / query parameter) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("the token lacks the {0} scope")]
    Forbidden(&'static str),
    /// The request is malformed: body, field types and ranges, unparseable dates or zone.
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// Well-formed, but cannot be done (window rules, idempotency mismatch).
    #[error("{detail}")]
    Unprocessable {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("no such export job")]
    JobNotFound,
    #[error("no such share link")]
    LinkNotFound,
    /// A share link that no longer opens anything (revoked, expired, unknown).
    #[error("{0}")]
    LinkGone(String),
    /// A manifest without a trusted timestamp token (none configured, or the
    /// TSA did not answer): the detail says which.
    #[error("{0}")]
    TimestampNotFound(String),
    /// A compliance-profile version the tenant never had.
    #[error("{0}")]
    ProfileVersionNotFound(String),
    #[error("no such route")]
    RouteNotFound,
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// The job is not in a state that allows the request.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Gone(String),
    #[error("the tenant already has {0} export jobs queued or processing")]
    TooManyActive(u32),
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    /// The store or queue failed; the cause is logged, never returned.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ApiError {
    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::BadRequest {
            detail: format!("{field}: {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    }

    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    /// Status, problem `type` slug and `title`: the one place they are chosen.
    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized"),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Missing scope"),
            Self::BadRequest { .. } => (
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "Invalid request",
            ),
            Self::Unprocessable { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "unprocessable-request",
                "Request cannot be processed",
            ),
            Self::JobNotFound => (
                StatusCode::NOT_FOUND,
                "job-not-found",
                "Export job not found",
            ),
            Self::LinkNotFound => (
                StatusCode::NOT_FOUND,
                "link-not-found",
                "Share link not found",
            ),
            Self::LinkGone(_) => (
                StatusCode::GONE,
                "share-link-gone",
                "Share link no longer valid",
            ),
            Self::TimestampNotFound(_) => (
                StatusCode::NOT_FOUND,
                "timestamp-not-found",
                "No trusted timestamp",
            ),
            Self::ProfileVersionNotFound(_) => (
                StatusCode::NOT_FOUND,
                "profile-version-not-found",
                "No such profile version",
            ),
            Self::RouteNotFound => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            Self::Conflict(_) => (
                StatusCode::CONFLICT,
                "job-state-conflict",
                "Job state does not allow this",
            ),
            Self::Gone(_) => (StatusCode::GONE, "export-expired", "Export expired"),
            Self::PayloadTooLarge(_) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "Request body too large",
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
            ),
            Self::TooManyActive(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-active-jobs",
                "Too many active export jobs",
            ),
            Self::Store(e) if e.is_retryable() => (
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily-unavailable",
                "Temporarily unavailable",
            ),
            Self::Store(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal-error",
                "Internal error",
            ),
        }
    }

    /// What the caller reads: never a store's internals.
    fn detail(&self) -> String {
        match self {
            Self::Store(e) if e.is_retryable() => {
                "The service is temporarily unavailable; try again shortly.".into()
            }
            Self::Store(_) => "An internal error occurred; it has been logged.".into(),
            other => other.to_string(),
        }
    }

    fn retry_after(&self) -> Option<u32> {
        match self {
            Self::TooManyActive(_) => Some(RETRY_AFTER_TOO_MANY),
            Self::Store(e) if e.is_retryable() => Some(RETRY_AFTER_UNAVAILABLE),
            _ => None,
        }
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
}

/// A request body that could not be read: 413 past the routes' limit
/// (`MAX_BODY_BYTES`), else a 400 saying so. One mapping for every route
/// that takes a body (create, share links, the compliance profile).
impl From<BytesRejection> for ApiError {
    fn from(e: BytesRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(super::MAX_BODY_BYTES)
        } else {
            ApiError::BadRequest {
                detail: format!("the body could not be read: {e}"),
                errors: vec![],
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, slug, title) = self.parts();
        if let Self::Store(e) = &self {
            tracing::error!(error = %ErrorChain(e), retryable = e.is_retryable(), "store error");
        }
        let errors = match &self {
            Self::BadRequest { errors, .. } | Self::Unprocessable { errors, .. } => {
                Some(errors.as_slice())
            }
            _ => None,
        };
        let body = Problem {
            kind: format!("urn:kt-exports:problem:{slug}"),
            title,
            status: status.as_u16(),
            detail: self.detail(),
            errors,
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
