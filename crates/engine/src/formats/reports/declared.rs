//! How sections use the tenant's declarations (the compliance profile).
//!
//! A declaration moves a section from `partial` to `evidenced` only where it
//! is what the rule needs and the log cannot show (a DPA, a certification, a
//! notification made, a measure outside the gateway); the section then quotes
//! it with the profile version. Nothing is defaulted: without a profile, or
//! without the field, the section stays `partial` and says what is missing.
use super::aggregate::traffic::Traffic;
use super::envelope::{Section, Status};
use kt_domain::VersionedProfile;
use kt_domain::profile::{Authority, ProviderDeclaration};
use serde_json::json;

pub type Profile<'a> = Option<&'a VersionedProfile>;

/// `evidenced` stays only when `declared`; otherwise it becomes `partial`.
pub fn cap(status: Status, declared: bool) -> Status {
    if status == Status::Evidenced && !declared {
        Status::Partial
    } else {
        status
    }
}

/// Whether every provider seen in the log has a declaration passing `has`;
/// cites each one (`field` of `providers[i]`), and states the rest as a gap.
pub fn every_provider(
    s: &mut Section,
    profile: Profile<'_>,
    t: &Traffic,
    field: &str,
    has: impl Fn(&ProviderDeclaration) -> Option<serde_json::Value>,
    what: &str,
) -> bool {
    let seen: Vec<&String> = t.providers.map.keys().collect();
    if seen.is_empty() {
        return false;
    }
    let mut missing = Vec::new();
    for name in &seen {
        let found = profile.and_then(|p| {
            p.profile
                .providers
                .iter()
                .flatten()
                .enumerate()
                .find(|(_, d)| d.provider.eq_ignore_ascii_case(name))
                .and_then(|(i, d)| has(d).map(|v| (p.version, i, v)))
        });
        match found {
            Some((version, i, v)) => s.declare(version, format!("providers[{i}].{field}"), v),
            None => missing.push(name.as_str()),
        }
    }
    let capped = t.providers.overflow > 0;
    if !missing.is_empty() {
        s.gap(format!(
            "{what} is not declared in the tenant's compliance profile for: {}",
            missing.join(", ")
        ));
    }
    if capped {
        s.gap("more providers appear in the log than the report lists; their declarations are not checked");
    }
    missing.is_empty() && !capped
}

/// Cites a `security.<field>` declaration; `false` (and a gap) when absent.
pub fn security_measure(
    s: &mut Section,
    profile: Profile<'_>,
    field: &str,
    get: impl Fn(&kt_domain::profile::SecurityMeasures) -> Option<&String>,
    what: &str,
) -> bool {
    let found = profile.and_then(|p| {
        p.profile
            .security
            .as_ref()
            .and_then(&get)
            .map(|v| (p.version, v.clone()))
    });
    match found {
        Some((version, v)) => {
            s.declare(version, format!("security.{field}"), json!(v));
            true
        }
        None => {
            s.gap(format!(
                "{what} is not in the log and not declared in the tenant's compliance profile (security.{field})"
            ));
            false
        }
    }
}

/// Cites the notification to `authority` covering `id`, if declared.
pub fn notification(
    s: &mut Section,
    profile: Profile<'_>,
    authority: Authority,
    id: &str,
) -> Option<&'static str> {
    let p = profile?;
    let (i, n) = p
        .profile
        .notifications
        .iter()
        .flatten()
        .enumerate()
        .find(|(_, n)| n.authority == authority && n.covers.iter().any(|c| c == id))?;
    s.declare(
        p.version,
        format!("notifications[{i}]"),
        json!({"authority": n.authority.as_str(), "outcome": n.outcome.as_str(),
               "reference": n.reference, "date": n.date.map(|d| d.to_string()), "covers": id}),
    );
    Some(n.outcome.as_str())
}
