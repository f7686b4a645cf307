//! ENS sections on access (op.acc), monitoring (op.mon), providers (op.ext, op.nub) and personal data (mp.info).
use super::{section, share_status};
use crate::formats::reports::Framework::Ens;
use crate::formats::reports::aggregate::{Aggregate, Pop};
use crate::formats::reports::common;
use crate::formats::reports::declared::{self, Profile};
use crate::formats::reports::doc::ActorCount;
use crate::formats::reports::envelope::{Section, Status};
use crate::formats::reports::metrics::*;
use crate::formats::reports::num::ratio;
use serde_json::{Value, json};

pub(super) fn op_acc_1(agg: &Aggregate) -> Section {
    let mut s = section(
        "op.acc.1",
        "Identificación",
        "RD 311/2022, Anexo II, op.acc.1",
        &[],
    );
    let a = &agg.access;
    let identified = a.request_events - a.anonymous_requests;
    s.set_metrics(OpAcc1Metrics {
        distinct_actors: a.actors.to_json(),
        request_events: a.request_events,
        anonymous_requests: a.anonymous_requests,
        anonymous_share: ratio(a.anonymous_requests, a.request_events),
    });
    s.status = share_status(identified, a.request_events);
    if a.anonymous_requests > 0 {
        s.gap(format!(
            "{} request(s) carry no actor.user_id",
            a.anonymous_requests
        ));
    }
    s.gap("how identities are provisioned and authenticated is outside the gateway log; the log records the identity the gateway received");
    s.evidence = agg.samples.evidence(Ens, Pop::Request, false, false);
    s
}

/// The authentication mechanism for the organisation's users: the gateway
/// log records who was identified, not how they authenticated.
pub(super) fn op_acc_6() -> Section {
    let mut s = section(
        "op.acc.6",
        "Mecanismo de autenticación (usuarios de la organización)",
        "RD 311/2022, Anexo II, op.acc.6",
        &[],
    );
    s.status = Status::OutOfScopeForLog;
    s.evidence = common::no_evidence();
    s.gap("the gateway log has no access or authentication records: the mechanisms (factors, credentials, lockouts) are shown by the identity provider's configuration and logs");
    s
}

pub(super) fn op_acc_4(agg: &Aggregate, profile: Profile<'_>) -> Section {
    let mut s = section(
        "op.acc.4",
        "Proceso de gestión de derechos de acceso",
        "RD 311/2022, Anexo II, op.acc.4",
        &[],
    );
    let t = &agg.traffic;
    s.set_metrics(OpAcc4Metrics {
        policy_denials: t.decisions.block,
        denials_by_actor_top: t
            .denials_by_actor
            .top_pairs(crate::formats::reports::sample::EVIDENCE_CAP)
            .into_iter()
            .map(|(actor, count)| ActorCount { actor, count })
            .collect(),
        denials_by_actor_rule: "the 25 actors with the most denials, ties by pseudonym",
        distinct_denied_actors: t.denials_by_actor.len() as u64,
        denials_by_application: t.denials_by_app.to_json(),
        denials_without_actor: t.denials_without_actor,
    });
    s.status = if t.decisions.block == 0 {
        s.gap("no policy denial in the window");
        Status::NotEvidenced
    } else if t.denials_without_actor == 0 {
        Status::Evidenced
    } else {
        s.gap(format!(
            "{} denial(s) name no actor",
            t.denials_without_actor
        ));
        Status::Partial
    };
    let process = declared::security_measure(
        &mut s,
        profile,
        "access_rights_process",
        |m| m.access_rights_process.as_ref(),
        "the access-rights management process (who grants, reviews and revokes rights)",
    );
    s.status = declared::cap(s.status, process);
    s.gap("the roles and rights granted (least privilege itself) are not in the log; denials show enforcement only");
    s.evidence = agg.samples.evidence(Ens, Pop::Enforced, false, false);
    s
}

pub(super) fn op_mon_1(agg: &Aggregate, profile: Profile<'_>) -> Section {
    let mut s = section(
        "op.mon.1",
        "Detección de intrusión",
        "RD 311/2022, Anexo II, op.mon.1",
        &[],
    );
    let t = &agg.traffic;
    s.set_metrics(OpMon1Metrics {
        blocks_by_policy: t.blocks_by_policy.to_json(),
        redactions_by_policy: t.redacts_by_policy.to_json(),
        enforcements_without_policy_id: t.enforced_without_policy,
        high_or_critical_risk_events: agg.quality.high_or_critical,
    });
    let enforced = t.decisions.block + t.decisions.redact;
    s.status = if enforced == 0 {
        s.gap("no block or redaction in the window");
        Status::NotEvidenced
    } else if t.enforced_without_policy == 0 {
        Status::Evidenced
    } else {
        s.gap(format!(
            "{} enforcement(s) name no policy",
            t.enforced_without_policy
        ));
        Status::Partial
    };
    let ids = declared::security_measure(
        &mut s,
        profile,
        "intrusion_detection",
        |m| m.intrusion_detection.as_ref(),
        "an intrusion-detection system",
    );
    s.status = declared::cap(s.status, ids);
    s.gap("the gateway's policies are application-level detection; network and host intrusion detection are outside this log");
    s.evidence = agg.samples.evidence(Ens, Pop::Enforced, false, false);
    s
}

