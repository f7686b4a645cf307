//! What the scheduler creates, read once at cold start from the environment.
//!
//! Kept apart from [`crate::config::Config`] because a mistake here must stop
//! the function with a clear message (a mistyped tenant would otherwise get no
//! evidence, silently), while `Config` falls back to defaults.
use crate::config::Config;
use chrono_tz::Tz;
use kt_domain::{ExportFormat, IdError, TenantId};

/// Scheduled exports stay downloadable for the API's maximum: nobody is
/// waiting for them when they finish.
pub const DEFAULT_SCHEDULE_EXPIRES_IN_DAYS: u32 = 30;

#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleConfig {
    /// `KT_SCHEDULE_TENANTS`: comma-separated tenant ids (may be empty: nothing to do).
    pub tenants: Vec<TenantId>,
    /// `KT_SCHEDULE_TIMEZONE` (default `UTC`): the zone the quarter's dates are read in.
    pub timezone: Tz,
    /// `KT_SCHEDULE_FORMATS` (default `compliance-all`): one job per tenant and format.
    pub formats: Vec<ExportFormat>,
    /// `KT_SCHEDULE_EXPIRES_IN_DAYS` (1..=30, default 30).
    pub expires_in_days: u32,
    /// `KT_MAX_ACTIVE_JOBS`, as for callers of the API.
    pub max_active_jobs: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleConfigError {
    #[error("KT_SCHEDULE_TENANTS: {value:?}: {source}")]
    Tenant { value: String, source: IdError },
    #[error("KT_SCHEDULE_TIMEZONE: {0:?} is not an IANA time zone (e.g. Europe/Madrid, UTC)")]
    Timezone(String),
    #[error(
        "KT_SCHEDULE_FORMATS: {0:?} is not a format (csv, json, compliance-aesia, compliance-aepd, compliance-ens, compliance-all)"
    )]
    Format(String),
    #[error("KT_SCHEDULE_EXPIRES_IN_DAYS: {0:?} must be an integer from 1 to 30")]
    ExpiresInDays(String),
}

impl ScheduleConfig {
    /// From the process environment; the active-job limit comes from `config`.
    pub fn from_env(config: &Config) -> Result<Self, ScheduleConfigError> {
        Self::from_vars(|name| std::env::var(name).ok(), config.max_active_jobs)
    }

    /// From any variable lookup (tests pass a map).
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        max_active_jobs: u32,
    ) -> Result<Self, ScheduleConfigError> {
        let tenants = list(var("KT_SCHEDULE_TENANTS"))
            .map(|t| {
                TenantId::parse(&t).map_err(|source| ScheduleConfigError::Tenant {
                    value: t.clone(),
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let timezone = match var("KT_SCHEDULE_TIMEZONE").filter(|v| !v.trim().is_empty()) {
            None => Tz::UTC,
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| ScheduleConfigError::Timezone(v))?,
        };
        let mut formats = list(var("KT_SCHEDULE_FORMATS"))
            .map(|f| ExportFormat::parse(&f).ok_or(ScheduleConfigError::Format(f)))
            .collect::<Result<Vec<_>, _>>()?;
        if formats.is_empty() {
            formats.push(ExportFormat::ComplianceAll);
        }
        let expires_in_days = match var("KT_SCHEDULE_EXPIRES_IN_DAYS").filter(|v| !v.is_empty()) {
            None => DEFAULT_SCHEDULE_EXPIRES_IN_DAYS,
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|d| (1..=30).contains(d))
                .ok_or(ScheduleConfigError::ExpiresInDays(v))?,
        };
        Ok(Self {
            tenants: dedup(tenants),
            timezone,
            formats: dedup(formats),
            expires_in_days,
            max_active_jobs,
        })
    }
}

/// The non-empty, trimmed items of a comma-separated list.
fn list(value: Option<String>) -> impl Iterator<Item = String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

/// Keeps the first of each, in order (a repeat would only replay).
fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(vars: &[(&str, &str)]) -> Result<ScheduleConfig, ScheduleConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ScheduleConfig::from_vars(|k| map.get(k).cloned(), 10)
    }

    #[test]
    fn defaults_are_utc_the_bundle_and_thirty_days() {
        let c = parse(&[]).unwrap();
        assert!(c.tenants.is_empty());
        assert_eq!(c.timezone, Tz::UTC);
        assert_eq!(c.formats, [ExportFormat::ComplianceAll]);
        assert_eq!(c.expires_in_days, DEFAULT_SCHEDULE_EXPIRES_IN_DAYS);
        assert_eq!(c.max_active_jobs, 10);
    }

    #[test]
    fn lists_are_trimmed_and_deduplicated_in_order() {
        let c = parse(&[
            ("KT_SCHEDULE_TENANTS", " acme, globex,,acme "),
            ("KT_SCHEDULE_TIMEZONE", "Europe/Madrid"),
            ("KT_SCHEDULE_FORMATS", "compliance-all, csv"),
            ("KT_SCHEDULE_EXPIRES_IN_DAYS", "14"),
        ])
        .unwrap();
        let names: Vec<&str> = c.tenants.iter().map(TenantId::as_str).collect();
        assert_eq!(names, ["acme", "globex"]);
        assert_eq!(c.timezone, chrono_tz::Europe::Madrid);
        assert_eq!(c.formats, [ExportFormat::ComplianceAll, ExportFormat::Csv]);
        assert_eq!(c.expires_in_days, 14);
    }

    #[test]
    fn mistakes_are_errors_that_name_the_variable_and_value() {
        let e = parse(&[("KT_SCHEDULE_TENANTS", "acme,Globex Inc")]).unwrap_err();
        assert!(matches!(&e, ScheduleConfigError::Tenant { value, .. } if value == "Globex Inc"));
        assert!(e.to_string().starts_with("KT_SCHEDULE_TENANTS"), "{e}");
        let e = parse(&[("KT_SCHEDULE_TIMEZONE", "Europe/Atlantis")]).unwrap_err();
        assert_eq!(e, ScheduleConfigError::Timezone("Europe/Atlantis".into()));
        let e = parse(&[("KT_SCHEDULE_FORMATS", "pdf")]).unwrap_err();
        assert_eq!(e, ScheduleConfigError::Format("pdf".into()));
        for bad in ["0", "31", "a week"] {
            let e = parse(&[("KT_SCHEDULE_EXPIRES_IN_DAYS", bad)]).unwrap_err();
            assert_eq!(e, ScheduleConfigError::ExpiresInDays(bad.into()));
        }
    }
}
