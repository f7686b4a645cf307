//! op.exp.8, the protection of activity logs, and its reinforcements R1-R4
//! (review, time reference, retention, access to the logs).
use super::{section, share_status};
use crate::formats::ExportSummary;
use crate::formats::reports::Framework::Ens;
use crate::formats::reports::aggregate::vocab::KNOWN_TYPES;
use crate::formats::reports::aggregate::{Aggregate, Pop};
use crate::formats::reports::common::{self, COMPLETE};
use crate::formats::reports::declared::Profile;
use crate::formats::reports::doc::ActorCounts;
use crate::formats::reports::envelope::{Section, Status};
use crate::formats::reports::metrics::*;
use crate::formats::reports::num::{frac, pct};
use kt_domain::profile::EnsCategory;
use serde_json::json;

pub(super) fn op_exp_8(agg: &Aggregate) -> Section {
    let mut s = section(
        "op.exp.8",
        "Registro de la actividad",
        "RD 311/2022, Anexo II, op.exp.8",
        &["op.exp.8"],
    );
    let f = &agg.quality.five;
    let n = agg.count;
    s.set_metrics(OpExp8Metrics {
        events: n,
        completeness_pct: json!({
            "who": pct(f.who, n), "when": pct(f.when, n), "object": pct(f.object, n),
            "event": pct(f.what, n), "result": pct(f.result, n),
        }),
        rule: "who = actor.user_id, reviewer or actor.app; when = ts; object = request_id, escalation_id, incident_id, the published config_version, or an admin action's target; event = event_type; result = decision or outcome",
    });
    let min = [f.who, f.when, f.object, f.what, f.result]
        .into_iter()
        .min()
        .unwrap_or(0);
    s.status = share_status(min, n);
    for (name, v) in [("who", f.who), ("object", f.object), ("result", f.result)] {
        if n > 0 && frac(v, n) < COMPLETE {
            s.gap(format!("`{name}` is missing on {} event(s)", n - v));
        }
    }
    s.gap("activity of systems other than the AI gateway is not in this log");
    s.evidence = agg.samples.evidence(Ens, Pop::All, false, false);
    s
}

pub(super) fn op_exp_8_r2(agg: &Aggregate, summary: &ExportSummary) -> Section {
    let mut s = section(
        "op.exp.8.r2",
        "Registro de la actividad, refuerzo R2: referencia temporal e integridad",
        "RD 311/2022, Anexo II, op.exp.8 [op.exp.8.r2]",
        &["op.exp.10"],
    );
    let st = &summary.stats;
    let mut reasons = std::collections::BTreeMap::<String, u64>::new();
    for r in &st.rejected_samples {
        *reasons
            .entry(crate::formats::reports::counters::clip(&r.reason).to_string())
            .or_default() += 1;
    }
    let q = &agg.quality;
    s.set_metrics(OpExp8R2Metrics {
        rejected_lines: st.rejected_lines,
        rejected_sample_reasons: json!(reasons),
        duplicates_removed: st.duplicates_removed,
        timestamps_not_utc_millisecond_form: q.ts_not_canonical,
        order_violations_in_export: q.order_violations,
        events_digest: agg.events_digest(),
        note: "rejected_lines include timestamps outside their partition's hour; the engine orders events before formatting, so out-of-order deliveries are absorbed there and not counted separately",
    });
    s.status = if agg.count == 0 {
        s.gap("no events in the window");
        Status::NotEvidenced
    } else if q.order_violations == 0 && q.ts_not_canonical == 0 {
        // The log shows consistent timestamps, not the synchronised clock
        // the reinforcement asks for (see the gap below): partial at most.
        Status::Partial
    } else {
        s.gap("some events break the time reference (non-canonical timestamps or out of order in the export)");
        Status::Partial
    };
    if st.rejected_lines > 0 {
        s.gap(format!(
            "{} line(s) were rejected (malformed, or time outside their partition)",
            st.rejected_lines
        ));
    }
    s.gap("clock synchronisation of the producing systems is not recorded in the log");
    s.evidence = agg.samples.evidence(Ens, Pop::All, false, false);
    s
}

