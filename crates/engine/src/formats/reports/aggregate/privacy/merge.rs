//! Joining two parts of one export's privacy aggregate (fan-out, resumed
//! segments): counts add, capped maps and the inventory refuse to guess
//! (`NotExact`) when a cap was reached.
use super::{Inventory, MAX_INVENTORY, Privacy};
use crate::formats::reports::aggregate::{MAX_KEYS, MAX_TRACKED};
use crate::formats::reports::merge::{Merge, NotExact, check_tracked};

impl Privacy {
    /// `self` then the later part `l` (see `merge.rs`).
    pub fn merge(&mut self, l: Privacy) -> Result<(), NotExact> {
        self.request_events += l.request_events;
        self.detector_visible += l.detector_visible;
        self.personal_events += l.personal_events;
        self.personal_by_decision
            .merge_from(l.personal_by_decision)?;
        self.by_category.merge(l.by_category)?;
        self.special_events += l.special_events;
        self.special_by_decision.merge_from(l.special_by_decision)?;
        self.special_by_category.merge(l.special_by_category)?;
        self.special_days.extend(l.special_days);
        self.special_actors.merge(l.special_actors);
        self.personal_actors.merge(l.personal_actors);
        // The later part's requests whose configuration it had not seen
        // published: one worker would have known this part's last publication.
        if l.unknown_by_config_overflow && !self.config_redaction.is_empty() {
            return Err(NotExact(format!(
                "more than {MAX_KEYS} unpublished configuration versions"
            )));
        }
        self.under_redaction += l.under_redaction;
        self.not_under_redaction += l.not_under_redaction;
        self.redaction_unknown += l.redaction_unknown;
        // In key order, so which versions fit under the cap does not depend
        // on the hash order.
        let mut later_unknown: Vec<(String, u64)> = l.unknown_by_config.into_iter().collect();
        later_unknown.sort_unstable();
        for (cv, n) in later_unknown {
            match self.config_redaction.get(&cv) {
                Some(flag) => {
                    self.redaction_unknown -= n;
                    if *flag {
                        self.under_redaction += n;
                    } else {
                        self.not_under_redaction += n;
                    }
                }
                None => {
                    let m = &mut self.unknown_by_config;
                    if m.len() < MAX_KEYS || m.contains_key(&cv) {
                        *m.entry(cv).or_default() += n;
                    } else {
                        self.unknown_by_config_overflow = true;
                    }
                }
            }
        }
        self.unknown_by_config_overflow |= l.unknown_by_config_overflow;
        self.config_redaction.merge(l.config_redaction)?;
        self.decision_events += l.decision_events;
        self.merge_inventory(l.inventory, l.inventory_overflow)?;
        for (class, n) in l.transfers_by_class {
            *self.transfers_by_class.entry(class).or_default() += n;
        }
        for (class, n) in l.sent_by_class {
            *self.sent_by_class.entry(class).or_default() += n;
        }
        self.non_eea.merge(l.non_eea)?;
        let cap = MAX_TRACKED;
        if self.escalated.len() >= cap || l.escalated.len() >= cap {
            return Err(NotExact(format!("more than {cap} held requests")));
        }
        self.escalated.extend(l.escalated);
        check_tracked("held requests", self.escalated.len(), 0)?;
        self.escalated_unlinked += l.escalated_unlinked;
        Ok(())
    }

    /// The inventory keeps its first rows in export order (as `CappedMap::merge`).
    fn merge_inventory(&mut self, later: Inventory, later_overflow: u64) -> Result<(), NotExact> {
        let not_exact = || NotExact(format!("more than {MAX_INVENTORY} inventory rows"));
        if later_overflow > 0 && self.inventory.keys().any(|k| !later.contains_key(k)) {
            return Err(not_exact());
        }
        let new = later
            .keys()
            .filter(|k| !self.inventory.contains_key(*k))
            .count();
        let room = MAX_INVENTORY.saturating_sub(self.inventory.len());
        if new > room && room > 0 {
            return Err(not_exact());
        }
        let full = new > room;
        self.inventory_overflow += later_overflow;
        for (k, (n, blocked)) in later {
            match self.inventory.get_mut(&k) {
                Some(row) => {
                    row.0 += n;
                    row.1 += blocked;
                }
                None if full => self.inventory_overflow += n,
                None => {
                    self.inventory.insert(k, (n, blocked));
                }
            }
        }
        Ok(())
    }
}