pub(super) fn op_mon_2(agg: &Aggregate) -> Section {
    let mut s = section(
        "op.mon.2",
        "Sistema de métricas",
        "RD 311/2022, Anexo II, op.mon.2",
        &[],
    );
    let series: Vec<Value> = agg
        .traffic
        .daily
        .iter()
        .map(|(day, d)| {
            let n = d.decisions.total() - d.decisions.none;
            json!({
                "date": day.to_string(), "events": d.events, "decisions": n,
                "blocks": d.decisions.block, "redactions": d.decisions.redact,
                "escalations": d.decisions.escalate, "provider_errors": d.provider_errors,
                "high_or_critical_risk_events": d.high_risk,
                "block_rate": ratio(d.decisions.block, n),
            })
        })
        .collect();
    s.set_metrics(OpMon2Metrics {
        daily: json!(series),
        day_boundary: "midnight in the report's timezone",
    });
    s.status = if agg.count == 0 {
        s.gap("no events in the window");
        Status::NotEvidenced
    } else {
        Status::Evidenced
    };
    s.gap("targets and review of the metrics by the organisation are not in the log");
    s.evidence = agg.samples.evidence(Ens, Pop::All, false, false);
    s
}

pub(super) fn op_mon_3(agg: &Aggregate) -> Section {
    let mut s = section(
        "op.mon.3",
        "Vigilancia",
        "RD 311/2022, Anexo II, op.mon.3",
        &[],
    );
    let (count, minutes, gaps) = common::log_gaps(agg);
    s.set_metrics(OpMon3Metrics {
        collection_gaps: gaps,
    });
    s.status = if agg.count == 0 {
        s.gap("no events in the window");
        Status::NotEvidenced
    } else if count == 0 {
        Status::Evidenced
    } else {
        Status::Partial
    };
    if let Some(g) = common::gap_statement(agg, count, minutes) {
        s.gap(g);
    }
    s.gap("surveillance of threats beyond the gateway (threat intelligence, vulnerability watch) is outside this log");
    s.evidence = agg.samples.evidence(Ens, Pop::All, false, false);
    s
}

pub(super) fn providers(
    agg: &Aggregate,
    key: &'static str,
    title: &'static str,
    profile: Profile<'_>,
) -> Section {
    let reference = if key == "op.ext.2" {
        "RD 311/2022, Anexo II, op.ext.2"
    } else {
        "RD 311/2022, Anexo II, op.nub.1"
    };
    let mut s = section(key, title, reference, &[]);
    let t = &agg.traffic;
    s.set_metrics(ProvidersMetrics {
        by_provider: json!(common::providers(&t.providers)),
        requests_without_provider: t.request_without_provider,
    });
    s.status = common::provider_coverage(&mut s, t, "no request names a provider", |n| {
        format!("{n} request(s) name no provider")
    });
    if key == "op.nub.1" {
        let certified = declared::every_provider(
            &mut s,
            profile,
            t,
            "certifications",
            |d| (!d.certifications.is_empty()).then(|| json!(d.certifications)),
            "a certification of the cloud service (e.g. ENS, ISO/IEC 27001)",
        );
        s.status = declared::cap(s.status, certified);
        s.gap("certifications are cited as the tenant declared them; their scope and validity are not checked");
    } else {
        s.gap("service-level agreements and their review are not in the log");
    }
    s.evidence = agg
        .samples
        .evidence(Ens, Pop::ProviderRequest, false, false);
    s
}

pub(super) fn mp_info_1(agg: &Aggregate) -> Section {
    let mut s = section(
        "mp.info.1",
        "Datos personales",
        "RD 311/2022, Anexo II, mp.info.1",
        &[],
    );
    let p = &agg.privacy;
    s.set_metrics(MpInfo1Metrics {
        requests_with_detection_field: p.detector_visible,
        request_events: p.request_events,
        personal_data_requests: p.personal_events,
        data_categories_detected: json!(p.by_category.to_json_with()),
    });
    s.status = share_status(p.detector_visible, p.request_events);
    if p.detector_visible < p.request_events {
        s.gap(format!(
            "{} request event(s) carry no data_categories field",
            p.request_events - p.detector_visible
        ));
    }
    s.gap("compliance with data-protection law itself is reported in compliance-aepd");
    s.evidence = agg.samples.evidence(Ens, Pop::Personal, false, false);
    s
}
