//! compliance-aepd: GDPR (Regulation (EU) 2016/679) and LOPDGDD sections.
//!
//! LOPDGDD additional provision 1 makes public-sector controllers apply the
//! ENS to personal data, so sections name the ENS sections they rely on
//! (`related_ens`) and the envelope carries the whole cross-reference table.
mod breach_transfer;

use super::Framework::Aepd;
use super::aggregate::{Aggregate, Pop, vocab};
use super::common;
use super::declared::{self, Profile};
use super::envelope::{Section, Status};
use super::head::{AepdHead, EnsCrossReferences};
use super::num::ratio;
use crate::formats::reports::metrics::*;
use serde_json::{Map, Value, json};

/// GDPR Art. 33(1): notify the supervisory authority within 72 hours.
pub const BREACH_CLOCK_HOURS: i64 = 72;

/// (AEPD section, ENS sections it relies on).
const ENS_REFS: &[(&str, &[&str])] = &[
    ("rgpd.5.1.c", &["mp.info.1"]),
    ("rgpd.5.2", &["op.exp.8", "op.exp.8.r2", "op.exp.8.r3"]),
    ("rgpd.9", &["mp.info.1"]),
    ("rgpd.22", &["op.exp.9"]),
    ("rgpd.25", &["op.mon.1"]),
    ("rgpd.28", &["op.ext.2", "op.nub.1"]),
    ("rgpd.30", &["mp.info.1", "op.ext.2"]),
    (
        "rgpd.32",
        &[
            "art24",
            "op.exp.8",
            "op.exp.8.r2",
            "op.exp.8.r4",
            "op.acc.1",
            "op.acc.4",
            "op.mon.1",
        ],
    ),
    ("rgpd.33_34", &["op.exp.7", "op.exp.9"]),
    ("rgpd.35", &["mp.info.1"]),
    ("rgpd.44_49", &["op.nub.1"]),
];

/// The envelope keys only the AEPD report has.
pub fn envelope_fields() -> Map<String, Value> {
    match serde_json::to_value(head()) {
        Ok(Value::Object(m)) => m,
        _ => unreachable!("the AEPD head is a struct"),
    }
}

/// The ENS sections this report's sections rely on (LOPDGDD DA 1ª).
pub fn head() -> AepdHead {
    AepdHead {
        ens_cross_references: EnsCrossReferences {
            basis: "LOPDGDD, disposición adicional primera: public-sector controllers apply the ENS measures to personal data".into(),
            report_format: "compliance-ens".into(),
            sections: ENS_REFS
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|x| x.to_string()).collect()))
                .collect(),
        },
    }
}

pub(super) fn section(key: &'static str, title: &'static str, reference: &'static str) -> Section {
    let mut s = Section::new(key, title, reference);
    let refs = ENS_REFS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(&[][..], |(_, v)| *v);
    s.extra.insert("related_ens".into(), json!(refs));
    s
}

pub fn sections(agg: &Aggregate, profile: Profile<'_>) -> Vec<Section> {
    vec![
        minimisation(agg),
        accountability(agg),
        special(agg),
        automated(agg),
        by_design(agg),
        processors(agg, profile),
        record(agg),
        security(agg, profile),
        breach_transfer::breaches(agg, profile),
        breach_transfer::dpia(agg),
        breach_transfer::transfers(agg, profile),
    ]
}

/// The detector ran on request events (they carry `data_categories`).
fn detector_gap(agg: &Aggregate, s: &mut Section) -> bool {
    let p = &agg.privacy;
    if p.detector_visible == 0 {
        s.gap("no request event carries data_categories: personal-data detection is not visible in the log");
        return false;
    }
    if p.detector_visible < p.request_events {
        s.gap(format!(
            "{} of {} request events carry no data_categories field",
            p.request_events - p.detector_visible,
            p.request_events
        ));
    }
    true
}

fn minimisation(agg: &Aggregate) -> Section {
    let mut s = section("rgpd.5.1.c", "Data minimisation", "GDPR Art. 5(1)(c)");
    let p = &agg.privacy;
    let d = &p.personal_by_decision;
    let reviewed = p.reviewed(&agg.oversight);
    let allowed = d.allow + reviewed.allowed;
    s.set_metrics(MinimisationMetrics {
        request_events: p.request_events,
        requests_with_detection_field: p.detector_visible,
        personal_data_requests: p.personal_events,
        detections_by_category: json!(p.by_category.to_json_with()),
        handling: json!({
            "redacted": d.redact,
            "allowed_with_personal_data": allowed,
            "blocked": d.block,
            "escalated": d.escalate,
            "escalated_then_allowed_by_reviewer": reviewed.allowed,
            "escalated_then_blocked_or_redacted_by_reviewer": reviewed.withheld,
            "escalated_without_decision_in_window": reviewed.pending,
            "other_or_none": d.other + d.none,
        }),
        handling_rule: "an escalated request counts by the reviewer's final decision (escalation.resolved of its escalation_id); without one in the window it is withheld and counted as without decision. allowed_with_personal_data includes the escalated requests a reviewer allowed",
    });
    s.status = if !detector_gap(agg, &mut s) {
        Status::NotEvidenced
    } else if allowed == 0
        && d.other + d.none == 0
        && reviewed.pending == 0
        && p.detector_visible == p.request_events
    {
        Status::Evidenced
    } else {
        if allowed > 0 {
            s.gap(format!(
                "{allowed} request(s) went to a provider with personal data unredacted ({} of them allowed by a reviewer)",
                reviewed.allowed
            ));
        }
        if reviewed.pending > 0 {
            s.gap(format!(
                "{} escalated request(s) have no reviewer decision in the window",
                reviewed.pending
            ));
        }
        Status::Partial
    };
    s.gap("whether the personal data sent was necessary for the purpose is a judgement the log cannot make");
    s.evidence = agg.samples.evidence(Aepd, Pop::Personal, false, false);
    s
}

