//! compliance-aesia: the EU AI Act (Regulation (EU) 2024/1689) sections.
use super::Framework::Aesia;
use super::aggregate::{Aggregate, Pop};
use super::common::{self, COMPLETE};
use super::declared::{self, Profile};
use super::envelope::{Section, Status};
use super::num::{frac, ratio};
use crate::formats::reports::metrics::*;
use serde_json::{Value, json};

mod incidents;
use incidents::art73;

/// A day is a block-rate spike when it has at least this many decisions ...
pub const SPIKE_MIN_DECISIONS: u64 = 20;
/// ... and its block rate is at least twice the window's and 5 points above it.
pub const SPIKE_RULE: &str = "a day with at least 20 decisions whose block rate is at least twice the window's block rate and at least 5 percentage points above it";

pub fn sections(agg: &Aggregate, profile: Profile<'_>) -> Vec<Section> {
    let mut v = vec![
        art12(agg),
        art26_6(agg, profile),
        art14(agg),
        art26_1(agg),
        art72(agg),
        art73(agg, profile),
        art50(agg),
    ];
    v.extend(OUT_OF_SCOPE.iter().map(|(key, title, reference, line)| {
        let mut s = Section::new(key, title, reference);
        s.status = Status::OutOfScopeForLog;
        s.evidence = common::no_evidence();
        s.gap(*line);
        s
    }));
    for s in v.iter_mut().filter(|s| HIGH_RISK_ONLY.contains(&s.key)) {
        declared::high_risk_systems(s, profile);
    }
    v
}

/// Sections whose obligation binds providers or deployers of high-risk AI
/// systems only (Art. 6 and Annex III): each cites the declared systems.
pub const HIGH_RISK_ONLY: &[&str] = &[
    "art12",
    "art14_art26.2",
    "art26.1_26.5",
    "art26.6",
    "art72",
    "art73",
    "art26.7",
    "art26.11",
    "art27",
    "art86",
];

/// AI Act obligations an auditor looks for that a gateway log cannot show:
/// (key, title, reference, where that evidence lives).
const OUT_OF_SCOPE: &[(&str, &str, &str, &str)] = &[
    (
        "art4",
        "AI literacy",
        "Regulation (EU) 2024/1689, Art. 4",
        "staff AI-literacy measures are shown by training records, not by the gateway log",
    ),
    (
        "art5",
        "Prohibited AI practices",
        "Regulation (EU) 2024/1689, Art. 5",
        "whether a use is a prohibited practice is shown by the inventory and assessment of the AI systems' purposes, not by request records",
    ),
    (
        "art26.7",
        "Informing workers and their representatives",
        "Regulation (EU) 2024/1689, Art. 26(7)",
        "information given to workers' representatives and affected workers lives in the employer's records",
    ),
    (
        "art26.11",
        "Informing natural persons subject to decisions",
        "Regulation (EU) 2024/1689, Art. 26(11)",
        "notices to people subject to decisions made with a high-risk system live in the deployer's communication records",
    ),
    (
        "art27",
        "Fundamental rights impact assessment",
        "Regulation (EU) 2024/1689, Art. 27",
        "the FRIA and its notification to the market surveillance authority are documents outside the log",
    ),
    (
        "art86",
        "Right to explanation of individual decision-making",
        "Regulation (EU) 2024/1689, Art. 86",
        "requests for explanations and the answers given live in the deployer's case records",
    ),
];

fn art12(agg: &Aggregate) -> Section {
    let mut s = Section::new(
        "art12",
        "Record-keeping: automatic logging and traceability",
        "Regulation (EU) 2024/1689, Art. 12",
    );
    let (gap_count, gap_minutes, gaps_json) = common::log_gaps(agg);
    let by_day: serde_json::Map<String, Value> = agg
        .traffic
        .daily
        .iter()
        .map(|(d, x)| (d.to_string(), json!(x.events)))
        .collect();
    s.set_metrics(Art12Metrics {
        events_by_type: agg.quality.by_type.to_json(),
        events_by_day: json!(by_day),
        completeness_pct: common::completeness(agg),
        log_gaps: gaps_json,
        events_by_risk: agg.quality.by_risk.to_json(),
        high_or_critical_risk_events: agg.quality.high_or_critical,
    });
    let missing = common::incomplete_fields(agg);
    s.status = if agg.count == 0 {
        s.gap("no events in the window");
        Status::NotEvidenced
    } else if agg.quality.requests.events == 0 {
        s.gap("no request events: traceability of individual requests cannot be shown");
        Status::Partial
    } else if missing.is_empty() {
        Status::Evidenced
    } else {
        s.gap(format!(
            "fields present on fewer than 99% of request events: {}",
            missing.join(", ")
        ));
        Status::Partial
    };
    if let Some(g) = common::gap_statement(agg, gap_count, gap_minutes) {
        s.gap(g);
    }
    s.gap("logging of the AI system itself (inputs, reference databases, Art. 12(3)) is outside the gateway; the gateway log covers the requests it handled");
    s.evidence = agg.samples.evidence(Aesia, Pop::All, false, false);
    s
}

fn art26_6(agg: &Aggregate, profile: Profile<'_>) -> Section {
    let mut s = Section::new(
        "art26.6",
        "Log retention by the deployer (at least six months)",
        "Regulation (EU) 2024/1689, Art. 26(6); providers: Art. 19",
    );
    common::retention(agg, profile, &mut s);
    s.evidence = agg.samples.evidence(Aesia, Pop::All, false, false);
    s
}

