//! Projections more than one framework shows (log completeness, gaps,
//! oversight, providers; retention in `retention.rs`), with their status rules.
use super::aggregate::Aggregate;
use super::aggregate::quality::GAP_THRESHOLD_MIN;
use super::aggregate::traffic::Traffic;
use super::doc::{Counts, Distinct, Quantiles};
use super::envelope::{Section, Status};
use super::num::{MS_PER_HOUR, MS_PER_MIN, frac, iso_ms, pct};
pub use super::retention::{RetentionMetrics, retention, retention_metrics, retention_status};
use super::sketch::LogHistogram;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

/// A share at or above this counts as complete (rounding and stray events aside).
pub const COMPLETE: f64 = 0.99;
/// An escalation waiting for a human longer than this is flagged.
pub const REVIEW_SLA_HOURS: i64 = 24;

/// Field completeness over request events, as percentages.
pub fn completeness(agg: &Aggregate) -> Completeness {
    let r = &agg.quality.requests;
    Completeness {
        population: "request events (gateway.request, policy.decision, escalation.opened)",
        events: r.events,
        ts: pct(r.events, r.events),
        request_id: pct(r.request_id, r.events),
        actor: pct(r.actor, r.events),
        model: pct(r.model, r.events),
        decision: pct(r.decision, r.events),
        config_version: pct(r.config_version, r.events),
    }
}

/// Field completeness (%) over request events; `null` without request events.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Completeness {
    pub population: &'static str,
    pub events: u64,
    pub ts: Option<f64>,
    pub request_id: Option<f64>,
    pub actor: Option<f64>,
    pub model: Option<f64>,
    pub decision: Option<f64>,
    pub config_version: Option<f64>,
}

/// Silences in the log longer than the threshold.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LogGaps {
    pub threshold_minutes: i64,
    pub count: u64,
    pub total_minutes: i64,
    /// The longest, longest first (ties by start).
    pub longest: Vec<Silence>,
    pub includes_window_edges: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Silence {
    pub from: String,
    pub to: String,
    pub minutes: i64,
}

/// Fields present on fewer than [`COMPLETE`] of request events.
pub fn incomplete_fields(agg: &Aggregate) -> Vec<&'static str> {
    let r = &agg.quality.requests;
    [
        ("request_id", r.request_id),
        ("actor", r.actor),
        ("model", r.model),
        ("decision", r.decision),
        ("config_version", r.config_version),
    ]
    .into_iter()
    .filter(|(_, n)| frac(*n, r.events) < COMPLETE)
    .map(|(k, _)| k)
    .collect()
}

/// Silences longer than the threshold, window edges included: (count, total minutes, json).
pub fn log_gaps(agg: &Aggregate) -> (u64, i64, LogGaps) {
    let q = &agg.quality;
    let mut gaps = q.gaps.clone();
    let (mut count, mut total) = (q.gap_count, q.gap_total_ms);
    let start = agg.window.start.timestamp_millis();
    let end = agg.window.end.timestamp_millis();
    let edges = match (agg.first_ts, agg.last_ts) {
        (Some(f), Some(l)) => vec![(start, f), (l, end)],
        _ => vec![(start, end)],
    };
    for (from, to) in edges {
        let len = to - from;
        if len > GAP_THRESHOLD_MIN * MS_PER_MIN {
            count += 1;
            total += len;
            gaps.push((len, from, to));
        }
    }
    gaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    gaps.truncate(super::aggregate::quality::MAX_LISTED_GAPS);
    let longest = gaps
        .iter()
        .map(|(len, from, to)| Silence {
            from: iso_ms(*from),
            to: iso_ms(*to),
            minutes: len / MS_PER_MIN,
        })
        .collect();
    let minutes = total / MS_PER_MIN;
    (
        count,
        minutes,
        LogGaps {
            threshold_minutes: GAP_THRESHOLD_MIN,
            count,
            total_minutes: minutes,
            longest,
            includes_window_edges: true,
        },
    )
}

pub fn gap_statement(agg: &Aggregate, count: u64, minutes: i64) -> Option<String> {
    (count > 0).then(|| {
        let share = share_of_period(agg, minutes);
        format!(
            "{count} silence(s) longer than {GAP_THRESHOLD_MIN} minutes ({minutes} minutes in total, {share} of the period); the log cannot tell quiet periods from collection outages"
        )
    })
}

/// `minutes` as a share of the report's period, in whole percent rounded
/// down ("97%", never "100%" while any minute had events), or "under 1%":
/// a reader of a section whose status silences do not lower sees at once
/// how much of the period the log says nothing about.
fn share_of_period(agg: &Aggregate, minutes: i64) -> String {
    let period = (agg.window.end - agg.window.start).num_minutes().max(1);
    match minutes * 100 / period {
        0 => "under 1%".to_string(),
        pct => format!("{pct}%"),
    }
}

