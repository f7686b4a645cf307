//! `POST /v1/export-jobs`: the request body, its validation (400 vs 422 as
//! the API contract draws the line, as `docs/openapi.yaml` states it) and the job it becomes.
use super::auth::Caller;
use super::problem::{ApiError, FieldError};
use crate::job_creation::{ExportRequest, Requester};
use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use kt_domain::{DateBound, ExportFormat, ExportType, Window, WindowError};
use serde_json::{Map, Value};

pub const MAX_LABEL_CHARS: usize = 200;
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;
pub const DEFAULT_EXPIRES_IN_DAYS: u32 = 7;
pub const EXPIRES_IN_DAYS: std::ops::RangeInclusive<u64> = 1..=30;
const FIELDS: [&str; 8] = [
    "type",
    "format",
    "date_from",
    "date_to",
    "timezone",
    "label",
    "expires_in_days",
    "retention_days",
];

/// The `Idempotency-Key` header, if any: 1..=255 visible ASCII characters,
/// given once. An empty or blank key is a 400, never "no key" (which would
/// create a second job on a retry); so are two keys, of which the store
/// would keep one silently. (API Gateway's payload 2.0 joins repeated
/// headers with a comma before the function sees them: there the two keys
/// arrive as one, `a,b`.)
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let mut values = headers.get_all("idempotency-key").iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let bad = |msg: &str| ApiError::bad_request("Idempotency-Key", msg);
    if values.next().is_some() {
        return Err(bad("given more than once; send one key"));
    }
    let key = value
        .to_str()
        .map_err(|_| bad("must be visible ASCII characters"))?;
    if key.trim().is_empty() {
        return Err(bad(
            "must not be empty or blank; send a key of 1 to 255 visible characters, or no header",
        ));
    }
    if key.len() > MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(bad("must be at most 255 characters"));
    }
    // API Gateway joins a repeated header with ", ": refusing the comma makes
    // two keys a 400 there as here, instead of one key "a,b".
    if key.contains(',') {
        return Err(bad(
            "must not contain a comma (two keys joined by a proxy look like one)",
        ));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad(
            "must be visible ASCII characters, without spaces or tabs",
        ));
    }
    Ok(Some(key.to_string()))
}

impl ExportRequest {
    /// Parses the raw body. Every problem with the body is a 400, listing each field.
    pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Self, ApiError> {
        if !is_json(headers) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let body = without_bom(body);
        let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
            detail: format!("the body is not valid JSON: {e}"),
            errors: vec![],
        })?;
        let Value::Object(obj) = value else {
            return Err(ApiError::BadRequest {
                detail: "the body must be a JSON object".into(),
                errors: vec![],
            });
        };
        let mut fields = Fields {
            obj,
            errors: repeated_members(body)
                .iter()
                .map(|name| FieldError::new(name, "given more than once"))
                .collect(),
        };
        let export_type = fields.required("type", |s| match s {
            "events" => Ok(ExportType::Events),
            _ => Err("must be \"events\"".into()),
        });
        let format = fields.required("format", |s| {
            ExportFormat::parse(s).ok_or_else(|| {
                let all: Vec<&str> = ExportFormat::ALL.iter().map(|f| f.as_str()).collect();
                format!("must be one of {}", all.join(", "))
            })
        });
        let date_from = fields.required("date_from", parse_bound);
        let date_to = fields.required("date_to", parse_bound);
        let timezone = fields
            .optional_str("timezone", |s| {
                s.parse::<Tz>()
                    .map_err(|_| "unknown IANA time zone (e.g. Europe/Madrid, UTC)".into())
            })
            .map(|tz| tz.unwrap_or(Tz::UTC));
        let label = fields.optional_str("label", |s| {
            if s.chars().count() > MAX_LABEL_CHARS {
                Err(format!("must be at most {MAX_LABEL_CHARS} characters"))
            } else if let Some(why) = crate::http::readable::unreadable(s) {
                Err(why.to_string())
            } else {
                Ok(s.to_string())
            }
        });
        let expires_in_days = fields.expires_in_days();
        let retention_days = fields.retention_days();
        for key in fields.obj.keys() {
            if !FIELDS.contains(&key.as_str()) {
                fields.errors.push(FieldError::new(key, "unknown field"));
            }
        }
        match (
            export_type,
            format,
            date_from,
            date_to,
            timezone,
            label,
            expires_in_days,
        ) {
            (
                Some(export_type),
                Some(format),
                Some(date_from),
                Some(date_to),
                Some(timezone),
                Some(label),
                Some(expires_in_days),
            ) if fields.errors.is_empty() => Ok(Self {
                retention_days: retention_days.flatten(),
                export_type,
                format,
                date_from,
                date_to,
                timezone,
                label,
                expires_in_days,
            }),
            _ => Err(ApiError::BadRequest {
                detail: describe(&fields.errors),
                errors: fields.errors,
            }),
        }
    }

    /// Only compliance formats may be retained: a well-formed request that
    /// asks to keep a raw csv/json export past the 30-day maximum is a 422.
    pub fn check_retention(&self) -> Result<(), ApiError> {
        match self.retention_days {
            Some(days) if days > 0 && !self.format.can_be_retained() => {
                let error = FieldError::new(
                    "retention_days",
                    format!(
                        "only compliance formats can be retained; {} exports keep the 30-day maximum",
                        self.format
                    ),
                );
                Err(ApiError::Unprocessable {
                    detail: describe(std::slice::from_ref(&error)),
                    errors: vec![error],
                })
            }
            _ => Ok(()),
        }
    }

    /// The window the job will cover; the window rules are 422s.
    pub fn window(&self, now: DateTime<Utc>) -> Result<Window, ApiError> {
        self.resolve_window(now).map_err(|e| {
            let field = match e {
                WindowError::StartAfterEnd | WindowError::TooEarly => "date_from",
                _ => "date_to",
            };
            let error = FieldError::new(field, e.to_string());
            match e {
                WindowError::Unparseable
                | WindowError::NoSuchDay
                | WindowError::LeapSecond
                | WindowError::UnknownZone => ApiError::BadRequest {
                    detail: describe(std::slice::from_ref(&error)),
                    errors: vec![error],
                },
                _ => ApiError::Unprocessable {
                    detail: describe(std::slice::from_ref(&error)),
                    errors: vec![error],
                },
            }
        })
    }
}