fn accountability(agg: &Aggregate) -> Section {
    let mut s = section("rgpd.5.2", "Accountability", "GDPR Art. 5(2) and Art. 24");
    let timeline = common::config_timeline(agg);
    s.set_metrics(AccountabilityMetrics {
        config_version_trail: json!(timeline),
        config_versions_used_before_publication: common::configs_used_before_publication(agg),
        completeness_pct: common::completeness(agg),
        events_digest: agg.events_digest(),
        event_count: agg.count,
    });
    let missing = common::incomplete_fields(agg);
    let early = common::config_trail_gap(agg, &mut s);
    s.status = if agg.count == 0 {
        s.gap("no events in the window");
        Status::NotEvidenced
    } else if missing.is_empty() && agg.quality.requests.events > 0 && !early {
        Status::Evidenced
    } else {
        if !missing.is_empty() {
            s.gap(format!(
                "fields present on fewer than 99% of request events: {}",
                missing.join(", ")
            ));
        }
        Status::Partial
    };
    s.gap("policies, records of processing and DPIAs themselves are documents outside the log");
    s.evidence = agg.samples.evidence(Aepd, Pop::Config, false, false);
    s
}

fn special(agg: &Aggregate) -> Section {
    let mut s = section(
        "rgpd.9",
        "Special categories of personal data",
        "GDPR Art. 9; LOPDGDD Art. 9",
    );
    let p = &agg.privacy;
    let d = &p.special_by_decision;
    let reviewed = p.reviewed(&agg.oversight);
    let not_special: Vec<&str> = p
        .by_category
        .keys()
        .into_iter()
        .map(String::as_str)
        .filter(|c| !vocab::is_special(c))
        .collect();
    s.set_metrics(SpecialMetrics {
        special_category_requests: p.special_events,
        by_category: json!(p.special_by_category.to_json_with()),
        handling: json!(d),
        escalated_then_allowed_by_reviewer: reviewed.special_allowed,
        escalated_without_decision_in_window: reviewed.special_pending,
        categories_considered_special: json!(vocab::SPECIAL_CATEGORIES),
        detected_categories_not_considered_special: json!(not_special),
    });
    let unknown: Vec<&str> = not_special
        .iter()
        .copied()
        .filter(|c| !vocab::is_known(c))
        .collect();
    if !unknown.is_empty() {
        s.gap(format!(
            "detected categories this report does not know, counted as personal data but not as special: {}",
            unknown.join(", ")
        ));
    }
    s.status = if !detector_gap(agg, &mut s) {
        Status::NotEvidenced
    } else if p.special_events == 0 {
        s.gap("no special-category detection in the window: the handling of special categories is not shown (its trigger never occurred)");
        Status::NotEvidenced
    } else if d.allow == 0
        && d.other + d.none == 0
        && reviewed.special_allowed + reviewed.special_pending == 0
    {
        Status::Evidenced
    } else {
        let allowed = d.allow + reviewed.special_allowed;
        if allowed + d.other + d.none > 0 {
            s.gap(format!(
                "{} special-category request(s) were allowed ({} of them by a reviewer), or handled without a recorded decision",
                allowed + d.other + d.none,
                reviewed.special_allowed
            ));
        }
        if reviewed.special_pending > 0 {
            s.gap(format!(
                "{} escalated special-category request(s) have no reviewer decision in the window",
                reviewed.special_pending
            ));
        }
        Status::Partial
    };
    s.gap("an Art. 9(2) exception (e.g. explicit consent) that would make processing lawful is not in the log");
    s.evidence = agg.samples.evidence(Aepd, Pop::Special, false, false);
    s
}

fn automated(agg: &Aggregate) -> Section {
    let mut s = section(
        "rgpd.22",
        "Automated individual decision-making: human intervention",
        "GDPR Art. 22; LOPDGDD Art. 18",
    );
    let (status, metrics, gaps) = common::oversight(agg);
    s.status = status;
    s.set_metrics(metrics);
    s.gaps = gaps;
    s.gap("whether a decision had legal or similarly significant effects on a person is not in the log");
    s.evidence = agg.samples.evidence(Aepd, Pop::Escalation, true, false);
    s
}

