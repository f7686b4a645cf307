//! Export formats and what each one produces.
use serde::{Deserialize, Serialize};

/// The wire names (`compliance-aesia`) come from one place, the derives:
/// serde for JSON, strum for `as_str`, `parse` and `Display`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ExportFormat {
    Csv,
    Json,
    ComplianceAesia,
    ComplianceAepd,
    ComplianceEns,
    ComplianceAll,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 6] = [
        Self::Csv,
        Self::Json,
        Self::ComplianceAesia,
        Self::ComplianceAepd,
        Self::ComplianceEns,
        Self::ComplianceAll,
    ];

    /// Compliance reports may be kept for years as evidence (S3 Object Lock);
    /// raw event exports keep the 30-day maximum.
    pub fn can_be_retained(self) -> bool {
        !matches!(self, Self::Csv | Self::Json)
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv",
            Self::ComplianceAll => "application/gzip",
            _ => "application/json",
        }
    }

    /// What follows `kt_<first>_to_<last>` in the artifact's file name.
    pub fn file_suffix(self) -> String {
        match self {
            Self::Csv => ".csv".into(),
            Self::Json => ".json".into(),
            Self::ComplianceAll => "_compliance-all.tar.gz".into(),
            report => format!("_{}.json", report.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_and_text_names_are_one_table() {
        for format in ExportFormat::ALL {
            let json = serde_json::to_string(&format).unwrap();
            assert_eq!(json, format!("\"{format}\""));
            assert_eq!(ExportFormat::parse(format.as_str()), Some(format));
        }
        assert_eq!(ExportFormat::ComplianceAesia.as_str(), "compliance-aesia");
        assert_eq!(ExportFormat::parse("CSV"), None);
    }
}