pub(super) fn op_exp_8_r3(agg: &Aggregate, profile: Profile<'_>) -> Section {
    let mut s = section(
        "op.exp.8.r3",
        "Registro de la actividad, refuerzo R3: eventos auditados y retención",
        "RD 311/2022, Anexo II, op.exp.8 [op.exp.8.r3]",
        &["op.exp.10"],
    );
    let unknown: Vec<&String> = agg
        .quality
        .by_type
        .keys()
        .into_iter()
        .filter(|k| !KNOWN_TYPES.contains(&k.as_str()))
        .collect();
    s.set_metrics(OpExp8R3Metrics {
        event_types_seen: agg.quality.by_type.to_json(),
        documented_catalogue: KNOWN_TYPES,
        undocumented_types_seen: json!(unknown),
        retention: common::retention_metrics(agg, profile),
    });
    // Both halves of the reinforcement: the catalogue, and the retention
    // judged as AI Act Art. 26(6) judges it (one rule for both reports).
    let retention = common::retention_status(agg, profile, &mut s);
    let catalogued = unknown.is_empty() && !agg.quality.by_type.is_capped();
    if agg.count > 0 && !catalogued {
        s.gap("event types outside the documented catalogue were logged");
    }
    s.status = match retention {
        Status::NotEvidenced => Status::NotEvidenced,
        Status::Evidenced if catalogued => Status::Evidenced,
        _ => Status::Partial,
    };
    s.gap("the retention period set by the organisation's security policy is not in the log; it is judged from the tenant's declaration (retention.log_days) or from events old enough to show it");
    s.evidence = agg.samples.evidence(Ens, Pop::All, false, false);
    s
}

pub(super) fn op_exp_8_r4(agg: &Aggregate) -> Section {
    let mut s = section(
        "op.exp.8.r4",
        "Registro de la actividad, refuerzo R4: acceso a los registros",
        "RD 311/2022, Anexo II, op.exp.8 [op.exp.8.r4]",
        &["op.exp.10"],
    );
    let a = &agg.access;
    s.set_metrics(OpExp8R4Metrics {
        admin_actions: a.admin_actions,
        admin_actions_by_actor: ActorCounts(a.admin_by_actor.to_json()),
        admin_actions_by_outcome: a.admin_by_outcome.to_json(),
        admin_actions_without_actor: a.admin_without_actor,
        log_exports_in_log: a.log_exports,
        log_exports_by_actor: ActorCounts(a.log_exports_by_actor.to_json()),
    });
    // Access to the logs is shown by recorded exports or reads of the log,
    // each naming who read it; administrative actions are context, not
    // accesses to the log. Whether only authorised people could read it is
    // the access policy, outside the log: partial at most.
    let exports_without_actor = a
        .log_exports_by_actor
        .sorted()
        .into_iter()
        .find(|(k, _)| k.as_str() == "(none)")
        .map_or(0, |(_, n)| *n);
    s.status = if a.log_exports == 0 {
        s.gap("no export or read of the activity log is recorded in the window: access to the logs is not shown (administrative actions are not accesses to the log)");
        Status::NotEvidenced
    } else {
        if exports_without_actor > 0 {
            s.gap(format!(
                "{exports_without_actor} export(s) of the log name no actor"
            ));
        }
        Status::Partial
    };
    if a.admin_without_actor > 0 {
        s.gap(format!(
            "{} administrative action(s) name no actor",
            a.admin_without_actor
        ));
    }
    s.gap("exports of the log are recorded by the export service's job records, not in this event log; who may read logs (the access policy) is not in the log");
    s.evidence = agg.samples.evidence(Ens, Pop::LogExport, false, false);
    s
}

/// Log review (op.exp.8 reinforcement R1; required from category MEDIA): the
/// log shows reviews only as exports or reads of the log it records.
pub(super) fn op_exp_8_r1(agg: &Aggregate, profile: Profile<'_>) -> Section {
    let mut s = section(
        "op.exp.8.r1",
        "Registro de la actividad, refuerzo R1: revisión de los registros",
        "RD 311/2022, Anexo II, op.exp.8 [op.exp.8.r1]",
        &[],
    );
    let a = &agg.access;
    let category = profile.and_then(|p| p.profile.ens_category().map(|c| (p.version, c)));
    s.set_metrics(OpExp8R1Metrics {
        log_exports_in_log: a.log_exports,
        log_exports_by_actor: ActorCounts(a.log_exports_by_actor.to_json()),
        required_from_category: "MEDIA",
        declared_category: category.map_or("not_declared", |(_, c)| c.as_str()),
    });
    if let Some((version, c)) = category {
        s.declare(version, "ens.category", json!(c.as_str()));
        if c == EnsCategory::Basica {
            s.gap("the declared category is BASICA: this reinforcement is not required (RD 311/2022, Anexo II, op.exp.8)");
        }
    } else {
        s.gap("the ENS category is not declared in the tenant's compliance profile: whether this reinforcement is required is not stated");
    }
    s.status = if a.log_exports == 0 {
        s.gap("no export or read of the activity log is recorded in the window");
        Status::NotEvidenced
    } else {
        Status::Partial
    };
    s.gap("an export of the log shows that it was read, not that it was reviewed, by whom it was analysed, or what was concluded; review records are outside the log");
    s.evidence = agg.samples.evidence(Ens, Pop::LogExport, false, false);
    s
}
