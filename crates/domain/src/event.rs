//! One event of the lake, parsed only as far as ordering, filtering and the
//! formats need; the producer's bytes stay alongside (`ParsedEvent::raw`).
use serde::Deserialize;
use std::borrow::Cow;

/// The contract's known fields, borrowed from the line where possible.
/// Unknown fields are ignored here and kept in `raw`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Event<'a> {
    #[serde(borrow)]
    pub event_id: Cow<'a, str>,
    #[serde(borrow)]
    pub ts: Cow<'a, str>,
    #[serde(borrow)]
    pub tenant_id: Cow<'a, str>,
    #[serde(borrow)]
    pub event_type: Cow<'a, str>,
    #[serde(default, borrow)]
    pub request_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub escalation_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub config_version: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub actor: Option<Actor<'a>>,
    #[serde(default, borrow)]
    pub model: Option<Model<'a>>,
    #[serde(default, borrow)]
    pub decision: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub policy_ids: Option<Vec<Cow<'a, str>>>,
    #[serde(default, borrow)]
    pub risk_level: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub data_categories: Option<Vec<Cow<'a, str>>>,
    #[serde(default)]
    pub latency_ms: Option<i64>,
    #[serde(default)]
    pub tokens: Option<Tokens>,
    #[serde(default, borrow)]
    pub outcome: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub reviewer: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub incident_id: Option<Cow<'a, str>>,
}

impl<'a> Event<'a> {
    /// An event with only the required fields set (formats that copy the raw
    /// line need no more).
    pub fn required(
        event_id: impl Into<Cow<'a, str>>,
        ts: impl Into<Cow<'a, str>>,
        tenant_id: impl Into<Cow<'a, str>>,
        event_type: impl Into<Cow<'a, str>>,
    ) -> Self {
        Self {
            event_id: event_id.into(),
            ts: ts.into(),
            tenant_id: tenant_id.into(),
            event_type: event_type.into(),
            request_id: None,
            escalation_id: None,
            config_version: None,
            actor: None,
            model: None,
            decision: None,
            policy_ids: None,
            risk_level: None,
            data_categories: None,
            latency_ms: None,
            tokens: None,
            outcome: None,
            reviewer: None,
            incident_id: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Actor<'a> {
    #[serde(default, borrow)]
    pub user_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub app: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub ip: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Model<'a> {
    #[serde(default, borrow)]
    pub provider: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    pub region: Option<Cow<'a, str>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
pub struct Tokens {
    #[serde(default)]
    pub input: Option<i64>,
    #[serde(default)]
    pub output: Option<i64>,
}

/// An accepted event, in export order: the fields, its time, and the exact line.
#[derive(Debug, Clone)]
pub struct ParsedEvent<'a> {
    /// The producer's line, without its newline, byte for byte.
    pub raw: &'a str,
    pub fields: Event<'a>,
    /// `ts` as milliseconds since the Unix epoch (UTC).
    pub ts_ms: i64,
}

/// The event types the event-lake contract documents.
pub const KNOWN_EVENT_TYPES: &[&str] = &[
    "gateway.request",
    "policy.decision",
    "escalation.opened",
    "escalation.resolved",
    "config.published",
    "incident.reported",
    "admin.action",
];
