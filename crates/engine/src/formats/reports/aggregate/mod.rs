//! The one-pass aggregation state all three reports are projected from.
//!
//! `observe` is called once per exported event, in export order. Every field is
//! bounded whatever the event count: counters keyed by producer values are
//! capped (`counters::CappedMap`), distinct counts are capped (`counters::DistinctCap`), quantiles
//! use `sketch::LogHistogram`, id lists use seeded bottom-k samples, per-day and
//! per-week series are bounded by the window (at most 366 days), and lifecycle
//! tables (escalations, incidents, candidates) hold at most
//! [`MAX_TRACKED`] entries each, counting the rest as untracked.
//!
//! The state saves ([`Aggregate::into_state`]) and merges ([`Aggregate::merge`]):
//! a fanned-out export's segments aggregate apart and the finisher folds
//! their states in plan order (`../merge.rs`). What depends on the whole
//! export (lifecycle counts, id samples) is derived once, by [`Aggregate::finalize`].
mod access;
mod case_kinds;
mod hour_digest;
mod id_str;
mod obs;
mod opt_ms;
mod oversight;
mod prepare;
mod privacy;
pub mod quality;
mod risk;
mod rows;
mod samples;
mod shared;
pub mod traffic;
pub mod vocab;

pub use access::Access;
pub use case_kinds::{BreachKind, CandidateKind, EscalatedVia};
pub use hour_digest::HourDigest;
pub use obs::Obs;
pub use opt_ms::OptMs;
pub use oversight::{Escalation, Oversight};
use prepare::PseudonymCache;
pub use privacy::Privacy;
pub use quality::Quality;
pub use risk::{Breach, Breaches, Incident, Incidents, SeriousCandidate, SeriousCandidates};
pub use rows::Rows;
pub use samples::{Pop, Samples};
pub use shared::{ArcStr, IdStr};
pub use traffic::Traffic;

use super::Framework;
use super::merge::{NotExact, first, last};
use super::pseudonym::Pseudonymizer;
use super::sample::SeedState;
use chrono::{DateTime, NaiveDate, Utc};
use kt_domain::ParsedEvent;
use kt_domain::Window;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const MS_PER_HOUR: i64 = 3_600_000;

/// How `events_digest` is computed: per hour, so that segments of whole hours digest apart.
pub const EVENTS_DIGEST_RULE: &str = "SHA-256 over one line per UTC hour that has exported events, in time order: the hour's start (YYYY-MM-DDTHH:00:00Z), a space, the lowercase hex SHA-256 over that hour's events' raw lines each followed by \\n in export order (ts, event_id), and \\n";

pub use super::merge::MAX_TRACKED;
/// Distinct actors/reviewers are counted exactly up to this many.
pub const MAX_DISTINCT: usize = 100_000;
/// Producer-keyed counters (apps, models, policies, ...) keep this many keys.
pub const MAX_KEYS: usize = 500;

pub struct Aggregate {
    pub window: Window,
    pub pseudo: Pseudonymizer,
    /// The events digest's open hour; `None` while it is lent
    /// ([`Self::lend_digest`]).
    digest: Option<HourDigest>,
    /// Each framework's sample seed hashed once (`Samples::seed_states`).
    seeds: Vec<SeedState>,
    pseudonyms: PseudonymCache,
    /// The current event's `provider/name`, empty when it names no model (a
    /// buffer reused per event).
    model_key: String,
    pub state: AggregateState,
}

/// Everything an [`Aggregate`] accumulates: what a segment saves.
#[derive(Serialize, Deserialize)]
pub struct AggregateState {
    /// Digests of the finished hours: (hour number since the epoch, hex SHA-256).
    hours: Vec<(i64, String)>,
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

impl std::ops::Deref for Aggregate {
    type Target = AggregateState;
    fn deref(&self) -> &AggregateState {
        &self.state
    }
}

impl std::ops::DerefMut for Aggregate {
    fn deref_mut(&mut self) -> &mut AggregateState {
        &mut self.state
    }
}

impl Aggregate {
    pub fn new(
        window: Window,
        tenant: &str,
        pseudonym_key: &str,
        frameworks: &[Framework],
    ) -> Self {
        Self::from_state(
            window,
            tenant,
            pseudonym_key,
            AggregateState {
                hours: Vec::new(),
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
            },
        )
    }

    /// An aggregate of one segment of a fanned-out export: it also keeps
    /// what may update cases an earlier segment found.
    pub fn for_segment(
        window: Window,
        tenant: &str,
        pseudonym_key: &str,
        frameworks: &[Framework],
    ) -> Self {
        let mut agg = Self::new(window, tenant, pseudonym_key, frameworks);
        agg.state.serious.keep_updates = true;
        agg
    }

    /// Each framework's sample seed hashed, in the order of
    /// [`Obs::priorities`]: what a renderer needs to compute them.
    pub fn seed_states(&self) -> &[SeedState] {
        &self.seeds
    }

    /// The state to save (the current hour's digest finished).
    pub fn into_state(mut self) -> AggregateState {
        self.close_hour();
        self.state
    }

