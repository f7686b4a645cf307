//! AEPD sections on breaches (Art. 33/34), DPIA triggers (Art. 35) and transfers (Chapter V).
use super::{BREACH_CLOCK_HOURS, section};
use crate::formats::reports::Framework::Aepd;
use crate::formats::reports::aggregate::{Aggregate, Pop};
use crate::formats::reports::declared::{self, Profile};
use crate::formats::reports::eea::{ADEQUACY_DECISIONS, RegionClass, adequacy_country, classify};
use crate::formats::reports::envelope::{Section, Status};
use crate::formats::reports::metrics::*;
use crate::formats::reports::num::{MS_PER_HOUR, iso_ms};
use kt_domain::profile::{Authority, TransferBasis};
use serde_json::{Value, json};

pub(super) fn breaches(agg: &Aggregate, profile: Profile<'_>) -> Section {
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
    let answers: Vec<Option<&'static str>> = list
        .iter()
        .map(|x| {
            let id = x.incident_id.as_deref().unwrap_or(&x.event_id);
            declared::notification(&mut s, profile, Authority::Aepd, id)
        })
        .collect();
    let answered = answers.iter().filter(|a| a.is_some()).count() as u64;
    let shown: Vec<Value> = list
        .iter()
        .zip(&answers)
        .take(crate::formats::reports::sample::EVIDENCE_CAP)
        .map(|(x, answer)| {
            let due = x.detected_at + BREACH_CLOCK_HOURS * MS_PER_HOUR;
            json!({
                "declared_notification": answer.map_or(json!("not_declared"), |a| json!(a)),
                "event_id": x.event_id,
                "kind": x.kind,
                "incident_id": x.incident_id,
                "detected_at": iso_ms(x.detected_at),
                "notify_by": iso_ms(due),
                "clock_at_window_end": if due <= end { "elapsed" } else { "running" },
                "provider": x.provider,
                "region": x.region,
                "data_categories": x.categories,
            })
        })
        .collect();
    s.set_metrics(BreachesMetrics {
        candidates: b.total,
        candidates_without_incident_record: unlinked,
        candidates_with_declared_notification_or_assessment: answered,
        untracked_candidates: b.untracked,
        candidate_rule: "an event of an incident (incident_id) carrying personal data; events of one request (else incident) are one candidate. Transfers outside the EEA are reviewed in rgpd.44_49, not treated as breaches",
        clock_rule: "72 hours from detection, taken as the moment of awareness (Art. 33(1)); state at the window end",
        listed: json!(shown),
        listed_rule: "the 25 earliest candidates by detection time, ties by event id",
    });
    s.status = if b.total == 0 {
        s.gap("no breach candidate in the window; absence of records is not evidence that no breach occurred");
        Status::NotEvidenced
    } else if unlinked == 0 && b.untracked == 0 {
        declared::cap(Status::Evidenced, answered == b.total)
    } else {
        s.gap(format!(
            "{unlinked} candidate(s) have no incident record in the log"
        ));
        Status::Partial
    };
    if b.total > answered {
        s.gap(format!(
            "{} of {} candidate(s) have no notification to the AEPD, or assessment that none was due, declared in the tenant's compliance profile (notifications)",
            b.total - answered,
            b.total
        ));
    }
    s.gap("whether a candidate is a breach, its risk to people, and any communication to data subjects (Art. 34) are not in the log");
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
    s.set_metrics(DpiaMetrics {
        special_category_requests: p.special_events,
        days_with_special_category_processing: p.special_days.len() as u64,
        distinct_actors_with_special_category_requests: p.special_actors.to_json(),
        personal_data_requests: p.personal_events,
        distinct_actors_with_personal_data_requests: p.personal_actors.to_json(),
        applications: agg.access.apps.to_json(),
        indicators: json!(triggers),
        note: "indicators are inputs for the controller's 'large scale' assessment (EDPB WP248 rev.01 criteria); no threshold is applied",
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

pub(super) fn transfers(agg: &Aggregate, profile: Profile<'_>) -> Section {
    let mut s = section(
        "rgpd.44_49",
        "International transfers",
        "GDPR Chapter V, Art. 44-49",
    );
    let p = &agg.privacy;
    let reviewed = p.reviewed(&agg.oversight);
    // Sent = not blocked, not redacted, and not held (or allowed by the reviewer).
    let mut sent_by_class = p.sent_by_class.clone();
    for (class, n) in &reviewed.allowed_by_class {
        *sent_by_class.entry(class.to_string()).or_default() += n;
    }
    let mut review = Vec::new();
    let mut covered = Vec::new();
    let mut needing_review = 0u64;
    for (dest, d) in p.non_eea.sorted() {
        let sent = d.allow
            + d.other
            + d.none
            + reviewed
                .allowed_by_destination
                .get(dest)
                .copied()
                .unwrap_or(0);
        if sent == 0 {
            continue;
        }
        let (provider, region) = dest.rsplit_once('/').unwrap_or((dest.as_str(), "(none)"));
        let class = classify((region != "(none)").then_some(region));
        let declaration = profile.and_then(|pr| {
            pr.profile
                .providers
                .iter()
                .flatten()
                .enumerate()
                .find(|(_, x)| {
                    x.provider.eq_ignore_ascii_case(provider)
                        && x.regions.iter().any(|r| r.eq_ignore_ascii_case(region))
                        && x.transfer_basis.is_some()
                })
                .map(|(i, x)| (pr.version, i, x))
        });
        let basis = match (class, declaration) {
            (RegionClass::Adequacy, _) => Some(format!(
                "adequacy decision for {} (Art. 45)",
                adequacy_country(region).unwrap_or("?")
            )),
            // The DPF covers only US recipients; elsewhere a declared DPF is no basis.
            (RegionClass::UsDpfOnly, Some((v, i, x))) => {
                s.declare(v, format!("providers[{i}]"), json!({"provider": x.provider, "regions": x.regions, "transfer_basis": x.transfer_basis.map(TransferBasis::as_str), "dpa_ref": x.dpa_ref}));
                Some(format!(
                    "declared: {}",
                    x.transfer_basis.map_or("", TransferBasis::as_str)
                ))
            }
            (RegionClass::NonEea, Some((v, i, x)))
                if x.transfer_basis != Some(TransferBasis::Dpf) =>
            {
                s.declare(v, format!("providers[{i}]"), json!({"provider": x.provider, "regions": x.regions, "transfer_basis": x.transfer_basis.map(TransferBasis::as_str), "dpa_ref": x.dpa_ref}));
                Some(format!(
                    "declared: {}",
                    x.transfer_basis.map_or("", TransferBasis::as_str)
                ))
            }
            _ => None,
        };
        let entry = json!({"provider": provider, "region": region, "region_class": class.as_str(), "personal_data_requests_sent": sent, "basis": basis});
        if basis.is_some() {
            covered.push(entry);
        } else {
            needing_review += sent;
            review.push(entry);
        }
    }
    let decisions: Vec<Value> = ADEQUACY_DECISIONS
        .iter()
        .map(|(country, decision, date, scope)| json!({"country": country, "decision": decision, "adopted": date, "scope": scope}))
        .collect();
    s.set_metrics(TransfersMetrics {
        personal_data_requests_by_region_class: json!(p.transfers_by_class),
        personal_data_sent_by_region_class: json!(sent_by_class),
        outside_eea_by_provider_region: json!(p.non_eea.to_json_with()),
        transfers_with_a_basis: json!(covered),
        transfers_needing_review: json!(review),
        personal_data_requests_needing_review: needing_review,
        escalated_then_allowed_by_reviewer: reviewed.allowed,
        eea_regions: json!(crate::formats::reports::eea::EEA_REGIONS),
        adequacy_regions: json!(crate::formats::reports::eea::ADEQUACY_REGIONS.iter().map(|(r, c)| json!({"region": r, "country": c})).collect::<Vec<_>>()),
        adequacy_decisions: json!(decisions),
        region_rule: "a provider region is EEA only if listed in eea_regions; adequacy_regions are in a country with an adequacy decision covering any recipient (Art. 45); United States regions are adequate only for DPF-certified recipients, which the tenant declares (transfer_basis DPF); any other region needs a basis the tenant declares for that provider and region (SCC, adequacy); a missing region needs review. Sent = not blocked, not redacted, and for escalated requests allowed by the reviewer",
    });
    s.status = if p.personal_events == 0 {
        s.gap("no personal-data request in the window");
        Status::NotEvidenced
    } else if needing_review == 0 && p.non_eea.overflow == 0 {
        Status::Evidenced
    } else {
        s.gap(format!(
            "{needing_review} personal-data request(s) went outside the EEA to a provider and region with neither an adequacy decision nor a transfer basis declared in the tenant's compliance profile (providers[].regions and transfer_basis): review them under Art. 44-49; a transfer is not a breach"
        ));
        Status::Partial
    };
    s.gap("a declared basis is cited, not checked: the SCCs, the provider's DPF certification and any transfer impact assessment are documents outside the log");
    s.evidence = agg
        .samples
        .evidence(Aepd, Pop::NonEeaPersonal, false, false);
    s
}
