//! compliance-ens: Esquema Nacional de Seguridad (Real Decreto 311/2022, Anexo II).
//!
//! Under RD 311/2022 the protection of activity logs is op.exp.8 with its
//! reinforcements (here R2-R4); `op.exp.10` is now the protection of
//! cryptographic keys, so the RD 3/2010 identifier `op.exp.10` ("protección de
//! los registros de actividad") appears only as a `legacy_ids` alias.
mod access_monitoring;
mod activity_log;

use super::Framework::Ens;
use super::aggregate::{Aggregate, Pop};
use super::common::COMPLETE;
use super::declared::{self, Profile};
use super::envelope::{Section, Status};
use super::head::{
    EnsCategoryOrNot, EnsDimensions, EnsDimensionsOrNot, EnsHead, Level, NotDeclared,
};
use super::num::{frac, iso_ms, pct};
use crate::formats::ExportSummary;
use crate::formats::reports::metrics::*;
use kt_domain::profile::{Authority, EnsCategory};
use serde_json::{Map, Value, json};

pub(super) fn section(
    key: &'static str,
    title: &'static str,
    reference: &'static str,
    legacy: &[&str],
) -> Section {
    let mut s = Section::new(key, title, reference);
    s.extra.insert("legacy_ids".into(), json!(legacy));
    s
}

/// The envelope keys only the ENS report has: the declared category and
/// dimensions, `not_declared` when the profile does not state them.
/// The ENS category and dimensions as declared; `not_declared`, never a default.
pub fn head(profile: Profile<'_>) -> EnsHead {
    use kt_domain::profile::DimensionLevel;
    let ens = profile.and_then(|p| p.profile.ens.as_ref());
    let level = |l: Option<DimensionLevel>| {
        l.map(|l| match l {
            DimensionLevel::Bajo => Level::Bajo,
            DimensionLevel::Medio => Level::Medio,
            DimensionLevel::Alto => Level::Alto,
        })
    };
    EnsHead {
        ens_category: match ens.and_then(|e| e.category) {
            Some(EnsCategory::Basica) => EnsCategoryOrNot::Basica,
            Some(EnsCategory::Media) => EnsCategoryOrNot::Media,
            Some(EnsCategory::Alta) => EnsCategoryOrNot::Alta,
            None => EnsCategoryOrNot::NotDeclared,
        },
        ens_dimensions: match ens.and_then(|e| e.dimensions.as_ref()) {
            Some(d) => EnsDimensionsOrNot::Declared(EnsDimensions {
                c: level(d.c),
                i: level(d.i),
                t: level(d.t),
                a: level(d.a),
                d: level(d.d),
            }),
            None => EnsDimensionsOrNot::NotDeclared(NotDeclared::NotDeclared),
        },
    }
}

pub fn envelope_fields(profile: Profile<'_>) -> Map<String, Value> {
    to_map(head(profile))
}

/// A typed envelope part as the keys it adds to the envelope.
pub(super) fn to_map(v: impl serde::Serialize) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => unreachable!("envelope parts are structs"),
    }
}

pub fn sections(agg: &Aggregate, summary: &ExportSummary, profile: Profile<'_>) -> Vec<Section> {
    vec![
        art24(agg),
        activity_log::op_exp_8(agg),
        activity_log::op_exp_8_r1(agg, profile),
        activity_log::op_exp_8_r2(agg, summary),
        activity_log::op_exp_8_r3(agg, profile),
        activity_log::op_exp_8_r4(agg),
        op_exp_7(agg, profile),
        op_exp_9(agg),
        access_monitoring::op_acc_1(agg),
        access_monitoring::op_acc_6(),
        access_monitoring::op_acc_4(agg, profile),
        access_monitoring::op_mon_1(agg, profile),
        access_monitoring::op_mon_2(agg),
        access_monitoring::op_mon_3(agg),
        access_monitoring::providers(
            agg,
            "op.ext.2",
            "Gestión diaria de proveedores externos",
            profile,
        ),
        access_monitoring::providers(
            agg,
            "op.nub.1",
            "Protección de servicios en la nube",
            profile,
        ),
        access_monitoring::mp_info_1(agg),
    ]
}

