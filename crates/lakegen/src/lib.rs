//! Deterministic generator of a lake in the contract's layout (demo data, tests, benchmarks).
//!
//! Same spec, same bytes. Events cover every known field and event type of
//! the event lake (`events/tenant=<t>/dt=<day>/hour=<hh>/*.ndjson.gz`); lines are unsorted inside objects, objects of an
//! hour overlap in time, gzip objects hold several members, and the spec's
//! share of duplicates and malformed lines is mixed in. Objects are produced
//! one at a time, so a big lake never sits in memory (one hour at most).
use chrono::{NaiveDate, TimeDelta};
use flate2::{Compression, write::GzEncoder};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct LakeSpec {
    pub tenant: String,
    /// First UTC day; the lake covers `days` days from it.
    pub start_day: NaiveDate,
    pub days: u32,
    /// Distinct valid events (duplicates and malformed lines come on top).
    pub events_total: u64,
    pub objects_per_hour: u32,
    /// Share of events delivered twice (0..1).
    pub duplicate_rate: f64,
    /// Malformed lines per valid event (0..1).
    pub malformed_rate: f64,
    pub seed: u64,
    /// `.ndjson.gz` (several gzip members) or plain `.ndjson`.
    pub gzip: bool,
}

impl Default for LakeSpec {
    fn default() -> Self {
        Self {
            tenant: "acme".into(),
            start_day: NaiveDate::from_ymd_opt(2026, 5, 1).expect("valid date"),
            days: 31,
            events_total: 100_000,
            objects_per_hour: 4,
            duplicate_rate: 0.01,
            malformed_rate: 0.001,
            seed: 1,
            gzip: true,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LakeSummary {
    pub objects: u64,
    /// Stored bytes (compressed when gzip).
    pub bytes: u64,
    /// Uncompressed NDJSON bytes.
    pub raw_bytes: u64,
    pub events: u64,
    pub duplicates: u64,
    pub malformed: u64,
}

/// SplitMix64: small, seedable, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const APPS: [&str; 6] = [
    "support-bot",
    "hr-assistant",
    "code-copilot",
    "legal-drafts",
    "sales-email",
    "triage-agent",
];
const MODELS: [(&str, &str, &str); 7] = [
    ("mistral", "mistral-large", "eu-west-1"),
    ("openai", "gpt-4o", "us-east-1"),
    ("anthropic", "claude-sonnet", "eu-central-1"),
    ("openai", "gpt-4o-mini", "eu-west-1"),
    ("google", "gemini-pro", "us-central1"),
    ("meta", "llama-3-70b", "ap-southeast-1"),
    ("aleph-alpha", "luminous", "eu-central-1"),
];
const CATEGORIES: [&str; 12] = [
    "email",
    "phone",
    "iban",
    "health",
    "biometric",
    "political_opinion",
    "religion",
    "employment",
    "credentials",
    "location",
    "national_id",
    "minor",
];
const POLICIES: [&str; 6] = [
    "pii-redaction",
    "eu-only-models",
    "special-categories",
    "human-review-hr",
    "secrets-block",
    "minors-protection",
];
const REVIEWERS: [&str; 3] = ["u_dpo_1", "u_legal_4", "u_sec_2"];
const ADMIN_ACTIONS: [&str; 4] = [
    "api_key.rotated",
    "user.role_changed",
    "export.requested",
    "policy.disabled",
];

/// Generator state that spans hours (config versions, open escalations).
struct World {
    rng: Rng,
    tenant: String,
    config_version: u32,
    next_id: u64,
    open_escalations: Vec<(u64, String, usize)>,
}

fn ts_string(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("in range")
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", quoted.join(","))
}

impl World {
    /// One valid event line (no newline) at `ms`.
    fn event(&mut self, ms: i64) -> String {
        self.next_id += 1;
        let id = format!(
            "evt_{:013}{:013}",
            self.next_id,
            self.rng.below(10u64.pow(12))
        );
        let mut l = format!(
            r#"{{"event_id":"{id}","ts":"{}","tenant_id":"{}""#,
            ts_string(ms),
            self.tenant
        );
        let roll = self.rng.below(1000);
        let cfg = format!("cfg_v{}", self.config_version);
        let user = self.rng.below(400);
        let app_i = self.rng.below(APPS.len() as u64) as usize;
        let ip = format!("198.51.100.{}", user % 250);
        let r = &mut self.rng;
        if roll < 2 {
            self.config_version += 1;
            let _ = write!(
                l,
                r#","event_type":"config.published","config_version":"cfg_v{}","actor":{{"user_id":"u_admin_7","app":"console","ip":"203.0.113.10"}},"policy_ids":{}"#,
                self.config_version,
                list(&POLICIES[..2 + r.below(4) as usize])
            );
        } else if roll < 8 {
            let _ = write!(
                l,
                r#","event_type":"incident.reported","incident_id":"inc_{}","request_id":"req_{:x}","config_version":"{cfg}","actor":{{"user_id":"u_sec_2","app":"console","ip":"203.0.113.11"}},"risk_level":"critical","data_categories":["{}"],"outcome":"open","note":"reported by, \"SOC\" team""#,
                self.next_id,
                self.next_id,
                r.pick(&CATEGORIES)
            );
        } else if roll < 18 {
            let _ = write!(
                l,
                r#","event_type":"admin.action","config_version":"{cfg}","actor":{{"user_id":"{}","app":"console","ip":"203.0.113.12"}},"action":"{}","target":"=HYPERLINK(\"http://x\")""#,
                if r.chance(0.5) { "@ops" } else { "u_admin_9" },
                r.pick(&ADMIN_ACTIONS)
            );
        } else if roll < 55 && !self.open_escalations.is_empty() {
            let (esc, req, app) = self.open_escalations.swap_remove(0);
            let decision = if r.chance(0.7) { "allow" } else { "block" };
            let _ = write!(
                l,
                r#","event_type":"escalation.resolved","request_id":"{req}","escalation_id":"esc_{esc}","config_version":"{cfg}","actor":{{"user_id":"u_{user}","app":"{}","ip":"{ip}"}},"decision":"{decision}","reviewer":"{}","risk_level":"high","outcome":"{}""#,
                APPS[app],
                r.pick(&REVIEWERS),
                if decision == "allow" {
                    "approved"
                } else {
                    "rejected"
                }
            );
        } else {
            let (provider, model, region) = *r.pick(&MODELS);
            let decision = *r.pick(&[
                "allow", "allow", "allow", "allow", "redact", "redact", "block", "escalate",
            ]);
            let event_type = match decision {
                "escalate" => "escalation.opened",
                "allow" if r.chance(0.5) => "gateway.request",
                _ => "policy.decision",
            };
            let cats: Vec<&str> = match decision {
                "allow" => vec![],
                _ => (0..1 + r.below(2)).map(|_| *r.pick(&CATEGORIES)).collect(),
            };
            let policies: Vec<&str> = if cats.is_empty() {
                vec![]
            } else {
                vec![*r.pick(&POLICIES)]
            };
            let risk = match decision {
                "allow" => "low",
                "redact" => "medium",
                "block" => *r.pick(&["high", "critical"]),
                _ => "high",
            };
            let outcome = match decision {
                "block" => "blocked",
                "escalate" => "held",
                _ => *r.pick(&[
                    "ok",
                    "ok",
                    "ok",
                    "ok",
                    "ok",
                    "ok",
                    "provider_error",
                    "timeout",
                ]),
            };
            let req = format!("req_{:x}", self.next_id * 7919);
            let escalation = if decision == "escalate" {
                self.open_escalations
                    .push((self.next_id, req.clone(), app_i));
                format!(r#","escalation_id":"esc_{}""#, self.next_id)
            } else {
                String::new()
            };
            let _ = write!(
                l,
                r#","event_type":"{event_type}","request_id":"{req}"{escalation},"config_version":"{cfg}","actor":{{"user_id":"u_{user}","app":"{}","ip":"{ip}"}},"model":{{"provider":"{provider}","name":"{model}","region":"{region}"}},"decision":"{decision}","policy_ids":{},"risk_level":"{risk}","data_categories":{},"latency_ms":{},"tokens":{{"input":{},"output":{}}},"outcome":"{outcome}""#,
                APPS[app_i],
                list(&policies),
                list(&cats),
                20 + r.below(2000),
                10 + r.below(4000),
                if decision == "block" {
                    0
                } else {
                    r.below(3000)
                }
            );
        }
        let _ = write!(
            l,
            r#","client":{{"sdk":"kt-python/1.{}.2","trace_id":"{:016x}{:016x}","span_id":"{:016x}"}},"gateway":{{"node":"gw-{}","build":"2026.05.{}"}}}}"#,
            self.rng.below(9),
            self.rng.next(),
            self.rng.next(),
            self.rng.next(),
            self.rng.below(12),
            self.rng.below(28)
        );
        l
    }

    /// A malformed line of one of several kinds.
    fn malformed(&mut self, ms: i64) -> Vec<u8> {
        let good = self.event(ms);
        match self.rng.below(6) {
            0 => good.as_bytes()[..good.len() / 2].to_vec(),
            1 => good
                .replacen(&ts_string(ms), &ts_string(ms).replace('Z', ""), 1)
                .into_bytes(),
            2 => good
                .replacen(
                    &format!("\"tenant_id\":\"{}\"", self.tenant),
                    "\"tenant_id\":\"other-tenant\"",
                    1,
                )
                .into_bytes(),
            3 => good
                .replacen(&ts_string(ms), &ts_string(ms - 3_600_000), 1)
                .into_bytes(),
            4 => good
                .replacen("\"tenant_id\"", "\"latency_ms\":\"slow\",\"tenant_id\"", 1)
                .into_bytes(),
            _ => [
                b"{\"event_id\":\"\xff\xfe\",".as_slice(),
                &good.as_bytes()[1..],
            ]
            .concat(),
        }
    }
}

fn gzip_members(lines: &[u8], rng: &mut Rng) -> Vec<u8> {
    let members = 2 + rng.below(2) as usize;
    let mut out = Vec::with_capacity(lines.len() / 4);
    let mut start = 0;
    for m in 1..=members {
        let end = if m == members {
            lines.len()
        } else {
            let target = lines.len() * m / members;
            target + memchr::memchr(b'\n', &lines[target..]).map_or(lines.len() - target, |p| p + 1)
        }
        .max(start);
        let mut enc = GzEncoder::new(&mut out, Compression::default());
        enc.write_all(&lines[start..end]).expect("writing to a Vec");
        enc.finish().expect("writing to a Vec");
        start = end;
    }
    out
}

/// Generates the lake, handing each object (key, stored bytes) to `emit` in key order.
pub fn generate<E>(
    spec: &LakeSpec,
    mut emit: impl FnMut(String, Vec<u8>) -> Result<(), E>,
) -> Result<LakeSummary, E> {
    let mut world = World {
        rng: Rng(spec.seed),
        tenant: spec.tenant.clone(),
        config_version: 41,
        next_id: 0,
        open_escalations: Vec::new(),
    };
    let mut summary = LakeSummary::default();
    let hours = u64::from(spec.days) * 24;
    let per_object = spec.objects_per_hour.max(1) as usize;
    let start = spec
        .start_day
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    for h in 0..hours {
        let hour = start + TimeDelta::hours(h as i64);
        let hour_ms = hour.timestamp_millis();
        let events = spec.events_total / hours + u64::from(h < spec.events_total % hours);
        let mut objects: Vec<Vec<u8>> = vec![Vec::new(); per_object];
        for _ in 0..events {
            let ms = hour_ms + world.rng.below(3_600_000) as i64;
            let line = world.event(ms);
            let o = world.rng.below(per_object as u64) as usize;
            objects[o].extend_from_slice(line.as_bytes());
            objects[o].push(b'\n');
            summary.events += 1;
            if world.rng.chance(spec.duplicate_rate) {
                let o = world.rng.below(per_object as u64) as usize;
                objects[o].extend_from_slice(line.as_bytes());
                objects[o].push(b'\n');
                summary.duplicates += 1;
            }
            if world.rng.chance(spec.malformed_rate) {
                let ms = hour_ms + world.rng.below(3_600_000) as i64;
                let bad = world.malformed(ms);
                let o = world.rng.below(per_object as u64) as usize;
                objects[o].extend_from_slice(&bad);
                objects[o].push(b'\n');
                summary.malformed += 1;
            }
        }
        let day = hour.format("%Y-%m-%d");
        let hh = hour.format("%H");
        for (i, lines) in objects.into_iter().enumerate() {
            if lines.is_empty() {
                continue;
            }
            let key = format!(
                "events/tenant={}/dt={day}/hour={hh}/kt-events-firehose-1-{day}-{hh}-{:02}-{:02}-{:08x}.ndjson{}",
                spec.tenant,
                i * 60 / per_object,
                i,
                world.rng.next() as u32,
                if spec.gzip { ".gz" } else { "" }
            );
            summary.raw_bytes += lines.len() as u64;
            let stored = if spec.gzip {
                gzip_members(&lines, &mut world.rng)
            } else {
                lines
            };
            summary.objects += 1;
            summary.bytes += stored.len() as u64;
            emit(key, stored)?;
        }
    }
    Ok(summary)
}

/// Writes the lake under `root` as `aws s3 sync` would lay it out.
pub fn write_dir(spec: &LakeSpec, root: &Path) -> std::io::Result<LakeSummary> {
    generate(spec, |key, bytes| {
        let path = root.join(&key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, bytes)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn small() -> LakeSpec {
        LakeSpec {
            days: 1,
            events_total: 3_000,
            duplicate_rate: 0.02,
            malformed_rate: 0.01,
            ..Default::default()
        }
    }

    fn objects(spec: &LakeSpec) -> Vec<(String, Vec<u8>)> {
        let mut all = Vec::new();
        generate(spec, |k, v| {
            all.push((k, v));
            Ok::<_, ()>(())
        })
        .unwrap();
        all
    }

    #[test]
    fn the_same_spec_gives_the_same_bytes_and_another_seed_does_not() {
        assert_eq!(objects(&small()), objects(&small()));
        assert_ne!(objects(&small()), objects(&LakeSpec { seed: 2, ..small() }));
    }

    #[test]
    fn objects_are_multi_member_gzip_covering_every_event_type_and_field() {
        let all = objects(&small());
        assert_eq!(all.len(), 24 * 4);
        let mut text = String::new();
        for (key, bytes) in &all {
            assert!(
                key.starts_with("events/tenant=acme/dt=2026-05-01/hour=")
                    && key.ends_with(".ndjson.gz")
            );
            let members = bytes
                .windows(3)
                .filter(|w| *w == [0x1f, 0x8b, 0x08])
                .count();
            assert!(members >= 2, "{key} has {members} gzip members");
            let mut raw = Vec::new();
            flate2::read::MultiGzDecoder::new(&bytes[..])
                .read_to_end(&mut raw)
                .unwrap();
            text.push_str(&String::from_utf8_lossy(&raw));
        }
        // Every event type the contract documents, and the fields reports rely on.
        let event_types = kt_domain::KNOWN_EVENT_TYPES;
        for needle in event_types.iter().copied().chain([
            "\"reviewer\"",
            "\"incident_id\"",
            "\"decision\":\"redact\"",
            "\"decision\":\"block\"",
            "us-central1",
            "\"health\"",
            "\"tokens\"",
        ]) {
            assert!(text.contains(needle), "{needle} missing");
        }
        let lines = text.lines().count() as f64;
        let avg = text.len() as f64 / lines;
        assert!((450.0..750.0).contains(&avg), "average line {avg} bytes");
    }
}
