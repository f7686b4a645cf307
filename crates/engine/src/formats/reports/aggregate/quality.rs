//! Log quality: event-type catalogue, field completeness, order, time format and gaps.
use super::{MAX_KEYS, Obs};
use crate::formats::reports::counters::CappedMap;
use crate::formats::reports::merge::NotExact;
use crate::formats::reports::num::MS_PER_MIN;
use serde::{Deserialize, Serialize};

/// A silence between consecutive events (or a window edge) longer than this is a gap.
pub const GAP_THRESHOLD_MIN: i64 = 60;
/// The longest gaps are listed, at most this many.
pub const MAX_LISTED_GAPS: usize = 10;

/// Presence counts of the fields a request event should carry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RequestFields {
    pub events: u64,
    pub request_id: u64,
    pub actor: u64,
    pub model: u64,
    pub decision: u64,
    pub config_version: u64,
}

/// Presence counts of ENS op.exp.8's who / when / what object / what event / result, over all events.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FiveWs {
    pub who: u64,
    pub when: u64,
    pub object: u64,
    pub what: u64,
    pub result: u64,
}

#[derive(Serialize, Deserialize)]
pub struct Quality {
    pub by_type: CappedMap<u64>,
    pub requests: RequestFields,
    pub five: FiveWs,
    /// Events naming a person: `actor.user_id` or `reviewer`.
    pub identified: u64,
    pub config_version_present: u64,
    pub by_risk: CappedMap<u64>,
    pub high_or_critical: u64,
    /// `ts` not written as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub ts_not_canonical: u64,
    /// Events that arrived before their predecessor in (ts, event_id) order.
    pub order_violations: u64,
    prev: Option<(i64, String)>,
    /// The first event's (ts, event_id): where a later part meets an earlier one.
    first: Option<(i64, String)>,
    /// Inner gaps (between events) longer than the threshold: (length, from, to).
    pub gaps: Vec<(i64, i64, i64)>,
    pub gap_count: u64,
    pub gap_total_ms: i64,
    /// Request events with an `ai_disclosure` flag, true / false.
    pub disclosure_true: u64,
    pub disclosure_false: u64,
}

fn canonical_ts(ts: &str) -> bool {
    let b = ts.as_bytes();
    b.len() == 24 && b[10] == b'T' && b[19] == b'.' && b[23] == b'Z'
}

impl Default for Quality {
    fn default() -> Self {
        Self::new()
    }
}

impl Quality {
    pub fn new() -> Self {
        Self {
            by_type: CappedMap::new(MAX_KEYS),
            requests: RequestFields::default(),
            five: FiveWs::default(),
            identified: 0,
            config_version_present: 0,
            by_risk: CappedMap::new(MAX_KEYS),
            high_or_critical: 0,
            ts_not_canonical: 0,
            order_violations: 0,
            prev: None,
            first: None,
            gaps: Vec::new(),
            gap_count: 0,
            gap_total_ms: 0,
            disclosure_true: 0,
            disclosure_false: 0,
        }
    }

    /// Records a silence `[from, to)` if it is longer than the threshold.
    pub fn note_gap(&mut self, from: i64, to: i64) {
        let len = to - from;
        if len <= GAP_THRESHOLD_MIN * MS_PER_MIN {
            return;
        }
        self.gap_count += 1;
        self.gap_total_ms += len;
        self.gaps.push((len, from, to));
        // Longest first, ties by start: keep the list short.
        self.gaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        self.gaps.truncate(MAX_LISTED_GAPS);
    }

