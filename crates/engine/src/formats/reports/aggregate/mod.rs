//! The one-pass aggregation state all three reports are projected from.
//!
//! `observe` is called once per exported event, in export order. Every field is
//! bounded whatever the event count: counters keyed by producer values are
//! capped (`counters::CappedMap`), distinct counts are capped (`counters::DistinctCap`), quantiles
//! use `sketch::LogHistogram`, id lists use seeded bottom-k samples, per-day and
//! per-week series are bounded by the window (at most 366 days), and lifecycle
//! tables (escalations, incidents, candidates) hold at most
//! [`MAX_TRACKED`] entries each, counting the rest as untracked.
mod access;
mod oversight;
mod privacy;
pub mod quality;
mod risk;
mod samples;
pub mod traffic;
pub mod vocab;

pub use access::Access;
pub use oversight::{Escalation, Oversight};
pub use privacy::Privacy;
pub use quality::Quality;
pub use risk::{Breach, Breaches, Incident, Incidents, SeriousCandidate, SeriousCandidates};
pub use samples::{Pop, Samples};
pub use traffic::Traffic;

use super::Framework;
use super::eea::{RegionClass, classify};
use super::pseudonym::Pseudonymizer;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use kt_domain::Window;
use kt_domain::{Event, ParsedEvent};
use sha2::{Digest, Sha256};

/// Lifecycle tables (escalations, incidents, candidates) keep at most this many ids.
pub const MAX_TRACKED: usize = 50_000;
/// Distinct actors/reviewers are counted exactly up to this many.
pub const MAX_DISTINCT: usize = 100_000;
/// Producer-keyed counters (apps, models, policies, ...) keep this many keys.
pub const MAX_KEYS: usize = 500;

/// Facts derived once per event and shared by the sub-aggregates.
pub struct Obs<'e> {
    pub e: &'e Event<'e>,
    pub raw: &'e str,
    pub ts: i64,
    pub day: NaiveDate,
    pub week: NaiveDate,
    pub event_type: &'e str,
    pub is_request: bool,
    pub decision: Option<&'e str>,
    pub risk: Option<&'e str>,
    pub actor_ps: Option<String>,
    pub app: Option<&'e str>,
    pub provider: Option<&'e str>,
    pub model_key: Option<String>,
    pub region: Option<&'e str>,
    pub region_class: RegionClass,
    pub categories: Vec<&'e str>,
    pub personal: bool,
    pub special: bool,
    pub is_error: bool,
}

pub struct Aggregate {
    pub window: Window,
    pub pseudo: Pseudonymizer,
    digest: Sha256,
    pub count: u64,
    pub first_event_id: Option<String>,
    pub last_event_id: Option<String>,
    pub first_ts: Option<i64>,
    pub last_ts: Option<i64>,
    pub quality: Quality,
    pub traffic: Traffic,
    pub oversight: Oversight,
    pub incidents: Incidents,
    pub serious: SeriousCandidates,
    pub breaches: Breaches,
    pub privacy: Privacy,
    pub access: Access,
    pub samples: Samples,
}

impl Aggregate {
    pub fn new(
        window: Window,
        tenant: &str,
        pseudonym_key: &str,
        frameworks: &[Framework],
    ) -> Self {
        Self {
            window,
            pseudo: Pseudonymizer::new(pseudonym_key, tenant),
            digest: Sha256::new(),
            count: 0,
            first_event_id: None,
            last_event_id: None,
            first_ts: None,
            last_ts: None,
            quality: Quality::new(),
            traffic: Traffic::new(),
            oversight: Oversight::new(),
            incidents: Incidents::new(),
            serious: SeriousCandidates::default(),
            breaches: Breaches::default(),
            privacy: Privacy::new(),
            access: Access::new(),
            samples: Samples::new(tenant, &window, frameworks),
        }
    }

    /// The day (in the window's zone) of an instant.
    pub fn local_day(&self, ts_ms: i64) -> NaiveDate {
        DateTime::<Utc>::from_timestamp_millis(ts_ms)
            .unwrap_or_default()
            .with_timezone(&self.window.timezone)
            .date_naive()
    }

    pub fn observe(&mut self, ev: &ParsedEvent<'_>) {
        self.digest.update(ev.raw.as_bytes());
        self.digest.update(b"\n");
        self.count += 1;
        let e = &ev.fields;
        if self.first_event_id.is_none() {
            self.first_event_id = Some(e.event_id.to_string());
            self.first_ts = Some(ev.ts_ms);
        }
        self.last_event_id = Some(e.event_id.to_string());
        self.last_ts = Some(ev.ts_ms);

        let day = self.local_day(ev.ts_ms);
        let week = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
        let event_type = e.event_type.as_ref();
        let categories: Vec<&str> = e
            .data_categories
            .iter()
            .flatten()
            .map(|c| c.as_ref())
            .collect();
        let model = e.model.as_ref();
        let provider = model.and_then(|m| m.provider.as_deref());
        let region = model.and_then(|m| m.region.as_deref());
        let model_key = model.and_then(|m| {
            (m.provider.is_some() || m.name.is_some()).then(|| {
                format!(
                    "{}/{}",
                    m.provider.as_deref().unwrap_or("?"),
                    m.name.as_deref().unwrap_or("?")
                )
            })
        });
        let obs = Obs {
            e,
            raw: ev.raw,
            ts: ev.ts_ms,
            day,
            week,
            event_type,
            is_request: vocab::REQUEST_TYPES.contains(&event_type),
            decision: e.decision.as_deref(),
            risk: e.risk_level.as_deref(),
            actor_ps: e
                .actor
                .as_ref()
                .and_then(|a| a.user_id.as_deref())
                .map(|u| self.pseudo.pseudonym(u)),
            app: e.actor.as_ref().and_then(|a| a.app.as_deref()),
            provider,
            model_key,
            region,
            region_class: classify(region),
            personal: categories.iter().any(|c| vocab::is_personal(c)),
            special: categories.iter().any(|c| vocab::is_special(c)),
            categories,
            is_error: e
                .outcome
                .as_deref()
                .is_some_and(|o| vocab::ERROR_OUTCOMES.contains(&o)),
        };
        self.quality.observe(&obs);
        self.traffic.observe(&obs);
        let reviewer_ps = e.reviewer.as_deref().map(|r| self.pseudo.pseudonym(r));
        let new_escalation = self.oversight.observe(&obs, reviewer_ps.as_deref());
        let new_incident = self.incidents.observe(&obs);
        self.serious.observe(&obs);
        self.breaches.observe(&obs);
        self.privacy.observe(&obs);
        self.access.observe(&obs);
        self.samples.observe(&obs, new_escalation, new_incident);
    }

    /// `sha256:<hex>` over every exported event's raw bytes followed by `\n`, in export order.
    pub fn events_digest(&self) -> String {
        format!("sha256:{}", hex::encode(self.digest.clone().finalize()))
    }

    /// Whole days from `ts` to the window's end (the report's time reference).
    pub fn age_days_at_window_end(&self, ts: i64) -> i64 {
        (self.window.end.timestamp_millis() - ts).max(0) / super::num::MS_PER_DAY
    }

    /// Days the window spans (in its zone), at least 1.
    pub fn window_days(&self) -> i64 {
        let ms = self.window.end.timestamp_millis() - self.window.start.timestamp_millis();
        ((ms + super::num::MS_PER_DAY - 1) / super::num::MS_PER_DAY).max(1)
    }
}
