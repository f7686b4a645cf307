//! AEPD sections on breaches (Art. 33/34), DPIA triggers (Art. 35) and transfers (Chapter V).
use super::{BREACH_CLOCK_HOURS, section};
use crate::formats::reports::Framework::Aepd;
use crate::formats::reports::aggregate::{Aggregate, Pop};
use crate::formats::reports::envelope::{Section, Status};
use crate::formats::reports::num::{MS_PER_HOUR, iso_ms};
use serde_json::{Value, json};

pub(super) fn breaches(agg: &Aggregate) -> Section {
    let mut s = section(
        "rgpd.33_34",
        "Personal data breach candidates and the 72-hour clock",
        "GDPR Art. 33 and 34",
    );
    let b = &agg.breaches;
    let end = agg.window.end.timestamp_millis();
    let mut list: Vec<&crate::formats::reports::aggregate::Breach> = b.by_case.values().collect();
    list.sort_by(|x, y| {
        x.detected_at
            .cmp(&y.detected_at)
            .then(x.event_id.cmp(&y.event_id))
    });
    let unlinked = list.iter().filter(|x| x.incident_id.is_none()).count() as u64;
    let shown: Vec<Value> = list
        .iter()
        .take(crate::formats::reports::sample::EVIDENCE_CAP)
        .map(|x| {
            let due = x.detected_at + BREACH_CLOCK_HOURS * MS_PER_HOUR;
            json!({
                "event_id": x.event_id,
                "kind": x.kind,
                "incident_id": x.incident_id,
                "detected_at": iso_ms(x.detected_at),
                "notify_by": iso_ms(due),
                "clock_at_window_end": if due <= end { "elapsed" } else { "running" },
                "provider": x.provider,
                "region": x.region,
                "region_class": x.region_class,
                "data_categories": x.categories,
            })
        })
        .collect();
    s.metrics = json!({
        "candidates": b.total,
        "candidates_without_incident_record": unlinked,
        "untracked_candidates": b.untracked,
        "candidate_rule": "a request allowed to a provider with personal data whose region is outside the EEA and has no adequacy decision, or is not stated; or an event of an incident (incident_id) carrying personal data. Events of one request (else incident) are one candidate",
        "clock_rule": "72 hours from detection, taken as the moment of awareness (Art. 33(1)); state at the window end",
        "listed": shown,
        "listed_rule": "the 25 earliest candidates by detection time, ties by event id",
    });
    s.status = if b.total == 0 {
        s.gap("no breach candidate in the window; absence of records is not evidence that no breach occurred");
        Status::NotEvidenced
    } else if unlinked == 0 && b.untracked == 0 {
        Status::Evidenced
    } else {
        s.gap(format!(
            "{unlinked} candidate(s) have no incident record in the log"
        ));
        Status::Partial
    };
    s.gap("whether a candidate is a breach, its risk to people, and any notification to the AEPD or to data subjects are not in the log");
    s.evidence = agg.samples.evidence(Aepd, Pop::Breach, false, true);
    s
}

pub(super) fn dpia(agg: &Aggregate) -> Section {
    let mut s = section(
        "rgpd.35",
        "Data protection impact assessment triggers",
        "GDPR Art. 35; AEPD DPIA lists",
    );
    let p = &agg.privacy;
    let non_eea = p
        .transfers_by_class
        .iter()
        .filter(|(k, _)| **k != "eea")
        .map(|(_, v)| *v)
        .sum::<u64>();
    let mut triggers = Vec::new();
    if p.special_events > 0 {
        triggers.push("special_category_processing");
    }
    if agg.oversight.opened > 0 || agg.traffic.decisions.block > 0 {
        triggers.push("automated_decisions_on_requests");
    }
    if non_eea > 0 {
        triggers.push("transfers_outside_eea");
    }
    triggers.push("innovative_technology_ai");
    s.metrics = json!({
        "special_category_requests": p.special_events,
        "days_with_special_category_processing": p.special_days.len(),
        "distinct_actors_with_special_category_requests": p.special_actors.to_json(),
        "personal_data_requests": p.personal_events,
        "distinct_actors_with_personal_data_requests": p.personal_actors.to_json(),
        "applications": agg.access.apps.to_json(),
        "indicators": triggers,
        "note": "indicators are inputs for the controller's 'large scale' assessment (EDPB WP248 rev.01 criteria); no threshold is applied",
    });
    s.status = if agg.count == 0 {
        s.gap("no events in the window");
        Status::NotEvidenced
    } else {
        Status::Partial
    };
    s.gap("whether a DPIA was carried out, and its content, are not in the log");
    s.evidence = agg.samples.evidence(Aepd, Pop::Special, false, false);
    s
}

pub(super) fn transfers(agg: &Aggregate) -> Section {
    let mut s = section(
        "rgpd.44_49",
        "International transfers",
        "GDPR Chapter V, Art. 44-49",
    );
    let p = &agg.privacy;
    let sent = |class: &str| p.sent_by_class.get(class).copied().unwrap_or(0);
    let (adequacy, non_eea, unknown) =
        (sent("adequacy_decision"), sent("non_eea"), sent("unknown"));
    let redacted: u64 = p.non_eea.map.values().map(|d| d.redact).sum();
    s.metrics = json!({
        "personal_data_requests_by_region_class": p.transfers_by_class,
        "personal_data_sent_by_region_class": p.sent_by_class,
        "outside_eea_by_provider_region": p.non_eea.to_json_with(),
        "sent_to_adequacy_regions": adequacy,
        "sent_outside_eea_without_adequacy": non_eea,
        "sent_to_unknown_region": unknown,
        "redacted_before_sending_outside_eea": redacted,
        "eea_regions": crate::formats::reports::eea::EEA_REGIONS,
        "adequacy_regions": crate::formats::reports::eea::ADEQUACY_REGIONS,
        "region_rule": "a provider region is EEA only if listed in eea_regions; adequacy_regions are outside the EEA with an adequacy decision (Art. 45); any other region is non_eea; a missing region is unknown. Sent = not blocked and not redacted (redaction removed the detected data before sending)",
    });
    s.status = if p.personal_events == 0 {
        s.gap("no personal-data request in the window");
        Status::NotEvidenced
    } else if non_eea + unknown == 0 {
        Status::Evidenced
    } else {
        s.gap(format!(
            "{} personal-data request(s) went to a region outside the EEA without an adequacy decision, or to an unstated region; the safeguard used (SCCs, EU-US DPF certification, Art. 49 derogation) is not in the log",
            non_eea + unknown
        ));
        Status::Partial
    };
    if adequacy > 0 {
        s.gap(format!("{adequacy} personal-data request(s) went to a region covered by an adequacy decision (Art. 45)"));
    }
    s.evidence = agg
        .samples
        .evidence(Aepd, Pop::NonEeaPersonal, false, false);
    s
}