/// Human oversight of escalations (AI Act Art. 14 / 26(2), GDPR Art. 22).
pub fn oversight(agg: &Aggregate) -> (Status, OversightMetrics, Vec<String>) {
    let o = &agg.oversight;
    let end = agg.window.end.timestamp_millis();
    let mut pending = 0u64;
    let mut pending_by_risk = std::collections::BTreeMap::<String, u64>::new();
    let mut oldest_pending: Option<i64> = None;
    let mut beyond_sla = 0u64;
    for (_, x) in o.pending() {
        pending += 1;
        if x.opened_at
            .is_some_and(|at| end - at > REVIEW_SLA_HOURS * MS_PER_HOUR)
        {
            beyond_sla += 1;
        }
        *pending_by_risk
            .entry(x.risk().map_or("(none)", |r| r.as_str()).to_string())
            .or_default() += 1;
        let at = x.opened_at.unwrap_or(end);
        oldest_pending = Some(oldest_pending.map_or(at, |p| p.min(at)));
    }
    let metrics = OversightMetrics {
        escalations_opened: o.opened,
        escalations_resolved: o.resolved,
        resolved_opened_before_window: o.resolved_unmatched,
        resolutions_before_opening: o.resolved_before_opening,
        resolutions_before_opening_rule: "a resolution timestamped before its own escalation's opening in the window (export order: ts, then event id) is a timestamp anomaly: it gives no time to decision or override, and the escalation counts as pending at the window end",
        pending_at_window_end: pending,
        review_sla_hours: REVIEW_SLA_HOURS,
        pending_beyond_sla_at_window_end: beyond_sla,
        pending_by_risk,
        oldest_pending_age_hours: oldest_pending.map(|t| (end - t) / MS_PER_HOUR),
        time_to_decision_ms: o.time_to_decision.summary(),
        distinct_reviewers: o.reviewers.to_json(),
        resolutions_without_reviewer: o.resolved_without_reviewer,
        resolutions_by_decision: o.resolutions.to_json(),
        human_overrides: o.overrides,
        override_rule: "a resolution whose decision differs from the automated decision (the escalation.opened decision when it is not `escalate`, else `block`: an escalated request is withheld until a human decides)",
        opened_by_risk: o.opened_by_risk.to_json(),
        overrides_by_risk: o.overrides_by_risk.to_json(),
        high_or_critical_risk_events: agg.quality.high_or_critical,
        escalation_events_without_id: o.without_id,
        untracked_escalations: o.untracked,
    };
    let mut gaps = Vec::new();
    let status = if o.opened + o.resolved == 0 {
        gaps.push(format!(
            "no escalation to human review in the window ({} high/critical-risk events)",
            agg.quality.high_or_critical
        ));
        Status::NotEvidenced
    } else {
        if o.resolved_without_reviewer > 0 {
            gaps.push(format!(
                "{} resolution(s) do not name a reviewer",
                o.resolved_without_reviewer
            ));
        }
        if o.resolved_unmatched > 0 {
            gaps.push(format!(
                "{} resolution(s) of escalations opened before the window: no time to decision for them",
                o.resolved_unmatched
            ));
        }
        if o.resolved_before_opening > 0 {
            gaps.push(format!(
                "{} resolution(s) are timestamped before their own escalation's opening (a timestamp anomaly): they do not count as resolving it, and those escalations are counted as pending",
                o.resolved_before_opening
            ));
        }
        if beyond_sla > 0 {
            gaps.push(format!(
                "{beyond_sla} escalation(s) were waiting for a human decision for more than {REVIEW_SLA_HOURS} hours at the window end"
            ));
        } else if pending > 0 {
            gaps.push(format!(
                "{pending} escalation(s) still pending at the window end, within the {REVIEW_SLA_HOURS}-hour review SLA"
            ));
        }
        if o.resolved == 0 {
            gaps.push("no escalation was resolved in the window".into());
        }
        if o.without_id > 0 || o.untracked > 0 {
            gaps.push(
                "some escalation events could not be linked (missing or untracked escalation_id)"
                    .into(),
            );
        }
        // Resolutions of escalations opened before the window are a windowing
        // effect, not a gap in oversight: they are stated but do not lower the status.
        if o.resolved > 0
            && o.resolved_without_reviewer == 0
            && o.without_id == 0
            && o.untracked == 0
            && beyond_sla == 0
            && o.resolved_before_opening == 0
        {
            Status::Evidenced
        } else {
            Status::Partial
        }
    };
    gaps.push("whether reviewers were competent, trained and had authority (Art. 26(2)) is not in the log".into());
    (status, metrics, gaps)
}

