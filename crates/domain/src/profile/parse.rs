//! Reading a profile: serde for the shape (an unknown field or value named
//! by its path), then the bounds serde cannot state (`validate`).
use super::{ComplianceProfile, MAX_LIST, MAX_TEXT_CHARS, ProfileError, VersionedProfile};
use crate::ExportFormat;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Parses a profile body, naming the field of the first error.
pub fn parse_profile(body: &[u8]) -> Result<ComplianceProfile, ProfileError> {
    if !body.trim_ascii_start().starts_with(b"{") {
        return Err(ProfileError {
            field: "body".into(),
            message: "must be a JSON object".into(),
        });
    }
    // JSON first, so that a shape error below is never a syntax error's
    // words, nor a syntax error one of shape (an unknown field before it).
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        return Err(ProfileError {
            field: "body".into(),
            message: format!(
                "is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        });
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    let profile: ComplianceProfile = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = clean_serde_message(&inner.to_string());
        // For an unknown field the path names the parent; the message names the field.
        let field = match unknown_field_name(&message) {
            Some(name) if path == "." => name,
            Some(name) if path == name || path.ends_with(&format!(".{name}")) => path,
            Some(name) => format!("{path}.{name}"),
            None if path == "." => "body".to_string(),
            None => path,
        };
        let (field, message) = super::wording::plain(field, &message);
        ProfileError { field, message }
    })?;
    profile.validate()?;
    Ok(profile)
}

/// Reads a profile as `GET /v1/compliance-profile` answers it (its
/// `version`, `updated_at` and `profile`; other fields ignored), e.g. a file an
/// auditor saved. `Ok(None)`: the tenant has never set one (`version` null);
/// an object without `version` is refused.
pub fn parse_profile_view(body: &[u8]) -> Result<Option<VersionedProfile>, ProfileError> {
    let error = |field: &str, message: &str| ProfileError {
        field: field.into(),
        message: message.into(),
    };
    let view: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| error("body", "must be a JSON object"))?;
    let version = match view.get("version") {
        // A profile body, a job or any other JSON would read as "no
        // profile" and the report would say so: only the answer's null is.
        None => {
            return Err(error(
                "version",
                "missing: expected the answer of GET /v1/compliance-profile (version, updated_at, profile), version null when none was declared",
            ));
        }
        Some(serde_json::Value::Null) => return Ok(None),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| error("version", "must be a positive integer"))?,
    };
    let updated_at = view
        .get("updated_at")
        .and_then(|t| t.as_str())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .ok_or_else(|| error("updated_at", "must be an RFC 3339 time"))?
        .with_timezone(&Utc);
    let body = serde_json::to_vec(view.get("profile").unwrap_or(&serde_json::Value::Null))
        .map_err(|e| error("profile", &e.to_string()))?;
    let profile = parse_profile(&body).map_err(|e| ProfileError {
        field: format!("profile.{}", e.field),
        message: e.message,
    })?;
    Ok(Some(VersionedProfile {
        version,
        updated_at,
        profile,
    }))
}

fn clean_serde_message(m: &str) -> String {
    // serde_json appends " at line L column C"; a field name says more.
    match m.rfind(" at line ") {
        Some(i) => m[..i].to_string(),
        None => m.to_string(),
    }
}

fn unknown_field_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    Some(rest.split('`').next()?.to_string())
}

