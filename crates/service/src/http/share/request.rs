//! The body of a link creation, checked member by member: every problem
//! named at its field in one 400.
use super::Result;
use crate::http::create::{is_json, repeated_members, without_bom};
use crate::http::problem::{ApiError, FieldError};
use axum::http::HeaderMap;
use kt_domain::share::MAX_NOTE_CHARS;
use serde_json::Value;

/// The body of a link creation.
pub(super) struct LinkRequest {
    pub expires_in_days: Option<u32>,
    pub note: String,
}

pub(super) fn parse_link_request(headers: &HeaderMap, body: &[u8]) -> Result<LinkRequest> {
    if !is_json(headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = without_bom(body);
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return Err(ApiError::BadRequest {
            detail: "the body must be a JSON object".into(),
            errors: vec![],
        });
    };
    let mut errors: Vec<FieldError> = repeated_members(body)
        .iter()
        .map(|name| FieldError::new(name, "given more than once"))
        .collect();
    for k in obj.keys() {
        if !matches!(k.as_str(), "expires_in_days" | "note") {
            errors.push(FieldError::new(k, "unknown field"));
        }
    }
    let expires_in_days = match obj.get("expires_in_days") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64().filter(|d| *d >= 1) {
            Some(d) => Some(u32::try_from(d).unwrap_or(u32::MAX)),
            None => {
                errors.push(FieldError::new(
                    "expires_in_days",
                    "must be a whole number of days from 1",
                ));
                None
            }
        },
    };
    let note = match obj.get("note") {
        Some(Value::String(s)) => {
            let note = s.trim();
            if note.is_empty() {
                errors.push(FieldError::new("note", "must name the recipient"));
            } else if note.chars().count() > MAX_NOTE_CHARS {
                errors.push(FieldError::new("note", "must be at most 200 characters"));
            } else if let Some(why) = crate::http::readable::unreadable(note) {
                errors.push(FieldError::new("note", why));
            }
            note.to_string()
        }
        None | Some(Value::Null) => {
            errors.push(FieldError::new(
                "note",
                "is required: say who the link is for",
            ));
            String::new()
        }
        Some(_) => {
            errors.push(FieldError::new("note", "must be a string"));
            String::new()
        }
    };
    if !errors.is_empty() {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ApiError::BadRequest { detail, errors });
    }
    Ok(LinkRequest {
        expires_in_days,
        note,
    })
}

#[cfg(test)]
mod body_tests {
    use super::*;
    use axum::http::{HeaderValue, header};

    #[test]
    fn a_member_given_twice_is_a_400_naming_it() {
        // Before: {"note": "a", "note": "b"} made a link for "b", silently.
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let body = br#"{"note": "Ana", "expires_in_days": 1, "note": "Bob"}"#;
        match parse_link_request(&headers, body) {
            Err(ApiError::BadRequest { errors, .. }) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["note"]);
            }
            Err(other) => panic!("expected a 400, got {other:?}"),
            Ok(_) => panic!("expected a 400, got a link request"),
        }
    }
}
