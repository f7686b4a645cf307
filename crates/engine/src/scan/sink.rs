//! Where the walk puts the contract's fields it reads: into an `Event`
//! (json, and any line the others decline), or straight into what a format
//! writes (a csv row, a report record), so a line's fields are not stored
//! in an `Event` only to be read back out.
use crate::formatter::Required;
use kt_domain::{Actor, Event, Model, Tokens};
use std::borrow::Cow;

/// Receives the known fields of one line in the order the line holds them,
/// each numbered as `event::top_level_key` numbers keys (0-3 the required
/// strings, 7 `actor`, 8 `model`, 10 and 12 the lists, 13 `latency_ms`, 14
/// `tokens`). A field comes at most once (the walk refuses duplicate keys).
/// Any method may refuse with `None`; the walk then stops and the line goes
/// to the general path (the `Event` one).
pub(crate) trait FieldSink<'a> {
    /// A string field or `null` (the required ones are never `null`).
    fn text(&mut self, index: u32, value: Option<&'a str>) -> Option<()>;
    /// `actor` or `model`: its three strings, or `None` for `null`.
    fn triple(&mut self, index: u32, values: Option<[Option<&'a str>; 3]>) -> Option<()>;
    /// A list of strings (`present`), or `null`: its items follow, one
    /// [`FieldSink::list_item`] each, as the walk reads them.
    fn list(&mut self, index: u32, present: bool) -> Option<()>;
    /// The next item of the list [`FieldSink::list`] began.
    fn list_item(&mut self, index: u32, item: &'a str) -> Option<()>;
    /// `latency_ms`, or `null`.
    fn int(&mut self, index: u32, value: Option<Int<'a>>) -> Option<()>;
    /// `tokens` (its `input` and `output`), or `null`.
    fn tokens(&mut self, value: Option<[Option<Int<'a>>; 2]>) -> Option<()>;
    /// Forgets every field handed so far: the walk that tries the
    /// producer's layout gave up part-way, and the general walk reads the
    /// line again from its start.
    fn rewind(&mut self);
}

/// An integer as read: its value, and its text, which is the value's
/// shortest form (the walk leaves leading zeros, `-0`, fractions and
/// exponents to serde), so a renderer may copy it instead of printing it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Int<'a> {
    pub(crate) value: i64,
    pub(crate) text: &'a str,
}

/// For the sinks that write fields in their numbering's order (a csv row,
/// a report record): which fields a field skipped, or `None` when it comes
/// before one already written (the line then goes the `Event` way).
#[derive(Debug, Default)]
pub(crate) struct InOrder {
    next: u32,
}

impl InOrder {
    #[inline(always)]
    pub(crate) fn advance(&mut self, index: u32) -> Option<std::ops::Range<u32>> {
        if index < self.next {
            return None;
        }
        let skipped = self.next..index;
        self.next = index + 1;
        Some(skipped)
    }
}

/// Notes the required fields and nothing else (the walk still checks the
/// rest): for a renderer that copies the line (json), with no `Event`.
pub(crate) struct RequiredSink<'a>(pub(crate) Required<'a>);

impl<'a> FieldSink<'a> for RequiredSink<'a> {
    #[inline(always)]
    fn text(&mut self, index: u32, value: Option<&'a str>) -> Option<()> {
        self.0.note(index, value);
        Some(())
    }
    #[inline(always)]
    fn triple(&mut self, _: u32, _: Option<[Option<&'a str>; 3]>) -> Option<()> {
        Some(())
    }
    #[inline(always)]
    fn list(&mut self, _: u32, _: bool) -> Option<()> {
        Some(())
    }
    #[inline(always)]
    fn list_item(&mut self, _: u32, _: &'a str) -> Option<()> {
        Some(())
    }
    #[inline(always)]
    fn int(&mut self, _: u32, _: Option<Int<'a>>) -> Option<()> {
        Some(())
    }
    #[inline(always)]
    fn tokens(&mut self, _: Option<[Option<Int<'a>>; 2]>) -> Option<()> {
        Some(())
    }
    fn rewind(&mut self) {
        self.0 = Required::NONE;
    }
}

/// Fills an `Event`: every field when `KEEP`, else only the four required
/// ones (the rest is checked by the walk, not kept). A constant, so the walk
/// that only checks compiles without the stores.
pub(crate) struct EventSink<'e, 'a, const KEEP: bool> {
    pub(crate) event: &'e mut Event<'a>,
}

impl<'a, const KEEP: bool> EventSink<'_, 'a, KEEP> {
    /// The event's list numbered `index` (10 `policy_ids`, 12 `data_categories`).
    #[inline(always)]
    fn list_field(&mut self, index: u32) -> &mut Option<Vec<Cow<'a, str>>> {
        if index == 10 {
            &mut self.event.policy_ids
        } else {
            &mut self.event.data_categories
        }
    }
}

impl<'a, const KEEP: bool> FieldSink<'a> for EventSink<'_, 'a, KEEP> {
    #[inline(always)]
    fn text(&mut self, index: u32, value: Option<&'a str>) -> Option<()> {
        let e = &mut *self.event;
        let required = |v: Option<&'a str>| v.map(Cow::Borrowed);
        match index {
            0 => e.event_id = required(value)?,
            1 => e.ts = required(value)?,
            2 => e.tenant_id = required(value)?,
            3 => e.event_type = required(value)?,
            _ if !KEEP => {}
            4 => e.request_id = value.map(Cow::Borrowed),
            5 => e.escalation_id = value.map(Cow::Borrowed),
            6 => e.config_version = value.map(Cow::Borrowed),
            9 => e.decision = value.map(Cow::Borrowed),
            11 => e.risk_level = value.map(Cow::Borrowed),
            15 => e.outcome = value.map(Cow::Borrowed),
            16 => e.reviewer = value.map(Cow::Borrowed),
            _ => e.incident_id = value.map(Cow::Borrowed),
        }
        Some(())
    }

    #[inline(always)]
    fn triple(&mut self, index: u32, values: Option<[Option<&'a str>; 3]>) -> Option<()> {
        if !KEEP {
            return Some(());
        }
        let values = values.map(|v| v.map(|s| s.map(Cow::Borrowed)));
        if index == 7 {
            self.event.actor = values.map(|[user_id, app, ip]| Actor { user_id, app, ip });
        } else {
            self.event.model = values.map(|[provider, name, region]| Model {
                provider,
                name,
                region,
            });
        }
        Some(())
    }

    #[inline(always)]
    fn list(&mut self, index: u32, present: bool) -> Option<()> {
        if KEEP {
            *self.list_field(index) = present.then(Vec::new);
        }
        Some(())
    }

    #[inline(always)]
    fn list_item(&mut self, index: u32, item: &'a str) -> Option<()> {
        if KEEP && let Some(items) = self.list_field(index) {
            items.push(Cow::Borrowed(item));
        }
        Some(())
    }

    #[inline(always)]
    fn int(&mut self, _index: u32, value: Option<Int<'a>>) -> Option<()> {
        if KEEP {
            self.event.latency_ms = value.map(|i| i.value);
        }
        Some(())
    }

    #[inline(always)]
    fn tokens(&mut self, value: Option<[Option<Int<'a>>; 2]>) -> Option<()> {
        if KEEP {
            self.event.tokens = value.map(|[input, output]| Tokens {
                input: input.map(|i| i.value),
                output: output.map(|i| i.value),
            });
        }
        Some(())
    }

    fn rewind(&mut self) {
        *self.event = Event::required("", "", "", "");
    }
}