impl ComplianceProfile {
    /// Bounds and shapes serde cannot state.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let err = |field: String, message: &str| ProfileError {
            field,
            message: message.to_string(),
        };
        let text = |field: String, v: &str| -> Result<(), ProfileError> {
            if v.trim().is_empty() {
                return Err(err(field, "must not be empty"));
            }
            if v.chars().count() > MAX_TEXT_CHARS || v.chars().any(char::is_control) {
                return Err(err(
                    field,
                    "must be at most 500 characters, without control characters",
                ));
            }
            Ok(())
        };
        let list = |field: &str, n: usize| -> Result<(), ProfileError> {
            if n > MAX_LIST {
                return Err(err(field.to_string(), "has more than 200 entries"));
            }
            Ok(())
        };
        for (i, p) in self.providers.iter().flatten().enumerate() {
            let f = format!("providers[{i}]");
            text(format!("{f}.provider"), &p.provider)?;
            list(&format!("{f}.regions"), p.regions.len())?;
            for (j, r) in p.regions.iter().enumerate() {
                text(format!("{f}.regions[{j}]"), r)?;
            }
            if let Some(d) = &p.dpa_ref {
                text(format!("{f}.dpa_ref"), d)?;
            }
            for (j, c) in p.certifications.iter().enumerate() {
                text(format!("{f}.certifications[{j}]"), c)?;
            }
        }
        list("providers", self.providers.as_ref().map_or(0, Vec::len))?;
        list("ai_systems", self.ai_systems.as_ref().map_or(0, Vec::len))?;
        for (i, s) in self.ai_systems.iter().flatten().enumerate() {
            text(format!("ai_systems[{i}].name"), &s.name)?;
            text(format!("ai_systems[{i}].annex_iii"), &s.annex_iii)?;
        }
        list(
            "notifications",
            self.notifications.as_ref().map_or(0, Vec::len),
        )?;
        for (i, n) in self.notifications.iter().flatten().enumerate() {
            text(format!("notifications[{i}].reference"), &n.reference)?;
            list(&format!("notifications[{i}].covers"), n.covers.len())?;
            for (j, c) in n.covers.iter().enumerate() {
                text(format!("notifications[{i}].covers[{j}]"), c)?;
            }
        }
        if let Some(r) = &self.retention {
            if r.log_days == Some(0) {
                return Err(err("retention.log_days".into(), "must be at least 1"));
            }
            if r.evidence_days
                .is_some_and(|d| d > crate::MAX_RETENTION_DAYS)
            {
                return Err(err(
                    "retention.evidence_days".into(),
                    "must be at most 3650 (ten years)",
                ));
            }
            if let Some(p) = &r.policy_ref {
                text("retention.policy_ref".into(), p)?;
            }
        }
        if let Some(s) = &self.security {
            for (name, v) in [
                ("measures_ref", &s.measures_ref),
                ("intrusion_detection", &s.intrusion_detection),
                ("access_rights_process", &s.access_rights_process),
            ] {
                if let Some(v) = v {
                    text(format!("security.{name}"), v)?;
                }
            }
        }
        if let Some(s) = &self.schedule {
            // `[]` ran the default bundle and a repeated format ran twice:
            // neither is what the tenant wrote, so both are refused.
            if s.formats.as_ref().is_some_and(Vec::is_empty) {
                return Err(err(
                    "schedule.formats".into(),
                    "must list at least one format; leave it out for [\"compliance-all\"], or set \"enabled\": false to pause the quarterly exports",
                ));
            }
            for (i, f) in s.formats.iter().flatten().enumerate() {
                if s.formats
                    .iter()
                    .flatten()
                    .take(i)
                    .any(|earlier| earlier == f)
                {
                    return Err(err(
                        format!("schedule.formats[{i}]"),
                        &format!("{f} is listed twice; each format is exported once a quarter"),
                    ));
                }
                if matches!(f, ExportFormat::Csv | ExportFormat::Json) {
                    return Err(err(
                        format!("schedule.formats[{i}]"),
                        "scheduled exports are compliance formats (compliance-all, compliance-aesia, compliance-aepd, compliance-ens)",
                    ));
                }
            }
            if let Some(z) = &s.timezone
                && z.parse::<Tz>().is_err()
            {
                return Err(err(
                    "schedule.timezone".into(),
                    "must be an IANA time zone name, e.g. Europe/Madrid",
                ));
            }
            if let Some(d) = s.expires_in_days
                && !(1..=30).contains(&d)
            {
                return Err(err(
                    "schedule.expires_in_days".into(),
                    "must be between 1 and 30",
                ));
            }
        }
        Ok(())
    }
}