    /// `self` then the later part `l`: sums, and the silence (or order
    /// violation) between this part's last event and the later part's first.
    pub fn merge(&mut self, l: Quality) -> Result<(), NotExact> {
        self.by_type.merge(l.by_type)?;
        let r = &mut self.requests;
        r.events += l.requests.events;
        r.request_id += l.requests.request_id;
        r.actor += l.requests.actor;
        r.model += l.requests.model;
        r.decision += l.requests.decision;
        r.config_version += l.requests.config_version;
        let f = &mut self.five;
        f.who += l.five.who;
        f.when += l.five.when;
        f.object += l.five.object;
        f.what += l.five.what;
        f.result += l.five.result;
        self.identified += l.identified;
        self.config_version_present += l.config_version_present;
        self.by_risk.merge(l.by_risk)?;
        self.high_or_critical += l.high_or_critical;
        self.ts_not_canonical += l.ts_not_canonical;
        self.order_violations += l.order_violations;
        if let (Some((prev_ts, prev_id)), Some((ts, id))) = (&self.prev, &l.first) {
            if (*ts, id.as_str()) < (*prev_ts, prev_id.as_str()) {
                self.order_violations += 1;
            } else {
                let (from, to) = (*prev_ts, *ts);
                self.note_gap(from, to);
            }
        }
        // The later part's own gaps; the list keeps the longest, whatever the order.
        self.gap_count += l.gap_count;
        self.gap_total_ms += l.gap_total_ms;
        self.gaps.extend(l.gaps);
        self.gaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        self.gaps.truncate(MAX_LISTED_GAPS);
        if self.first.is_none() {
            self.first = l.first;
        }
        if l.prev.is_some() {
            self.prev = l.prev;
        }
        self.disclosure_true += l.disclosure_true;
        self.disclosure_false += l.disclosure_false;
        Ok(())
    }

    pub fn observe(&mut self, o: &Obs<'_>) {
        let e = o.e;
        self.by_type.incr(o.event_type);
        if !canonical_ts(&e.ts) {
            self.ts_not_canonical += 1;
        }
        // Export order is (ts, event_id); the previous key's buffer is reused.
        let id = e.event_id.as_ref();
        if let Some((prev_ts, prev_id)) = &self.prev {
            if (o.ts, id) < (*prev_ts, prev_id.as_str()) {
                self.order_violations += 1;
            } else {
                let from = *prev_ts;
                self.note_gap(from, o.ts);
            }
        }
        match &mut self.prev {
            Some((prev_ts, prev_id)) => {
                *prev_ts = o.ts;
                prev_id.clear();
                prev_id.push_str(id);
            }
            None => {
                self.prev = Some((o.ts, id.to_string()));
                self.first = self.prev.clone();
            }
        }

        let has_user = e.actor.as_ref().is_some_and(|a| a.user_id.is_some());
        if has_user || e.reviewer.is_some() {
            self.identified += 1;
        }
        if e.config_version.is_some() {
            self.config_version_present += 1;
        }
        if let Some(r) = o.risk {
            self.by_risk.incr(r);
            if r == "high" || r == "critical" {
                self.high_or_critical += 1;
            }
        }
        // ENS op.exp.8: who, when, what object, what event, what result.
        let f = &mut self.five;
        if has_user || e.reviewer.is_some() || e.actor.as_ref().is_some_and(|a| a.app.is_some()) {
            f.who += 1;
        }
        f.when += 1;
        let object = e.request_id.is_some()
            || e.escalation_id.is_some()
            || e.incident_id.is_some()
            || (o.event_type == "config.published" && e.config_version.is_some())
            || (o.event_type == "admin.action" && o.raw.contains("\"target\""));
        if object {
            f.object += 1;
        }
        f.what += 1;
        if e.decision.is_some() || e.outcome.is_some() {
            f.result += 1;
        }

        if o.is_request {
            let r = &mut self.requests;
            r.events += 1;
            r.request_id += u64::from(e.request_id.is_some());
            r.actor += u64::from(has_user);
            r.model += u64::from(o.model_key.is_some());
            r.decision += u64::from(e.decision.is_some());
            r.config_version += u64::from(e.config_version.is_some());
            if DISCLOSURE_KEY.find(o.raw.as_bytes()).is_some() {
                match disclosure_flag(o.raw) {
                    Some(true) => self.disclosure_true += 1,
                    Some(false) => self.disclosure_false += 1,
                    None => {}
                }
            }
        }
    }
}

/// The `ai_disclosure` key, searched for in every request line (a prebuilt
/// SIMD searcher: `str::contains` set one up per line).
static DISCLOSURE_KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"ai_disclosure\""));

/// The top-level boolean `ai_disclosure` of a line, parsed only when the key appears.
fn disclosure_flag(raw: &str) -> Option<bool> {
    #[derive(serde::Deserialize)]
    struct D {
        ai_disclosure: Option<bool>,
    }
    serde_json::from_str::<D>(raw).ok()?.ai_disclosure
}
