//! Query strings, read by hand so every mistake is a 400 problem that names
//! the parameter (not an extractor's plain-text rejection).
use super::problem::{ApiError, FieldError};
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;

/// The raw query as key/value pairs.
pub type RawQuery = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// The query's parameters, each at most once and all of them in `known`.
pub fn params<'a>(
    query: &'a RawQuery,
    known: &[&str],
) -> Result<Vec<(&'a str, &'a str)>, ApiError> {
    let pairs = query.as_ref().map_err(|e| ApiError::BadRequest {
        detail: format!("the query string is malformed: {e}"),
        errors: vec![],
    })?;
    let mut seen: Vec<(&str, &str)> = Vec::new();
    let mut errors = Vec::new();
    for (k, v) in pairs.0.iter() {
        if !known.contains(&k.as_str()) {
            errors.push(FieldError::new(k, "unknown query parameter"));
        } else if seen.iter().any(|(s, _)| s == k) {
            errors.push(FieldError::new(k, "given more than once"));
        } else {
            seen.push((k, v));
        }
    }
    if errors.is_empty() {
        Ok(seen)
    } else {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        Err(ApiError::BadRequest { detail, errors })
    }
}

/// A query that must be empty: a route that takes no parameter names any
/// it is given in a 400, as [`params`] does, rather than ignoring it.
pub fn none(query: &RawQuery) -> Result<(), ApiError> {
    params(query, &[]).map(|_| ())
}

/// The value of `name`, if given.
pub fn get<'a>(params: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}
