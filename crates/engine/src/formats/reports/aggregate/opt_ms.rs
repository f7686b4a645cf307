//! A lifecycle row's optional time in 8 bytes.
//!
//! An `Option<i64>` takes 16 (the tag pads to the i64's alignment), and the
//! escalation, incident and serious-candidate rows hold five between them:
//! at 10M events, with the tables full, 2 MB of tags and padding. A time
//! here is milliseconds since the epoch; `i64::MIN` (year -292 million,
//! which no event's `ts` parses to) stands for none. It orders as the
//! `Option` did (none first) and saves as the `Option` did (null or the
//! number), so reports and a segment's saved state are unchanged.
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OptMs(i64);

impl OptMs {
    pub const NONE: OptMs = OptMs(i64::MIN);

    /// The time `ms`. (`i64::MIN` itself would read as none.)
    pub fn at(ms: i64) -> Self {
        debug_assert_ne!(ms, i64::MIN, "i64::MIN stands for no time");
        OptMs(ms)
    }

    pub fn get(self) -> Option<i64> {
        (self != Self::NONE).then_some(self.0)
    }

    pub fn is_some(self) -> bool {
        self != Self::NONE
    }

    pub fn is_none(self) -> bool {
        self == Self::NONE
    }

    pub fn is_some_and(self, f: impl FnOnce(i64) -> bool) -> bool {
        self.get().is_some_and(f)
    }

    pub fn map<U>(self, f: impl FnOnce(i64) -> U) -> Option<U> {
        self.get().map(f)
    }

    pub fn unwrap_or(self, default: i64) -> i64 {
        self.get().unwrap_or(default)
    }

    /// Keeps this time if there is one, else takes `later`'s (see `merge::first`).
    pub fn first(&mut self, later: OptMs) {
        if self.is_none() {
            *self = later;
        }
    }
}

impl Default for OptMs {
    fn default() -> Self {
        Self::NONE
    }
}

impl From<Option<i64>> for OptMs {
    fn from(ms: Option<i64>) -> Self {
        ms.map_or(Self::NONE, Self::at)
    }
}

impl std::fmt::Debug for OptMs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

impl Serialize for OptMs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(s)
    }
}

impl<'de> Deserialize<'de> for OptMs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Option::<i64>::deserialize(d)? {
            Some(i64::MIN) => Err(serde::de::Error::custom(
                "a time of i64::MIN milliseconds cannot be held",
            )),
            ms => Ok(ms.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_orders_and_saves_as_the_option_it_replaces() {
        let times = [
            None,
            Some(-5),
            Some(0),
            Some(1_780_000_000_000),
            Some(i64::MAX),
        ];
        for a in times {
            let packed = OptMs::from(a);
            assert_eq!(packed.get(), a);
            assert_eq!(packed.is_some(), a.is_some());
            let saved = serde_json::to_string(&packed).unwrap();
            assert_eq!(saved, serde_json::to_string(&a).unwrap());
            assert_eq!(serde_json::from_str::<OptMs>(&saved).unwrap(), packed);
            for b in times {
                assert_eq!(
                    packed.cmp(&OptMs::from(b)),
                    a.cmp(&b),
                    "{a:?} against {b:?}"
                );
            }
        }
        assert!(serde_json::from_str::<OptMs>(&i64::MIN.to_string()).is_err());
        let mut first = OptMs::NONE;
        first.first(OptMs::at(7));
        first.first(OptMs::at(9));
        assert_eq!(first.get(), Some(7));
        assert_eq!(size_of::<OptMs>(), 8);
    }
}
