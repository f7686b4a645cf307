//! Lifecycles that cross a segment boundary merge into the single worker's report.
use super::*;
use crate::formats::reports::aggregate::AggregateState;
use crate::formats::reports::{Framework, write_reports};
use crate::formats::test_support::{context, parsed};
use crate::formats::{ExportContext, ExportSummary};
use kt_domain::ExportFormat;

/// One event per hour of 2026-05-01 (so that any cut is a cut between hours).
fn lines() -> Vec<String> {
    let user = r#""actor":{"user_id":"u_1","app":"chat"}"#;
    let model = r#""model":{"provider":"openai","name":"gpt","region":"us-east-1"}"#;
    let rest = [
        r#""event_type":"config.published","config_version":"cfg_v2","policy_ids":["pii-redact"]"#.to_string(),
        format!(r#""event_type":"gateway.request","request_id":"req_1","config_version":"cfg_v2","decision":"allow","data_categories":["email"],{user},{model},"latency_ms":120"#),
        format!(r#""event_type":"escalation.opened","request_id":"req_2","escalation_id":"esc_1","decision":"escalate","risk_level":"high","data_categories":["health"],{user},{model}"#),
        format!(r#""event_type":"escalation.opened","request_id":"req_2","escalation_id":"esc_1","decision":"escalate","risk_level":"low",{user}"#),
        r#""event_type":"incident.reported","incident_id":"inc_1","request_id":"req_3","risk_level":"critical","data_categories":["email"],"outcome":"open""#.to_string(),
        format!(r#""event_type":"escalation.opened","request_id":"req_3","escalation_id":"esc_2","decision":"escalate",{user}"#),
        r#""event_type":"incident.updated","incident_id":"inc_1","outcome":"acknowledged""#.to_string(),
        r#""event_type":"escalation.resolved","request_id":"req_2","escalation_id":"esc_1","decision":"allow","reviewer":"rev_a""#.to_string(),
        r#""event_type":"escalation.resolved","escalation_id":"esc_3","decision":"block","reviewer":"rev_b","risk_level":"medium""#.to_string(),
        format!(r#""event_type":"escalation.opened","escalation_id":"esc_3","decision":"escalate",{user}"#),
        format!(r#""event_type":"gateway.request","request_id":"req_5","config_version":"cfg_v3","decision":"redact","data_categories":["email"],{user},{model}"#),
        r#""event_type":"incident.updated","incident_id":"inc_1","outcome":"resolved""#.to_string(),
        format!(r#""event_type":"policy.decision","request_id":"req_4","decision":"block","risk_level":"critical",{user}"#),
        format!(r#""event_type":"gateway.request","request_id":"req_4","incident_id":"inc_2","decision":"allow","data_categories":["email"],{user}"#),
        r#""event_type":"escalation.resolved","request_id":"req_3","escalation_id":"esc_2","decision":"block""#.to_string(),
        r#""event_type":"config.published","config_version":"cfg_v3","policy_ids":["block-all"]"#.to_string(),
        format!(r#""event_type":"gateway.request","request_id":"req_6","config_version":"cfg_v3","decision":"allow",{user}"#),
    ];
    rest.iter()
        .enumerate()
        .map(|(h, r)| {
            format!(
                r#"{{"event_id":"evt_{h:02}","ts":"2026-05-01T{h:02}:10:00.000Z","tenant_id":"acme",{r}}}"#
            )
        })
        .collect()
}

fn aggregate(ctx: &ExportContext, lines: &[String], segment: bool) -> Aggregate {
    let new = if segment {
        Aggregate::for_segment
    } else {
        Aggregate::new
    };
    let mut agg = new(ctx.window, "acme", "k", &Framework::ALL);
    for l in lines {
        agg.observe(&parsed(l));
    }
    agg
}

/// A segment's state as the finisher reads it: through its JSON.
fn saved(agg: Aggregate) -> AggregateState {
    let json = serde_json::to_vec(&SegmentState {
        state_version: STATE_VERSION,
        aggregate: agg.into_state(),
    })
    .unwrap();
    serde_json::from_slice::<SegmentState>(&json)
        .unwrap()
        .aggregate
}

fn bundle(ctx: &ExportContext, mut agg: Aggregate, events: usize) -> Vec<u8> {
    let summary = ExportSummary {
        event_count: events as u64,
        stats: Default::default(),
    };
    let mut out = Vec::new();
    write_reports(
        ExportFormat::ComplianceAll,
        &mut agg,
        ctx,
        &summary,
        &mut out,
    )
    .unwrap();
    out
}

#[test]
fn lifecycles_across_segment_boundaries_merge_into_the_single_workers_reports() {
    let ctx = context(ExportFormat::ComplianceAll);
    let lines = lines();
    let n = lines.len();
    let whole = aggregate(&ctx, &lines, false);
    assert_eq!(whole.count, n as u64);
    let expected = bundle(&ctx, whole, n);
    let mut cuts: Vec<Vec<usize>> = (0..=n).map(|c| vec![0, c, n]).collect();
    cuts.extend([vec![0, 3, 9, n], vec![0, 5, 7, 14, n], (0..=n).collect()]);
    for cut in cuts {
        let mut merged: Option<Aggregate> = None;
        for w in cut.windows(2) {
            let part = saved(aggregate(&ctx, &lines[w[0]..w[1]], true));
            match &mut merged {
                None => merged = Some(Aggregate::from_state(ctx.window, "acme", "k", part)),
                Some(m) => m.merge(part).unwrap(),
            }
        }
        let got = bundle(&ctx, merged.unwrap(), n);
        assert!(got == expected, "cut at {cut:?} differs");
    }
}

/// The aggregate of two segments cut before event `cut`, finalized.
fn merged_at(ctx: &ExportContext, lines: &[String], cut: usize) -> Aggregate {
    let mut merged = Aggregate::from_state(
        ctx.window,
        "acme",
        "k",
        saved(aggregate(ctx, &lines[..cut], true)),
    );
    merged
        .merge(saved(aggregate(ctx, &lines[cut..], true)))
        .unwrap();
    merged.finalize();
    merged
}

#[test]
fn a_merged_aggregate_links_what_crossed_the_boundary() {
    let ctx = context(ExportFormat::ComplianceAll);
    let lines = lines();
    let m = merged_at(&ctx, &lines, 5);
    let o = &m.oversight;
    // esc_1 opened (twice) before the cut and resolved after it: one opening, matched;
    // esc_3 resolved before it was opened: a timestamp anomaly, not an
    // escalation opened before the window, and still pending.
    assert_eq!((o.opened, o.resolved, o.resolved_unmatched), (3, 3, 0));
    assert_eq!(o.resolved_before_opening, 1);
    assert_eq!(o.time_to_decision.count(), 2);
    // The same when the cut falls between esc_3's resolution and its opening.
    let m9 = merged_at(&ctx, &lines, 9);
    let o9 = &m9.oversight;
    assert_eq!((o9.resolved_unmatched, o9.resolved_before_opening), (0, 1));
    let pending: Vec<&str> = o9.pending().map(|(id, _)| id.as_str()).collect();
    assert_eq!(pending, ["esc_3"]);
    assert_eq!(o.lifecycles["esc_1"].event_ids.len(), 3);
    // inc_1 reported before the cut, acknowledged and resolved after it.
    assert_eq!(m.incidents.time_to_acknowledge.count(), 1);
    assert_eq!(m.incidents.time_to_resolve.count(), 1);
    // req_4's critical event before the cut; its incident id comes after it.
    let m = merged_at(&ctx, &lines, 13);
    assert_eq!(
        m.serious.by_case["req_4"].incident_id.as_deref(),
        Some("inc_2")
    );
    // cfg_v2 published before the cut: its request after the cut is under redaction.
    let m = merged_at(&ctx, &lines, 1);
    let p = &m.privacy;
    assert_eq!(
        (
            p.under_redaction,
            p.not_under_redaction,
            p.redaction_unknown
        ),
        (1, 1, 7)
    );
}

#[test]
fn segments_out_of_order_do_not_merge() {
    let ctx = context(ExportFormat::ComplianceAll);
    let lines = lines();
    let mut later = Aggregate::from_state(
        ctx.window,
        "acme",
        "k",
        saved(aggregate(&ctx, &lines[5..], true)),
    );
    assert!(
        later
            .merge(saved(aggregate(&ctx, &lines[..5], true)))
            .is_err()
    );
}

#[test]
fn a_counter_past_its_cap_is_not_merged_by_guesswork() {
    // 300 event types in each of two hours: 600 > the 500 keys one worker
    // keeps, and which 500 depends on the first-seen order inside the later hour.
    let ctx = context(ExportFormat::ComplianceAesia);
    let part = |hour: usize| -> Vec<u8> {
        let lines: Vec<String> = (0..300)
            .map(|i| {
                format!(
                    r#"{{"event_id":"evt_{hour}_{i:03}","ts":"2026-05-01T{hour:02}:{:02}:{:02}.000Z","tenant_id":"acme","event_type":"custom.t{hour}_{i:03}"}}"#,
                    i / 60,
                    i % 60
                )
            })
            .collect();
        serde_json::to_vec(&SegmentState {
            state_version: STATE_VERSION,
            aggregate: aggregate(&ctx, &lines, true).into_state(),
        })
        .unwrap()
    };
    let mut merger = StateMerger::new(ctx.format);
    merger.add(&ctx, &part(1)).unwrap();
    match merger.add(&ctx, &part(2)) {
        Err(MergeError::NotExact(why)) => {
            assert!(why.to_string().contains("500 keys"), "{why}")
        }
        other => panic!("expected NotExact, got {:?}", other.err()),
    }
    // A state of another version is refused, not misread.
    let mut stale: serde_json::Value = serde_json::from_slice(&part(3)).unwrap();
    stale["state_version"] = serde_json::json!(STATE_VERSION + 1);
    let stale = serde_json::to_vec(&stale).unwrap();
    let mut merger = StateMerger::new(ctx.format);
    assert!(matches!(
        merger.add(&ctx, &stale),
        Err(MergeError::Unreadable(_))
    ));
}