    /// An aggregate holding a saved state.
    pub fn from_state(
        window: Window,
        tenant: &str,
        pseudonym_key: &str,
        state: AggregateState,
    ) -> Self {
        Self {
            window,
            pseudo: Pseudonymizer::new(pseudonym_key, tenant),
            digest: Some(HourDigest::default()),
            seeds: {
                let seeds = state.samples.seed_states();
                debug_assert!(seeds.len() <= prepare::MAX_FRAMEWORKS);
                seeds
            },
            pseudonyms: PseudonymCache::default(),
            model_key: String::new(),
            state,
        }
    }

    fn close_hour(&mut self) {
        if let Some(d) = &mut self.digest {
            d.close();
            d.take_finished(&mut self.state.hours);
        }
    }

    /// Lends the events digest, so an hour's lines can be hashed on another
    /// thread while this aggregate observes the same events (it hashes none
    /// meanwhile); `None` when it is already lent.
    pub fn lend_digest(&mut self) -> Option<HourDigest> {
        self.digest.take()
    }

    /// Takes back the lent digest, fed with the lines of every event
    /// observed meanwhile, in order.
    pub fn take_back_digest(&mut self, mut digest: HourDigest) {
        digest.take_finished(&mut self.state.hours);
        self.digest = Some(digest);
    }

    /// Adds the state of the segment that follows this one (its hours all
    /// come later): the result is the state one worker would have reached.
    pub fn merge(&mut self, l: AggregateState) -> Result<(), NotExact> {
        self.close_hour();
        let s = &mut self.state;
        if let (Some((mine, _)), Some((theirs, _))) = (s.hours.last(), l.hours.first())
            && theirs <= mine
        {
            return Err(NotExact("segments out of order or overlapping".into()));
        }
        s.hours.extend(l.hours);
        s.count += l.count;
        first(&mut s.first_event_id, l.first_event_id);
        first(&mut s.first_ts, l.first_ts);
        last(&mut s.last_event_id, l.last_event_id);
        last(&mut s.last_ts, l.last_ts);
        s.quality.merge(l.quality)?;
        s.traffic.merge(l.traffic)?;
        s.oversight.merge(l.oversight)?;
        s.incidents.merge(l.incidents)?;
        s.serious.merge(l.serious)?;
        s.breaches.merge(l.breaches)?;
        s.privacy.merge(l.privacy)?;
        s.access.merge(l.access)?;
        s.samples.merge(l.samples);
        Ok(())
    }

    /// Derives what depends on the whole export (lifecycle counts, id
    /// samples); called once, before any report is built.
    pub fn finalize(&mut self) {
        let s = &mut self.state;
        s.oversight.finalize();
        s.incidents.finalize();
        s.samples.sample_ids(
            s.oversight.lifecycles.keys().map(|k| k.as_str()),
            s.incidents.lifecycles.keys().map(|k| k.as_str()),
        );
    }

    /// The day (in the window's zone) of an instant.
    pub fn local_day(&self, ts_ms: i64) -> NaiveDate {
        DateTime::<Utc>::from_timestamp_millis(ts_ms)
            .unwrap_or_default()
            .with_timezone(&self.window.timezone)
            .date_naive()
    }

    /// Observes one event (events come in export order).
    pub fn observe(&mut self, ev: &ParsedEvent<'_>) {
        self.observe_with(ev, &[]);
    }

    /// [`Self::observe`] with the event's sample priorities when a reader
    /// computed them (in [`Self::seed_states`]' order; else empty).
    pub fn observe_with(&mut self, ev: &ParsedEvent<'_>, priorities: &[u64]) {
        self.digest_line(ev);
        let prepared = self.prepare(ev, priorities);
        let o = Obs::new(ev, prepared, &self.model_key);
        let s = &mut self.state;
        s.count += 1;
        if s.first_event_id.is_none() {
            s.first_event_id = Some(o.e.event_id.to_string());
            s.first_ts = Some(o.ts);
        }
        // The last id's buffer is reused: one allocation per export, not per event.
        let last = s.last_event_id.get_or_insert_with(String::new);
        last.clear();
        last.push_str(&o.e.event_id);
        s.last_ts = Some(o.ts);
        s.quality.observe(&o);
        s.traffic.observe(&o);
        s.oversight.observe(&o);
        s.incidents.observe(&o);
        s.serious.observe(&o);
        s.breaches.observe(&o);
        s.privacy.observe(&o);
        s.access.observe(&o);
        s.samples.observe(&o);
    }

    /// Adds the event's line to its UTC hour's digest (unless the digest is lent).
    fn digest_line(&mut self, ev: &ParsedEvent<'_>) {
        if let Some(d) = &mut self.digest {
            d.add(ev.ts_ms, ev.raw.as_bytes());
            d.take_finished(&mut self.state.hours);
        }
    }

    /// `sha256:<hex>` of the hour digests ([`EVENTS_DIGEST_RULE`]).
    pub fn events_digest(&self) -> String {
        let current = self.digest.as_ref().and_then(HourDigest::open_hour);
        let mut all = Sha256::new();
        for (h, hex) in self.state.hours.iter().cloned().chain(current) {
            let start = DateTime::<Utc>::from_timestamp_millis(h * MS_PER_HOUR).unwrap_or_default();
            all.update(format!("{} {hex}\n", start.format("%Y-%m-%dT%H:%M:%SZ")).as_bytes());
        }
        format!("sha256:{}", hex::encode(all.finalize()))
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