/// A caller creates jobs in its own tenant, under its own name.
impl From<&Caller> for Requester {
    fn from(caller: &Caller) -> Self {
        Self {
            tenant: caller.tenant.clone(),
            created_by: caller.sub.clone(),
            origin: None,
        }
    }
}

/// Top-level member names a JSON object body gives more than once, in order.
/// serde_json keeps the last one silently, so `{"format": "csv", "format":
/// "json"}` was a json export; other parsers keep the first. A body that says
/// two things is a 400, as a repeated query parameter is (docs/decisions.md)
/// and as `PUT /v1/compliance-profile` already answered.
pub(super) fn repeated_members(body: &[u8]) -> Vec<String> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct Repeated(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Repeated {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Names;
            impl<'de> Visitor<'de> for Names {
                type Value = Repeated;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Repeated, A::Error> {
                    let mut seen = std::collections::HashSet::new();
                    let mut repeated = Vec::new();
                    while let Some(name) = map.next_key::<String>()? {
                        map.next_value::<IgnoredAny>()?;
                        if !seen.insert(name.clone()) && !repeated.contains(&name) {
                            repeated.push(name);
                        }
                    }
                    Ok(Repeated(repeated))
                }
            }
            d.deserialize_map(Names)
        }
    }
    serde_json::from_slice::<Repeated>(body)
        .map(|r| r.0)
        .unwrap_or_default()
}

/// A JSON media type (`application/json`, `application/*+json`) in UTF-8:
/// JSON between systems is UTF-8 (RFC 8259 §8.1), so a body declared in
/// another charset is refused (415) rather than read as UTF-8 regardless.
pub(super) fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut parts = ct.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let utf8 = parts.all(|p| match p.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            let value = value.trim().trim_matches('"');
            value.eq_ignore_ascii_case("utf-8") || value.eq_ignore_ascii_case("utf8")
        }
        _ => true,
    });
    utf8 && (essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json")))
}

/// The body without a leading UTF-8 byte-order mark, which RFC 8259 lets a
/// parser ignore and some Windows tools write: such a body was a 400
/// "expected value at line 1 column 1" that did not say why.
pub(super) fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

fn parse_bound(s: &str) -> Result<DateBound, String> {
    DateBound::parse(s).map_err(|e| e.to_string())
}

fn describe(errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    if parts.is_empty() {
        "the request is invalid".into()
    } else {
        parts.join("; ")
    }
}

/// The body's object, read field by field; errors are collected, not returned
/// at the first one, so a caller can fix everything in one go.
struct Fields {
    obj: Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Fields {
    fn fail<T>(&mut self, field: &str, message: impl Into<String>) -> Option<T> {
        self.errors.push(FieldError::new(field, message));
        None
    }

    fn required<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match self.obj.get(field) {
            None | Some(Value::Null) => self.fail(field, "is required"),
            Some(Value::String(s)) => match parse(s) {
                Ok(v) => Some(v),
                Err(m) => self.fail(field, m),
            },
            Some(_) => self.fail(field, "must be a string"),
        }
    }

    /// `Some(None)` when absent or null, `None` when invalid.
    fn optional_str<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match self.obj.get(field) {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(s)) => match parse(s) {
                Ok(v) => Some(Some(v)),
                Err(m) => self.fail(field, m),
            },
            Some(_) => self.fail(field, "must be a string"),
        }
    }

    /// `Some(None)` when absent or null; 0 keeps the export from being
    /// retained whatever the tenant's default.
    fn retention_days(&mut self) -> Option<Option<u32>> {
        const FIELD: &str = "retention_days";
        const RANGE: &str = "must be between 0 and 3650 (ten years)";
        match self.obj.get(FIELD) {
            None | Some(Value::Null) => Some(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(d) if d <= u64::from(kt_domain::MAX_RETENTION_DAYS) => Some(Some(d as u32)),
                Some(_) => self.fail(FIELD, RANGE),
                None if n.is_i64() => self.fail(FIELD, RANGE),
                None => self.fail(FIELD, "must be an integer"),
            },
            Some(_) => self.fail(FIELD, "must be an integer"),
        }
    }

    fn expires_in_days(&mut self) -> Option<u32> {
        const FIELD: &str = "expires_in_days";
        match self.obj.get(FIELD) {
            None | Some(Value::Null) => Some(DEFAULT_EXPIRES_IN_DAYS),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(d) if EXPIRES_IN_DAYS.contains(&d) => u32::try_from(d).ok(),
                Some(_) => self.fail(FIELD, "must be between 1 and 30"),
                None if n.is_i64() => self.fail(FIELD, "must be between 1 and 30"),
                None => self.fail(FIELD, "must be an integer"),
            },
            Some(_) => self.fail(FIELD, "must be an integer"),
        }
    }
}

#[cfg(test)]
mod tests;
