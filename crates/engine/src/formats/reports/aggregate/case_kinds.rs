//! What kind of case a risk row is, and how it reached handling: one byte
//! (or none) a row instead of an 8-byte string, saved and reported as the
//! same strings.
use serde::{Deserialize, Serialize};

/// Why an event is an AI Act Art. 73 candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    IncidentReported,
    CriticalRiskEvent,
}

/// How a case reached handling: the event type that brought it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EscalatedVia {
    #[serde(rename = "incident.reported")]
    IncidentReported,
    #[serde(rename = "escalation.opened")]
    EscalationOpened,
}

impl EscalatedVia {
    pub fn of(reported: bool) -> Self {
        if reported {
            Self::IncidentReported
        } else {
            Self::EscalationOpened
        }
    }
}

/// Why an event is a breach candidate: there is one kind, so it takes no
/// byte in the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachKind {
    IncidentWithPersonalData,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_save_as_the_strings_the_rows_held() {
        let saved = serde_json::to_string(&(
            [
                CandidateKind::IncidentReported,
                CandidateKind::CriticalRiskEvent,
            ],
            [EscalatedVia::of(true), EscalatedVia::of(false)],
            BreachKind::IncidentWithPersonalData,
        ))
        .unwrap();
        assert_eq!(
            saved,
            r#"[["incident_reported","critical_risk_event"],["incident.reported","escalation.opened"],"incident_with_personal_data"]"#
        );
        let loaded: (Vec<CandidateKind>, Vec<EscalatedVia>, BreachKind) =
            serde_json::from_str(&saved).unwrap();
        assert_eq!(
            loaded.1,
            [
                EscalatedVia::IncidentReported,
                EscalatedVia::EscalationOpened
            ]
        );
        assert!(serde_json::from_str::<CandidateKind>(r#""other""#).is_err());
        assert_eq!(size_of::<Option<EscalatedVia>>(), 1);
        assert_eq!(size_of::<BreachKind>(), 0);
    }
}