fn by_design(agg: &Aggregate) -> Section {
    let mut s = section(
        "rgpd.25",
        "Data protection by design and by default",
        "GDPR Art. 25",
    );
    let p = &agg.privacy;
    s.set_metrics(ByDesignMetrics {
        decision_events: p.decision_events,
        under_redaction_policy: p.under_redaction,
        not_under_redaction_policy: p.not_under_redaction,
        policy_set_unknown: p.redaction_unknown,
        share_under_redaction_policy: ratio(p.under_redaction, p.decision_events),
        rule: "a decision is under a redaction policy when its own policy_ids, or the policy_ids published (config.published in the window) for its config_version, include a policy whose id contains `redact`",
    });
    s.status = if p.decision_events == 0 || p.under_redaction == 0 {
        s.gap("no traffic shown under a redaction policy");
        Status::NotEvidenced
    } else if p.under_redaction == p.decision_events {
        Status::Evidenced
    } else {
        if p.redaction_unknown > 0 {
            s.gap(format!(
                "{} decision(s) ran under a configuration not published in the window: their policy set is unknown",
                p.redaction_unknown
            ));
        }
        if p.not_under_redaction > 0 {
            s.gap(format!(
                "{} decision(s) ran without a redaction policy",
                p.not_under_redaction
            ));
        }
        Status::Partial
    };
    s.gap("whether the redaction policies detect every kind of personal data, and the design choices behind them, are not in the log");
    s.evidence = agg.samples.evidence(Aepd, Pop::Decision, false, false);
    s
}

fn processors(agg: &Aggregate, profile: Profile<'_>) -> Section {
    let mut s = section("rgpd.28", "Processors (LLM providers)", "GDPR Art. 28");
    let t = &agg.traffic;
    let by: serde_json::Map<String, Value> = t
        .providers
        .sorted()
        .into_iter()
        .map(|(k, v)| {
            (
                k.clone(),
                json!({"requests": v.requests, "personal_data_requests": v.personal_requests}),
            )
        })
        .collect();
    s.set_metrics(ProcessorsMetrics {
        by_provider: json!(by),
        requests_without_provider: t.request_without_provider,
    });
    let status = common::provider_coverage(&mut s, t, "no request names a provider", |n| {
        format!("{n} request event(s) name no provider")
    });
    let dpas = declared::every_provider(
        &mut s,
        profile,
        t,
        "dpa_ref",
        |d| d.dpa_ref.as_ref().map(|r| json!(r)),
        "a data processing agreement (Art. 28(3))",
    );
    s.status = declared::cap(status, dpas);
    s.gap("the log shows which processors received requests; the agreements themselves are documents outside it, cited here only as the tenant declared them");
    s.evidence = agg
        .samples
        .evidence(Aepd, Pop::ProviderRequest, false, false);
    s
}

fn record(agg: &Aggregate) -> Section {
    let mut s = section(
        "rgpd.30",
        "Record of processing activities (derived inventory)",
        "GDPR Art. 30; LOPDGDD Art. 31",
    );
    let p = &agg.privacy;
    s.set_metrics(RecordMetrics {
        inventory: json!(p.inventory_json()),
        inventory_rows_truncated: p.inventory_overflow > 0,
        row: "application x data category x provider x region, with personal-data request counts",
    });
    s.status = if agg.count == 0 {
        s.gap("no events in the window");
        Status::NotEvidenced
    } else {
        Status::Partial
    };
    s.gap("purposes, legal bases, categories of data subjects and retention periods of the record are not in the log; the inventory covers only recipients, categories and transfers");
    s.evidence = agg.samples.evidence(Aepd, Pop::Personal, false, false);
    s
}

fn security(agg: &Aggregate, profile: Profile<'_>) -> Section {
    let mut s = section("rgpd.32", "Security of processing", "GDPR Art. 32");
    let t = &agg.traffic;
    s.set_metrics(SecurityMetrics {
        blocks_by_policy: t.blocks_by_policy.to_json(),
        redactions_by_policy: t.redacts_by_policy.to_json(),
        enforcements_without_policy_id: t.enforced_without_policy,
        export_integrity: json!({"events_digest": agg.events_digest(), "event_count": agg.count}),
    });
    let enforced = t.decisions.block + t.decisions.redact;
    s.status = if agg.count == 0 {
        s.gap("no events in the window");
        Status::NotEvidenced
    } else if enforced > 0 && t.enforced_without_policy == 0 {
        Status::Evidenced
    } else {
        if enforced == 0 {
            s.gap("no block or redaction in the window: enforcement is not visible");
        } else {
            s.gap(format!(
                "{} enforcement(s) name no policy",
                t.enforced_without_policy
            ));
        }
        Status::Partial
    };
    let measures = declared::security_measure(
        &mut s,
        profile,
        "measures_ref",
        |m| m.measures_ref.as_ref(),
        "the security measures of Art. 32(1)(a)-(d) (encryption, resilience, restoration, regular testing)",
    );
    s.status = declared::cap(s.status, measures);
    s.gap("blocks by policy show one measure operating; the appropriateness of the measures to the risk is not something a log can show");
    s.evidence = agg.samples.evidence(Aepd, Pop::Enforced, false, false);
    s
}
