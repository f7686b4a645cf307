//! compliance-aesia, Art. 73: serious-incident candidates and whether each
//! was reported within its deadline (the deployer's duty through Art. 26(5)).
use super::super::Framework::Aesia;
use super::super::aggregate::{Aggregate, Pop};
use super::super::common;
use super::super::declared::{self, Profile};
use super::super::envelope::{Section, Status};
use super::super::num::{MS_PER_DAY, iso_ms};
use crate::formats::reports::metrics::*;
use kt_domain::profile::Authority;
use serde_json::{Value, json};

/// The Art. 73 reporting deadlines from awareness (days).
pub const DEADLINE_GENERAL_DAYS: i64 = 15;
pub const DEADLINE_DEATH_DAYS: i64 = 10;
pub const DEADLINE_WIDESPREAD_DAYS: i64 = 2;

pub(super) fn art73(agg: &Aggregate, profile: Profile<'_>) -> Section {
    let mut s = Section::new(
        "art73",
        "Serious incidents: candidates and reporting deadlines",
        "Regulation (EU) 2024/1689, Art. 73 (deployers: Art. 26(5))",
    );
    let c = &agg.serious;
    let end = agg.window.end.timestamp_millis();
    let mut list: Vec<(
        &super::super::aggregate::IdStr,
        &super::super::aggregate::SeriousCandidate,
    )> = c.by_case.iter().collect();
    list.sort_by(|a, b| {
        a.1.detected_at
            .cmp(&b.1.detected_at)
            .then(a.1.event_id.cmp(&b.1.event_id))
    });
    let not_escalated = list
        .iter()
        .filter(|(_, x)| x.escalated_at.is_none())
        .count() as u64;
    let d2e = common::hist_from(
        list.iter()
            .filter_map(|(_, x)| x.escalated_at.map(|e| e - x.detected_at)),
    );
    let deadline = |at: i64, days: i64| {
        let due = at + days * MS_PER_DAY;
        json!({"due": iso_ms(due), "passed_at_window_end": due <= end})
    };
    // Candidates with a declared notification (or a declared assessment that
    // none was due) to the market surveillance authority.
    let mut answered = 0u64;
    let mut overdue_unanswered = 0u64;
    let mut answers = Vec::with_capacity(list.len());
    for (_, x) in &list {
        let id = x.incident_id.clone().unwrap_or_else(|| x.event_id.clone());
        let outcome = declared::notification(&mut s, profile, Authority::MarketSurveillance, &id);
        if outcome.is_some() {
            answered += 1;
        } else if x.detected_at + DEADLINE_WIDESPREAD_DAYS * MS_PER_DAY <= end {
            overdue_unanswered += 1;
        }
        answers.push(outcome);
    }
    let shown: Vec<Value> = list
        .iter()
        .zip(&answers)
        .take(super::super::sample::EVIDENCE_CAP)
        .map(|((_, x), answer)| {
            json!({
                "declared_notification": answer.map_or(json!("not_declared"), |a| json!(a)),
                "candidate_id": x.incident_id.clone().unwrap_or_else(|| x.event_id.clone()),
                "kind": x.kind,
                "event_id": x.event_id,
                "incident_id": x.incident_id,
                "request_id": x.request_id,
                "detected_at": iso_ms(x.detected_at),
                "escalated_at": x.escalated_at.map(iso_ms),
                "escalated_via": x.escalated_via,
                "detection_to_escalation_ms": x.escalated_at.map(|e| e - x.detected_at),
                "deadlines": {
                    "general_15_days": deadline(x.detected_at, DEADLINE_GENERAL_DAYS),
                    "death_10_days": deadline(x.detected_at, DEADLINE_DEATH_DAYS),
                    "widespread_or_critical_infrastructure_2_days": deadline(x.detected_at, DEADLINE_WIDESPREAD_DAYS),
                },
                "applicable_deadline": "undetermined_from_log",
            })
        })
        .collect();
    s.set_metrics(Art73Metrics {
        candidates: c.total,
        candidates_not_escalated: not_escalated,
        candidates_with_declared_notification_or_assessment: answered,
        candidates_past_the_2_day_deadline_without_declaration: overdue_unanswered,
        untracked_candidates: c.untracked,
        candidate_rule: "an incident.reported event, or any event with risk_level critical; events of one request (else incident) are one candidate",
        detection_to_escalation_ms: d2e.summary(),
        deadline_rule: "deadlines run from detection, taken as the moment of awareness: 15 days in general, 10 days if a person died, 2 days for a widespread infringement or a serious incident affecting critical infrastructure. The log cannot tell which applies (it records no harm outcome), so all three are given and the 2-day one is the safe planning date",
        listed: json!(shown),
        listed_rule: "the 25 earliest candidates by detection time, ties by event id",
    });
    let all_answered = answered == c.total && c.untracked == 0;
    s.status = if c.total == 0 {
        s.gap("no incident candidate in the window; absence of records is not evidence that no serious incident occurred");
        Status::NotEvidenced
    } else if not_escalated == 0 && c.untracked == 0 {
        declared::cap(Status::Evidenced, all_answered)
    } else {
        s.gap(format!(
            "{not_escalated} candidate(s) were not followed by an incident report or escalation in the log"
        ));
        Status::Partial
    };
    if c.total > answered {
        s.gap(format!(
            "{} of {} candidate(s) have no notification to the market surveillance authority, or assessment that none was due, declared in the tenant's compliance profile (notifications); {overdue_unanswered} of them were past the 2-day deadline at the window end. The gateway log does not record notifications",
            c.total - answered,
            c.total
        ));
    }
    s.gap("harm, causal link and seriousness (Art. 3(49)) are assessed by people, not derivable from the log");
    s.evidence = agg.samples.evidence(Aesia, Pop::Incident, false, true);
    s
}