fn art24(agg: &Aggregate) -> Section {
    let mut s = section(
        "art24",
        "Registro de actividad: identificación de quien actúa",
        "RD 311/2022, art. 24",
        &[],
    );
    let q = &agg.quality;
    s.set_metrics(Art24Metrics {
        events: agg.count,
        events_with_identified_actor: q.identified,
        identified_actor_pct: pct(q.identified, agg.count),
        rule: "an event identifies the acting person when it carries actor.user_id or reviewer (pseudonymised in reports)",
    });
    s.status = share_status(q.identified, agg.count);
    if agg.count > q.identified {
        s.gap(format!(
            "{} event(s) do not identify a person",
            agg.count - q.identified
        ));
    }
    s.gap("the log identifies the identity the gateway received; that it belongs to the person acting depends on authentication outside the log (op.acc.6)");
    s.evidence = agg.samples.evidence(Ens, Pop::All, false, false);
    s
}

fn op_exp_7(agg: &Aggregate, profile: Profile<'_>) -> Section {
    let mut s = section(
        "op.exp.7",
        "Gestión de incidentes",
        "RD 311/2022, Anexo II, op.exp.7; notification to CCN-CERT: art. 33",
        &["op.exp.7"],
    );
    let i = &agg.incidents;
    let acked = i
        .lifecycles
        .values()
        .filter(|x| x.acknowledged_at.is_some())
        .count() as u64;
    let resolved = i
        .lifecycles
        .values()
        .filter(|x| x.resolved_at.is_some())
        .count() as u64;
    // Significant incidents need a CCN-CERT notification, or an assessment
    // that none was due; only the tenant can declare either.
    let significant: Vec<&crate::formats::reports::aggregate::IdStr> = i
        .lifecycles
        .iter()
        .filter(|(_, x)| {
            x.severity
                .as_deref()
                .is_some_and(|sev| SIGNIFICANT_SEVERITIES.contains(&sev))
        })
        .map(|(id, _)| id)
        .collect();
    let answered = significant
        .iter()
        .filter(|id| declared::notification(&mut s, profile, Authority::CcnCert, id).is_some())
        .count() as u64;
    let significant_count = significant.len() as u64;
    s.set_metrics(OpExp7Metrics {
        incidents: json!(i.total),
        by_severity: i.by_severity.to_json(),
        acknowledged: acked,
        resolved,
        time_to_acknowledge_ms: i.time_to_acknowledge.summary(),
        time_to_resolve_ms: i.time_to_resolve.summary(),
        untracked_incidents: i.untracked,
        lifecycle_rule: "first event with an incident_id = reported; a later event of it with outcome acknowledged/ack/investigating/in_progress = acknowledged; resolved/closed/mitigated = resolved (and acknowledged)",
        significant_incidents: significant_count,
        significant_with_declared_ccn_cert_notification_or_assessment: answered,
        significance_rule: "an incident whose severity (the risk level of its first event) is high or critical; whether it had a significant impact (RD 311/2022 art. 33) is assessed by people",
    });
    s.status = if i.total == 0 {
        s.gap("no incident recorded in the window; absence of records is not evidence that none occurred");
        Status::NotEvidenced
    } else if acked == i.total {
        declared::cap(
            Status::Evidenced,
            answered == significant_count && i.untracked == 0,
        )
    } else {
        s.gap(format!(
            "{} incident(s) without an acknowledgement in the log",
            i.total - acked
        ));
        Status::Partial
    };
    if significant_count > answered {
        s.gap(format!(
            "{} of {significant_count} high or critical incident(s) have no notification to CCN-CERT, or assessment that none was due, declared in the tenant's compliance profile (notifications); the gateway log does not record notifications",
            significant_count - answered
        ));
    }
    s.gap("incidents detected outside the gateway and their classification are not in this log");
    s.evidence = agg.samples.evidence(Ens, Pop::Incident, false, true);
    s
}

