//! Export formats and what each one produces.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExportFormat {
    #[serde(rename = "csv")]
    Csv,
    #[serde(rename = "json")]
    Json,
    #[serde(rename = "compliance-aesia")]
    ComplianceAesia,
    #[serde(rename = "compliance-aepd")]
    ComplianceAepd,
    #[serde(rename = "compliance-ens")]
    ComplianceEns,
    #[serde(rename = "compliance-all")]
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

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::ComplianceAesia => "compliance-aesia",
            Self::ComplianceAepd => "compliance-aepd",
            Self::ComplianceEns => "compliance-ens",
            Self::ComplianceAll => "compliance-all",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
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

impl std::fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
