//! Seeded random event streams: report metrics equal a simple recomputation.
use crate::support::*;
use kt_domain::ExportFormat;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// xorshift64*: a tiny deterministic generator, so failures replay.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
}

/// Random events in export order, as NDJSON lines.
pub fn random_events(seed: u64, n: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut ts = 1_777_586_400_000_i64 + 3_600_000; // 2026-04-30T23:00Z
    let mut lines = Vec::new();
    let mut open: Vec<String> = Vec::new();
    for i in 0..n {
        ts += (rng.next() % 400_000) as i64;
        let id = format!("evt_{seed}_{i:05}");
        let t = chrono::DateTime::from_timestamp_millis(ts)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut e = json!({"event_id": id, "ts": t, "tenant_id": "acme"});
        let kind = rng.next() % 10;
        let user = format!("u_{}", rng.next() % 40);
        if kind < 6 {
            e["event_type"] = json!(rng.pick(&["gateway.request", "policy.decision"]));
            e["request_id"] = json!(format!("req_{i}"));
            if rng.chance(90) {
                e["actor"] =
                    json!({"user_id": user, "app": rng.pick(&["a", "b", "c"]), "ip": "10.0.0.1"});
            }
            e["model"] = json!({"provider": rng.pick(&["openai", "mistral"]), "name": "m", "region": rng.pick(&["eu-west-1", "us-east-1", "eu-west-2"])});
            e["decision"] = json!(rng.pick(&["allow", "allow", "redact", "block"]));
            e["risk_level"] = json!(rng.pick(&["low", "medium", "high", "critical"]));
            let cats: Vec<&str> = [rng.pick(&["", "email", "health", "api_key"])]
                .into_iter()
                .filter(|c| !c.is_empty())
                .collect();
            e["data_categories"] = json!(cats);
            e["latency_ms"] = json!(rng.next() % 2000);
            if rng.chance(95) {
                e["config_version"] = json!("cfg_1");
            }
        } else if kind < 8 {
            let esc = format!("esc_{i}");
            e["event_type"] = json!("escalation.opened");
            e["escalation_id"] = json!(esc);
            e["decision"] = json!("escalate");
            e["actor"] = json!({"user_id": user});
            open.push(esc);
        } else if kind < 9 && !open.is_empty() {
            let k = (rng.next() % open.len() as u64) as usize;
            let esc = open.swap_remove(k);
            e["event_type"] = json!("escalation.resolved");
            e["escalation_id"] = json!(esc);
            e["decision"] = json!(rng.pick(&["allow", "block"]));
            e["reviewer"] = json!(format!("r_{}", rng.next() % 5));
        } else {
            e["event_type"] = json!(rng.pick(&["admin.action", "something.new"]));
        }
        lines.push(serde_json::to_string(&e).unwrap());
    }
    lines
}