fn op_exp_9(agg: &Aggregate) -> Section {
    let mut s = section(
        "op.exp.9",
        "Registro de la gestión de incidentes",
        "RD 311/2022, Anexo II, op.exp.9",
        &["op.exp.9"],
    );
    let o = &agg.oversight;
    let i = &agg.incidents;
    let mut register = Vec::new();
    for id in agg.samples.escalation_ids(Ens) {
        if let Some(x) = o.lifecycles.get(id.as_str()) {
            register.push(json!({
                "kind": "escalation", "id": id,
                "opened_at": x.opened_at.map(iso_ms), "resolved_at": x.resolved_at.map(iso_ms),
                "resolution": x.resolution, "reviewer": x.reviewer, "event_ids": x.event_ids,
                "resolved_before_opening": x.resolved_before_opening(),
            }));
        }
    }
    for id in agg.samples.incident_ids(Ens) {
        if let Some(x) = i.lifecycles.get(id.as_str()) {
            register.push(json!({
                "kind": "incident", "id": id, "severity": x.severity,
                "reported_at": iso_ms(x.reported_at), "acknowledged_at": x.acknowledged_at.map(iso_ms),
                "resolved_at": x.resolved_at.map(iso_ms), "event_ids": x.event_ids,
            }));
        }
    }
    // The same facts as the oversight sections of the other reports: a
    // resolution before its escalation's opening is an anomaly, and the
    // escalation stays open.
    let complete = o.lifecycles.values().filter(|x| x.matched()).count();
    let before_opening = o
        .lifecycles
        .values()
        .filter(|x| x.resolved_before_opening())
        .count();
    let opened_only = o.pending().count();
    let resolved_only = o
        .lifecycles
        .values()
        .filter(|x| x.opened_at.is_none())
        .count();
    s.set_metrics(OpExp9Metrics {
        escalations: json!({"tracked": o.lifecycles.len(), "opened_and_resolved": complete, "open_at_window_end": opened_only, "resolved_without_opening_in_window": resolved_only, "resolved_before_opening": before_opening}),
        incidents: json!({"tracked": i.lifecycles.len(), "with_linked_events": i.lifecycles.values().filter(|x| !x.event_ids.is_empty()).count()}),
        register: json!(register),
        register_rule: "the escalations and incidents whose ids are in this section's evidence sample; up to 4 linked event ids each",
    });
    s.status = if o.lifecycles.is_empty() && i.lifecycles.is_empty() {
        s.gap("no escalation or incident in the window");
        Status::NotEvidenced
    } else {
        if resolved_only > 0 {
            s.gap(format!(
                "{resolved_only} escalation(s) were opened before the window: their opening is in an earlier export"
            ));
        }
        if before_opening > 0 {
            s.gap(format!(
                "{before_opening} escalation(s) have a resolution timestamped before their opening (a timestamp anomaly): they are counted open at the window end, and their register entries say so (resolved_before_opening)"
            ));
        }
        let registered = o.untracked == 0 && i.untracked == 0 && o.without_id == 0;
        if !registered {
            s.gap(
                "some escalation or incident events could not be registered (missing or untracked ids)",
            );
        }
        if registered && before_opening == 0 {
            Status::Evidenced
        } else {
            Status::Partial
        }
    };
    s.gap("the register lists the sampled escalations and incidents only; lessons learnt and follow-up actions are outside the log");
    s.evidence = agg.samples.evidence(Ens, Pop::Escalation, true, true);
    s
}

/// Incident severities that count as significant for notification to CCN-CERT.
pub const SIGNIFICANT_SEVERITIES: [&str; 2] = ["high", "critical"];

/// evidenced at ≥ 99%, partial above 0, not_evidenced at 0.
pub(super) fn share_status(n: u64, d: u64) -> Status {
    if d == 0 || n == 0 {
        Status::NotEvidenced
    } else if frac(n, d) >= COMPLETE {
        Status::Evidenced
    } else {
        Status::Partial
    }
}