fn art14(agg: &Aggregate) -> Section {
    let mut s = Section::new(
        "art14_art26.2",
        "Human oversight",
        "Regulation (EU) 2024/1689, Art. 14 and Art. 26(2)",
    );
    let (status, metrics, gaps) = common::oversight(agg);
    s.status = status;
    s.set_metrics(metrics);
    s.gaps = gaps;
    s.evidence = agg.samples.evidence(Aesia, Pop::Escalation, true, false);
    s
}

/// Days whose block rate spikes (see [`SPIKE_RULE`]).
pub fn spike_days(agg: &Aggregate) -> Vec<Value> {
    let t = &agg.traffic;
    let total = t.decisions.total() - t.decisions.none;
    let base = frac(t.decisions.block, total);
    t.daily
        .iter()
        .filter_map(|(day, d)| {
            let n = d.decisions.total() - d.decisions.none;
            let rate = frac(d.decisions.block, n);
            (n >= SPIKE_MIN_DECISIONS && rate >= 2.0 * base && rate >= base + 0.05).then(|| {
                json!({"date": day.to_string(), "decisions": n, "blocks": d.decisions.block,
                       "block_rate": ratio(d.decisions.block, n)})
            })
        })
        .collect()
}

fn art26_1(agg: &Aggregate) -> Section {
    let mut s = Section::new(
        "art26.1_26.5",
        "Use in accordance with instructions, monitoring and acting on risk",
        "Regulation (EU) 2024/1689, Art. 26(1) and 26(5)",
    );
    let t = &agg.traffic;
    let timeline = common::config_timeline(agg);
    let decided = t.decisions.total() - t.decisions.none;
    s.set_metrics(Art261Metrics {
        decisions: t.decisions.clone(),
        block_rate: ratio(t.decisions.block, decided),
        decisions_by_application: json!(t.by_app.to_json_with()),
        decisions_by_model: json!(t.by_model.to_json_with()),
        config_version_timeline: json!(timeline),
        config_version_changes: t.configs.len().saturating_sub(1) as u64,
        config_versions_used_before_publication: common::configs_used_before_publication(agg),
        block_rate_spike_days: json!(spike_days(agg)),
        spike_rule: SPIKE_RULE,
    });
    let r = &agg.quality.requests;
    let early = common::config_trail_gap(agg, &mut s);
    let named = frac(r.config_version, r.events) >= COMPLETE;
    s.status = if decided == 0 {
        s.gap("no policy decisions in the window");
        Status::NotEvidenced
    } else if named && !early {
        Status::Evidenced
    } else {
        if !named {
            s.gap("some request events do not name the configuration version in force");
        }
        Status::Partial
    };
    s.gap("the provider's instructions for use, and whether the configuration follows them, are not in the log");
    s.evidence = agg.samples.evidence(Aesia, Pop::Decision, false, false);
    s
}

fn art72(agg: &Aggregate) -> Section {
    let mut s = Section::new(
        "art72",
        "Post-market monitoring data",
        "Regulation (EU) 2024/1689, Art. 72 (deployer data the provider's plan can use)",
    );
    let t = &agg.traffic;
    let weekly: Vec<Value> = t
        .weekly
        .iter()
        .map(|(week, w)| {
            let n = w.decisions.total() - w.decisions.none;
            json!({
                "week_start": week.to_string(),
                "decisions": n,
                "block_rate": ratio(w.decisions.block, n),
                "redact_rate": ratio(w.decisions.redact, n),
                "provider_requests": w.provider_requests,
                "provider_errors": w.provider_errors,
                "error_rate": ratio(w.provider_errors, w.provider_requests),
                "latency_ms": w.latency.summary(),
                "tokens": {"input": w.tokens_input, "output": w.tokens_output},
            })
        })
        .collect();
    s.set_metrics(Art72Metrics {
        weekly: json!(weekly),
        week_starts_on: "Monday, in the report's timezone",
        by_provider_model: json!(common::providers(&t.provider_models)),
        requests_without_provider: t.request_without_provider,
    });
    let requests = agg.quality.requests.events;
    s.status = common::provider_coverage(&mut s, t, "no request names a model provider", |n| {
        format!("{n} of {requests} request events do not name a model provider")
    });
    s.gap("the provider's post-market monitoring plan and its analysis are not in the log");
    s.evidence = agg
        .samples
        .evidence(Aesia, Pop::ProviderRequest, false, false);
    s
}

fn art50(agg: &Aggregate) -> Section {
    let mut s = Section::new(
        "art50",
        "Transparency to natural persons",
        "Regulation (EU) 2024/1689, Art. 50",
    );
    let q = &agg.quality;
    let flagged = q.disclosure_true + q.disclosure_false;
    s.set_metrics(Art50Metrics {
        disclosure_flag_field: "ai_disclosure",
        request_events: q.requests.events,
        with_disclosure_true: q.disclosure_true,
        with_disclosure_false: q.disclosure_false,
        disclosure_share: if flagged == 0 {
            None
        } else {
            ratio(q.disclosure_true, q.requests.events)
        },
    });
    s.status = if flagged == 0 {
        s.gap("events carry no disclosure flag: whether people were told they interact with an AI system is outside what this log records");
        Status::OutOfScopeForLog
    } else if q.disclosure_true == q.requests.events {
        s.gap("the flag records that a disclosure was made, not its wording or that it was clear and timely (Art. 50(5))");
        Status::Evidenced
    } else {
        s.gap(format!(
            "{} of {} request events do not record a disclosure",
            q.requests.events - q.disclosure_true,
            q.requests.events
        ));
        Status::Partial
    };
    s.evidence = if flagged == 0 {
        common::no_evidence()
    } else {
        agg.samples.evidence(Aesia, Pop::Request, false, false)
    };
    s
}
