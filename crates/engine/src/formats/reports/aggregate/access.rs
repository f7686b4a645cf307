//! Access: identified actors, anonymous requests, administrative actions and
//! exports of the log itself.
use super::{MAX_DISTINCT, Obs};
use crate::formats::reports::counters::{CappedMap, DistinctCap};
use crate::formats::reports::merge::NotExact;
use serde::{Deserialize, Serialize};

/// Event types that record an export or read of the log (`export.*`, `log.export*`).
pub fn is_log_export(event_type: &str) -> bool {
    event_type.starts_with("export.") || event_type.starts_with("log.export")
}

#[derive(Serialize, Deserialize)]
pub struct Access {
    pub actors: DistinctCap,
    pub apps: DistinctCap,
    pub request_events: u64,
    pub anonymous_requests: u64,
    pub admin_actions: u64,
    pub admin_by_actor: CappedMap<u64>,
    pub admin_by_outcome: CappedMap<u64>,
    pub admin_without_actor: u64,
    pub log_exports: u64,
    pub log_exports_by_actor: CappedMap<u64>,
}

impl Default for Access {
    fn default() -> Self {
        Self::new()
    }
}

impl Access {
    pub fn new() -> Self {
        Self {
            actors: DistinctCap::new(MAX_DISTINCT),
            apps: DistinctCap::new(MAX_DISTINCT),
            request_events: 0,
            anonymous_requests: 0,
            admin_actions: 0,
            admin_by_actor: CappedMap::new(10_000),
            admin_by_outcome: CappedMap::new(super::MAX_KEYS),
            admin_without_actor: 0,
            log_exports: 0,
            log_exports_by_actor: CappedMap::new(10_000),
        }
    }

    /// `self` then the later part `l`.
    pub fn merge(&mut self, l: Access) -> Result<(), NotExact> {
        self.actors.merge(l.actors);
        self.apps.merge(l.apps);
        self.request_events += l.request_events;
        self.anonymous_requests += l.anonymous_requests;
        self.admin_actions += l.admin_actions;
        self.admin_by_actor.merge(l.admin_by_actor)?;
        self.admin_by_outcome.merge(l.admin_by_outcome)?;
        self.admin_without_actor += l.admin_without_actor;
        self.log_exports += l.log_exports;
        self.log_exports_by_actor.merge(l.log_exports_by_actor)?;
        Ok(())
    }

    pub fn observe(&mut self, o: &Obs<'_>) {
        if let Some(ps) = &o.actor_ps {
            self.actors.insert(ps);
        }
        if let Some(app) = o.app {
            self.apps
                .insert(crate::formats::reports::counters::clip(app));
        }
        if o.is_request {
            self.request_events += 1;
            if o.actor_ps.is_none() {
                self.anonymous_requests += 1;
            }
        }
        let actor = o.actor_ps.as_deref().unwrap_or("(none)");
        if o.event_type == "admin.action" {
            self.admin_actions += 1;
            self.admin_by_actor.incr(actor);
            self.admin_by_outcome
                .incr(o.e.outcome.as_deref().unwrap_or("(none)"));
            if o.actor_ps.is_none() {
                self.admin_without_actor += 1;
            }
        }
        if is_log_export(o.event_type) {
            self.log_exports += 1;
            self.log_exports_by_actor.incr(actor);
        }
    }
}