/// The status of a section that relies on every request naming its provider:
/// not evidenced when none does (`none` is the gap), partial when some do not
/// (`missing(count)` is the gap), evidenced otherwise.
pub fn provider_coverage(
    s: &mut Section,
    t: &Traffic,
    none: &str,
    missing: impl FnOnce(u64) -> String,
) -> Status {
    if t.providers.is_empty() {
        s.gap(none);
        Status::NotEvidenced
    } else if t.request_without_provider == 0 {
        Status::Evidenced
    } else {
        s.gap(missing(t.request_without_provider));
        Status::Partial
    }
}

/// `{key: provider stats}` for a provider map.
pub fn providers(
    map: &super::counters::CappedMap<super::aggregate::traffic::ProviderStats>,
) -> Value {
    let mut m: serde_json::Map<String, Value> = map
        .sorted()
        .into_iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    if map.overflow > 0 {
        m.insert("(other_requests)".into(), json!(map.overflow));
    }
    Value::Object(m)
}

/// Evidence for a section with nothing to sample.
pub fn no_evidence() -> super::doc::Evidence {
    super::doc::Evidence::none()
}

pub fn hist_from(values: impl Iterator<Item = i64>) -> LogHistogram {
    let mut h = LogHistogram::default();
    for v in values {
        h.add(v);
    }
    h
}

/// Configuration versions seen in use before their publication in the window.
pub fn configs_used_before_publication(agg: &Aggregate) -> u64 {
    agg.traffic
        .configs
        .sorted()
        .into_iter()
        .filter(|(_, c)| c.used_before_publication())
        .count() as u64
}

/// The gap for versions used before their publication (none when there are none).
pub fn config_trail_gap(agg: &Aggregate, s: &mut Section) -> bool {
    let early = configs_used_before_publication(agg);
    if early > 0 {
        s.gap(format!(
            "{early} of {} configuration version(s) were named by events before their config.published event in the window (first_seen before published_at): the trail does not show them published before use",
            agg.traffic.configs.len()
        ));
    }
    early > 0
}

/// Configuration versions seen, ordered by first sighting.
pub fn config_timeline(agg: &Aggregate) -> Vec<Value> {
    let mut timeline: Vec<(i64, &String, Value)> = agg
        .traffic
        .configs
        .sorted()
        .into_iter()
        .map(|(k, c)| (c.first_seen, k, c.to_json(k)))
        .collect();
    timeline.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    timeline.into_iter().map(|(_, _, v)| v).collect()
}

/// Human oversight figures (AI Act Art. 14 / 26(2), GDPR Art. 22).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OversightMetrics {
    pub escalations_opened: u64,
    pub escalations_resolved: u64,
    pub resolved_opened_before_window: u64,
    pub resolutions_before_opening: u64,
    pub resolutions_before_opening_rule: &'static str,
    pub pending_at_window_end: u64,
    pub review_sla_hours: i64,
    pub pending_beyond_sla_at_window_end: u64,
    pub pending_by_risk: Counts,
    pub oldest_pending_age_hours: Option<i64>,
    pub time_to_decision_ms: Quantiles,
    pub distinct_reviewers: Distinct,
    pub resolutions_without_reviewer: u64,
    pub resolutions_by_decision: Counts,
    pub human_overrides: u64,
    pub override_rule: &'static str,
    pub opened_by_risk: Counts,
    pub overrides_by_risk: Counts,
    pub high_or_critical_risk_events: u64,
    pub escalation_events_without_id: u64,
    pub untracked_escalations: u64,
}

#[cfg(test)]
mod gap_statement_tests {
    use super::*;
    use crate::formats::reports::Framework;
    use kt_domain::ExportFormat;

    #[test]
    fn silences_are_said_with_their_share_of_the_period_rounded_down() {
        let ctx = crate::formats::test_support::context(ExportFormat::ComplianceAll);
        let agg = Aggregate::new(ctx.window, "acme", "k", &Framework::ALL);
        let period = (ctx.window.end - ctx.window.start).num_minutes();
        assert_eq!(gap_statement(&agg, 0, 0), None);
        let said = |minutes| gap_statement(&agg, 1, minutes).unwrap();
        assert!(
            said(1).contains("(1 minutes in total, under 1% of the period)"),
            "{}",
            said(1)
        );
        assert!(
            said(period / 2).contains(", 50% of the period)"),
            "{}",
            said(period / 2)
        );
        // Never "100%" while some minute had events.
        assert!(
            said(period - 1).contains(", 99% of the period)"),
            "{}",
            said(period - 1)
        );
    }
}
