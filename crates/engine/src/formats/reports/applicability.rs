//! Who holds each obligation and from when it applies, so that a report of a
//! period before an obligation applies does not present it as due.
//!
//! Dates: AI Act Art. 113 (Art. 4-5 from 2 February 2025; the rest cited here,
//! including the Annex III high-risk obligations, from 2 August 2026); GDPR
//! Art. 99(2) (25 May 2018); LOPDGDD final provision 16 (7 December 2018);
//! RD 311/2022 final provision 4 (in force 5 May 2022; systems already in
//! place had 24 months to adapt, transitional provision 1: 5 May 2024).
use super::Framework;
use super::doc::{self, AppliesDuringPeriod, Holder};
use chrono::NaiveDate;
use kt_domain::Window;

pub struct Applicability {
    pub holders: &'static [Holder],
    pub applies_from: &'static str,
    pub note: &'static str,
}

const AI_ACT_GENERAL: &str = "2026-08-02";
const AI_ACT_EARLY: &str = "2025-02-02";
const GDPR: &str = "2018-05-25";
const ENS: &str = "2024-05-05";

/// The applicability of section `key` of `fw`.
pub fn of(fw: Framework, key: &str) -> Applicability {
    let a = |holders, applies_from, note| Applicability {
        holders,
        applies_from,
        note,
    };
    match fw {
        Framework::Aesia => match key {
            "art4" => a(
                &[Holder::Provider, Holder::Deployer],
                AI_ACT_EARLY,
                "Art. 113(a): Chapters I and II apply from 2 February 2025",
            ),
            "art5" => a(
                &[Holder::Provider, Holder::Deployer],
                AI_ACT_EARLY,
                "Art. 113(a): Chapters I and II apply from 2 February 2025",
            ),
            "art12" => a(
                &[Holder::Provider],
                AI_ACT_GENERAL,
                "high-risk systems (Annex III); the provider designs logging in, the deployer keeps the logs (Art. 26(6))",
            ),
            "art14_art26.2" => a(
                &[Holder::Provider, Holder::Deployer],
                AI_ACT_GENERAL,
                "high-risk systems (Annex III): the provider designs oversight in (Art. 14), the deployer assigns it (Art. 26(2))",
            ),
            "art72" | "art73" => a(
                &[Holder::Provider],
                AI_ACT_GENERAL,
                "high-risk systems (Annex III); deployers inform the provider (Art. 26(5))",
            ),
            "art50" => a(
                &[Holder::Provider, Holder::Deployer],
                AI_ACT_GENERAL,
                "Art. 50(1)-(2) providers, Art. 50(3)-(4) deployers",
            ),
            "art27" => a(
                &[Holder::Deployer],
                AI_ACT_GENERAL,
                "deployers that are bodies governed by public law or private entities providing public services, and deployers of Annex III 5(b)-(c) systems",
            ),
            // art26.*, art86
            _ => a(
                &[Holder::Deployer],
                AI_ACT_GENERAL,
                "high-risk systems (Annex III)",
            ),
        },
        Framework::Aepd => match key {
            "rgpd.28" => a(
                &[Holder::Controller, Holder::Processor],
                GDPR,
                "GDPR Art. 99(2); LOPDGDD from 2018-12-07",
            ),
            "rgpd.32" | "rgpd.44_49" => a(
                &[Holder::Controller, Holder::Processor],
                GDPR,
                "GDPR Art. 99(2)",
            ),
            "rgpd.30" => a(
                &[Holder::Controller, Holder::Processor],
                GDPR,
                "Art. 30(1) controllers, Art. 30(2) processors; LOPDGDD Art. 31 from 2018-12-07",
            ),
            "rgpd.33_34" => a(
                &[Holder::Controller],
                GDPR,
                "processors notify the controller without undue delay (Art. 33(2))",
            ),
            _ => a(
                &[Holder::Controller],
                GDPR,
                "GDPR Art. 99(2); LOPDGDD from 2018-12-07",
            ),
        },
        Framework::Ens => match key {
            "op.exp.8.r1" => a(
                &[Holder::ResponsibleEntity],
                ENS,
                "required from category MEDIA (RD 311/2022, Anexo II, op.exp.8)",
            ),
            _ => a(
                &[Holder::ResponsibleEntity],
                ENS,
                "entities of RD 311/2022 art. 2 and the providers of their systems; in force 2022-05-05, systems in place adapted by 2024-05-05",
            ),
        },
    }
}

/// `applicability` of a section for `window`, and a gap when it does not
/// apply for the whole period.
pub fn render(fw: Framework, key: &str, window: &Window) -> (doc::Applicability, Option<String>) {
    let a = of(fw, key);
    let from = NaiveDate::parse_from_str(a.applies_from, "%Y-%m-%d").expect("a valid date");
    let start = window.start.with_timezone(&window.timezone).date_naive();
    let end = window.end.with_timezone(&window.timezone).date_naive();
    let (during, gap) = if from <= start {
        (AppliesDuringPeriod::WholePeriod, None)
    } else if from >= end {
        (
            AppliesDuringPeriod::NotYet,
            Some(format!(
                "this obligation applies from {}; the period ends before that, so the figures show readiness, not an obligation that was due",
                a.applies_from
            )),
        )
    } else {
        (
            AppliesDuringPeriod::PartOfPeriod,
            Some(format!(
                "this obligation applies from {}, within the period; figures before that date show readiness only",
                a.applies_from
            )),
        )
    };
    let holders = a.holders.to_vec();
    (
        doc::Applicability {
            holders,
            applies_from: a.applies_from.to_string(),
            applies_during_period: during,
            note: a.note.to_string(),
        },
        gap,
    )
}