#[test]
fn report_metrics_equal_a_simple_recomputation() {
    for seed in 1..=12u64 {
        let lines = random_events(seed, 150 + (seed as usize) * 40);
        let events: Vec<Value> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let aesia = render_json(ExportFormat::ComplianceAesia, &lines);
        let aepd = render_json(ExportFormat::ComplianceAepd, &lines);
        let ens = render_json(ExportFormat::ComplianceEns, &lines);

        // Envelope: count and digest: one line per hour, `<hour> <SHA-256 of
        // the hour's raw lines + "\n">\n`, hashed.
        let mut hours: Vec<(String, Sha256)> = Vec::new();
        for (l, e) in lines.iter().zip(&events) {
            let hour = format!("{}:00:00Z", &e["ts"].as_str().unwrap()[..13]);
            if hours.last().is_none_or(|(h, _)| *h != hour) {
                hours.push((hour, Sha256::new()));
            }
            let h = &mut hours.last_mut().unwrap().1;
            h.update(l.as_bytes());
            h.update(b"\n");
        }
        let mut all = Sha256::new();
        for (hour, h) in hours {
            all.update(format!("{hour} {}\n", hex::encode(h.finalize())).as_bytes());
        }
        let digest = format!("sha256:{}", hex::encode(all.finalize()));
        for r in [&aesia, &aepd, &ens] {
            assert_eq!(r["report"]["source"]["event_count"], lines.len());
            assert_eq!(r["report"]["source"]["events_digest"], digest.as_str());
        }

        // art12: events by type.
        let mut by_type = BTreeMap::<String, u64>::new();
        for e in &events {
            *by_type
                .entry(e["event_type"].as_str().unwrap().into())
                .or_default() += 1;
        }
        assert_eq!(
            aesia["sections"]["art12"]["metrics"]["events_by_type"],
            json!(by_type),
            "seed {seed}"
        );

        // art26.1: decisions of request events.
        let req = |e: &&Value| {
            matches!(
                e["event_type"].as_str(),
                Some("gateway.request" | "policy.decision" | "escalation.opened")
            )
        };
        let count_dec = |d: &str| {
            events
                .iter()
                .filter(req)
                .filter(|e| e["decision"] == d)
                .count()
        };
        let m = &aesia["sections"]["art26.1_26.5"]["metrics"]["decisions"];
        for d in ["allow", "redact", "block", "escalate"] {
            assert_eq!(m[d], count_dec(d), "seed {seed} {d}");
        }

        // Oversight: opened, resolved, pending.
        let opened: BTreeSet<&str> = events
            .iter()
            .filter(|e| e["event_type"] == "escalation.opened")
            .map(|e| e["escalation_id"].as_str().unwrap())
            .collect();
        let resolved: BTreeSet<&str> = events
            .iter()
            .filter(|e| e["event_type"] == "escalation.resolved")
            .map(|e| e["escalation_id"].as_str().unwrap())
            .collect();
        let o = &aesia["sections"]["art14_art26.2"]["metrics"];
        assert_eq!(o["escalations_opened"], opened.len());
        assert_eq!(o["escalations_resolved"], resolved.len());
        assert_eq!(
            o["pending_at_window_end"],
            opened.difference(&resolved).count()
        );
        // Every generated resolution approves (override) or rejects (confirms) a hold.
        let overrides = events
            .iter()
            .filter(|e| e["event_type"] == "escalation.resolved" && e["decision"] == "allow")
            .count();
        assert_eq!(o["human_overrides"], overrides, "seed {seed}");
        let reviewers: BTreeSet<&str> = events
            .iter()
            .filter_map(|e| e["reviewer"].as_str())
            .collect();
        assert_eq!(o["distinct_reviewers"]["count"], reviewers.len());

        // AEPD: personal-data requests (api_key is not personal) and special categories.
        let has = |e: &Value, c: &str| {
            e["data_categories"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == c))
        };
        let personal = events
            .iter()
            .filter(req)
            .filter(|e| has(e, "email") || has(e, "health"))
            .count();
        assert_eq!(
            aepd["sections"]["rgpd.5.1.c"]["metrics"]["personal_data_requests"],
            personal
        );
        let special = events
            .iter()
            .filter(req)
            .filter(|e| has(e, "health"))
            .count();
        assert_eq!(
            aepd["sections"]["rgpd.9"]["metrics"]["special_category_requests"],
            special
        );

        // ENS: distinct actors and anonymous requests.
        let actors: BTreeSet<&str> = events
            .iter()
            .filter_map(|e| e["actor"]["user_id"].as_str())
            .collect();
        let acc = &ens["sections"]["op.acc.1"]["metrics"];
        assert_eq!(acc["distinct_actors"]["count"], actors.len());
        let anonymous = events
            .iter()
            .filter(req)
            .filter(|e| e["actor"]["user_id"].is_null())
            .count();
        assert_eq!(acc["anonymous_requests"], anonymous);

        // Evidence: sampled ids exist, belong to the population, are capped.
        let ids: BTreeSet<&str> = events
            .iter()
            .map(|e| e["event_id"].as_str().unwrap())
            .collect();
        for r in [&aesia, &aepd, &ens] {
            for (_, s) in r["sections"].as_object().unwrap() {
                let ev = s["evidence"]["event_ids"].as_array().unwrap();
                assert!(ev.len() <= 25);
                let pop = s["evidence"]["selection"]["population"].as_u64().unwrap();
                assert_eq!(ev.len() as u64, pop.min(25));
                assert!(ev.iter().all(|id| ids.contains(id.as_str().unwrap())));
            }
        }
    }
}
