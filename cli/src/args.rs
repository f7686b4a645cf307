//! clap value types for the API's enums, built from the library's own lists so
//! `--help` and completions show exactly what the API accepts.
use clap::ValueEnum;
use clap::builder::PossibleValue;
use kt_domain::{ExportFormat, ExportType, JobId, JobStatus};
use std::sync::OnceLock;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatArg(pub ExportFormat);

impl ValueEnum for FormatArg {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: OnceLock<Vec<FormatArg>> = OnceLock::new();
        ALL.get_or_init(|| ExportFormat::ALL.into_iter().map(FormatArg).collect())
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self.0 {
            ExportFormat::Csv => "events as CSV (RFC 4180, header row)",
            ExportFormat::Json => "events as JSON, with the scope and a summary",
            ExportFormat::ComplianceAesia => "AESIA report (EU AI Act, Spain)",
            ExportFormat::ComplianceAepd => "AEPD report (GDPR, Spain)",
            ExportFormat::ComplianceEns => "ENS report (Esquema Nacional de Seguridad)",
            ExportFormat::ComplianceAll => "the evidence bundle: every report + manifest (.tar.gz)",
        };
        Some(PossibleValue::new(self.0.as_str()).help(help))
    }
}

/// `--type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeArg(pub ExportType);

impl ValueEnum for TypeArg {
    fn value_variants<'a>() -> &'a [Self] {
        &[TypeArg(ExportType::Events)]
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        match self.0 {
            ExportType::Events => {
                Some(PossibleValue::new("events").help("the tenant's gateway events"))
            }
        }
    }
}

/// `--status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusArg(pub JobStatus);

const STATUSES: [StatusArg; 6] = [
    StatusArg(JobStatus::Queued),
    StatusArg(JobStatus::Processing),
    StatusArg(JobStatus::Completed),
    StatusArg(JobStatus::Failed),
    StatusArg(JobStatus::Expired),
    StatusArg(JobStatus::Canceled),
];

impl ValueEnum for StatusArg {
    fn value_variants<'a>() -> &'a [Self] {
        &STATUSES
    }
    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.as_str()))
    }
}

/// `--id`: a job id, checked before any request is sent.
pub fn parse_job_id(s: &str) -> Result<JobId, String> {
    JobId::parse(s).map_err(|e| format!("{e} (see `kt export-jobs list`)"))
}

/// The job a command is about: `--id job_...`, or the id alone
/// (`kt export-jobs wait job_...`), which is what people type after
/// `create` printed it.
#[derive(clap::Args, Debug, Clone)]
#[group(required = true, multiple = false)]
pub struct JobRef {
    /// The job's id (job_...)
    #[arg(long = "id", value_name = "ID", value_parser = parse_job_id)]
    by_flag: Option<JobId>,
    /// The job's id, given alone instead of with --id
    #[arg(value_name = "JOB_ID", value_parser = parse_job_id)]
    alone: Option<JobId>,
}

impl JobRef {
    pub fn id(&self) -> &JobId {
        self.by_flag
            .as_ref()
            .or(self.alone.as_ref())
            .expect("clap requires --id or the id alone")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_one_the_api_parses() {
        for f in FormatArg::value_variants() {
            let name = f.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(ExportFormat::parse(&name), Some(f.0));
        }
        assert_eq!(FormatArg::value_variants().len(), ExportFormat::ALL.len());
        for s in StatusArg::value_variants() {
            let name = s.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(JobStatus::parse(&name), Some(s.0));
        }
        let events = serde_json::to_value(TypeArg::value_variants()[0].0).unwrap();
        assert_eq!(events, "events");
    }
}
