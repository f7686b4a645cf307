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
    let seen: Vec<&String> = t.providers.keys();
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

/// What the profile says about the AI systems in use (AI Act Art. 6, Annex III).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnexIii {
    /// At least one declared system has an Annex III class.
    HighRiskDeclared,
    /// Systems are declared, none of them high-risk (`annex_iii: "none"`).
    NoneHighRisk,
    /// `ai_systems` is absent: nothing is assumed either way.
    NotDeclared,
}

/// Whether an `annex_iii` value names a high-risk class ("none" does not).
pub fn is_high_risk_class(annex_iii: &str) -> bool {
    !annex_iii.trim().eq_ignore_ascii_case("none")
}

/// For an obligation of high-risk AI systems: cites the declared systems
/// (the high-risk ones, or all when none is) and says in `gaps` when the
/// obligation does not apply to them or when nothing is declared.
pub fn high_risk_systems(s: &mut Section, profile: Profile<'_>) -> AnnexIii {
    let Some((version, systems)) = profile.and_then(|p| {
        p.profile
            .ai_systems
            .as_ref()
            .filter(|v| !v.is_empty())
            .map(|v| (p.version, v))
    }) else {
        s.gap("whether the AI systems used through the gateway are high-risk (Annex III) is not declared in the tenant's compliance profile (ai_systems); this obligation applies to high-risk systems only, and the report does not assume that it applies");
        return AnnexIii::NotDeclared;
    };
    let any_high_risk = systems.iter().any(|x| is_high_risk_class(&x.annex_iii));
    for (i, x) in systems.iter().enumerate() {
        if any_high_risk && !is_high_risk_class(&x.annex_iii) {
            continue;
        }
        s.declare(
            version,
            format!("ai_systems[{i}]"),
            json!({"name": x.name, "annex_iii": x.annex_iii,
            "role": x.role.map(|r| match r {
                kt_domain::profile::AiRole::Provider => "provider",
                kt_domain::profile::AiRole::Deployer => "deployer",
            })}),
        );
    }
    if any_high_risk {
        AnnexIii::HighRiskDeclared
    } else {
        s.gap("the tenant declares no high-risk AI system (every ai_systems entry has annex_iii \"none\"): this obligation of high-risk systems does not apply to the declared systems; the figures are shown for information");
        AnnexIii::NoneHighRisk
    }
}
