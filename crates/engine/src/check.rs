//! A type check of a line against the contract's fields that builds no values:
//! it accepts exactly what [`Event`] accepts (same names, types and messages;
//! a test holds them to it) but allocates nothing, so formats that copy the
//! raw line (json) validate at a fraction of the cost.
use kt_domain::Event;
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use std::borrow::Cow;

#[derive(Debug, Deserialize)]
#[serde(rename = "Event")]
#[allow(dead_code)] // the optional fields are only checked, never read
pub(crate) struct EventCheck<'a> {
    #[serde(borrow)]
    event_id: Cow<'a, str>,
    #[serde(borrow)]
    ts: Cow<'a, str>,
    #[serde(borrow)]
    tenant_id: Cow<'a, str>,
    #[serde(borrow)]
    event_type: Cow<'a, str>,
    #[serde(default)]
    request_id: Option<AnyStr>,
    #[serde(default)]
    escalation_id: Option<AnyStr>,
    #[serde(default)]
    config_version: Option<AnyStr>,
    #[serde(default)]
    actor: Option<ActorCheck>,
    #[serde(default)]
    model: Option<ModelCheck>,
    #[serde(default)]
    decision: Option<AnyStr>,
    #[serde(default)]
    policy_ids: Option<StrList>,
    #[serde(default)]
    risk_level: Option<AnyStr>,
    #[serde(default)]
    data_categories: Option<StrList>,
    #[serde(default)]
    latency_ms: Option<i64>,
    #[serde(default)]
    tokens: Option<TokensCheck>,
    #[serde(default)]
    outcome: Option<AnyStr>,
    #[serde(default)]
    reviewer: Option<AnyStr>,
    #[serde(default)]
    incident_id: Option<AnyStr>,
}

impl<'a> EventCheck<'a> {
    /// The checked line as an event with only its required fields.
    pub(crate) fn into_event(self) -> Event<'a> {
        Event::required(self.event_id, self.ts, self.tenant_id, self.event_type)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename = "Actor")]
#[allow(dead_code)]
struct ActorCheck {
    #[serde(default)]
    user_id: Option<AnyStr>,
    #[serde(default)]
    app: Option<AnyStr>,
    #[serde(default)]
    ip: Option<AnyStr>,
}

#[derive(Debug, Deserialize)]
#[serde(rename = "Model")]
#[allow(dead_code)]
struct ModelCheck {
    #[serde(default)]
    provider: Option<AnyStr>,
    #[serde(default)]
    name: Option<AnyStr>,
    #[serde(default)]
    region: Option<AnyStr>,
}

#[derive(Debug, Deserialize)]
#[serde(rename = "Tokens")]
#[allow(dead_code)]
struct TokensCheck {
    #[serde(default)]
    input: Option<i64>,
    #[serde(default)]
    output: Option<i64>,
}

/// Any JSON string, not kept.
#[derive(Debug)]
struct AnyStr;

impl<'de> Deserialize<'de> for AnyStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = AnyStr;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<AnyStr, E> {
                Ok(AnyStr)
            }
        }
        d.deserialize_str(V)
    }
}

/// A JSON array of strings, not kept.
#[derive(Debug)]
struct StrList;

impl<'de> Deserialize<'de> for StrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrList;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrList, A::Error> {
                while seq.next_element::<AnyStr>()?.is_some() {}
                Ok(StrList)
            }
        }
        d.deserialize_seq(V)
    }
}
