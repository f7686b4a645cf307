//! Names and numbers shared by the AWS adapters, the local bootstrap and
//! `infra/template.yaml`. The template is the source of truth for AWS; a test
//! (`local::template_check`) compares it with these constants so the emulator
//! gets the same tables, queues and buckets.

/// Jobs table partition key (string): `TENANT#<tenant>`.
pub const PK: &str = "pk";
/// Jobs table sort key (string): `JOB#<job_id>`, `IDEM#<key>` or `COUNTER#active`.
pub const SK: &str = "sk";
/// Epoch seconds after which DynamoDB TTL may delete an item (it may be days late).
pub const TTL_ATTR: &str = "ttl";

/// Sparse index over active jobs, for the sweeper that finds stranded ones
/// across tenants: `processing` by lease end, `queued` by when they started waiting.
pub const LEASE_INDEX: &str = "processing-leases";
/// Partition key of [`LEASE_INDEX`] (string, always `PROCESSING`); present only while processing.
pub const LEASE_INDEX_PK: &str = "gsi_lease_pk";
/// Value of [`LEASE_INDEX_PK`] on processing jobs.
pub const LEASE_INDEX_PK_VALUE: &str = "PROCESSING";
/// Value of [`LEASE_INDEX_PK`] on queued jobs (sort key: when they started waiting).
pub const QUEUED_INDEX_PK_VALUE: &str = "QUEUED";
/// Sort key of [`LEASE_INDEX`] (number, epoch milliseconds of the job's `lease_until`).
///
/// A number owned by the adapter rather than the job's own `lease_until`
/// (an RFC 3339 string with a variable number of fractional digits, so it does
/// not compare correctly as a string, and `NULL` when unset, which an index
/// key attribute may not be).
pub const LEASE_INDEX_SK: &str = "lease_until_ms";

/// How often SQS delivers a message before it moves it to the dead-letter queue.
pub const MAX_RECEIVE_COUNT: u32 = 3;
/// Worker function timeout in seconds (Lambda's maximum).
pub const WORKER_TIMEOUT_SECONDS: u32 = 900;
/// Export queue visibility timeout: the worker's timeout plus a margin, so a
/// message is not redelivered while its first delivery is still running.
pub const QUEUE_VISIBILITY_TIMEOUT_SECONDS: u32 = 960;
const _: () = assert!(QUEUE_VISIBILITY_TIMEOUT_SECONDS > WORKER_TIMEOUT_SECONDS);
/// How long the dead-letter queue keeps messages (14 days, SQS's maximum).
pub const DLQ_RETENTION_SECONDS: u32 = 1_209_600;

/// Prefix of every artifact key:
/// `exports/<days>d/<tenant>/<job_id>/<attempt>/<file_name>` (see [`artifact_key`]).
pub const ARTIFACTS_PREFIX: &str = "exports/";
/// The longest `expires_in_days`; one lifecycle rule per value up to it.
pub const MAX_EXPIRES_IN_DAYS: u32 = 30;

/// Where artifacts that expire `days` after completion live; a lifecycle rule
/// per prefix deletes them `days` after they were written.
pub fn expiry_prefix(days: u32) -> String {
    format!("{ARTIFACTS_PREFIX}{days}d/")
}

/// Id of the lifecycle rule for [`expiry_prefix`]`(days)`.
pub fn expiry_rule_id(days: u32) -> String {
    format!("expire-exports-{days}d")
}

/// An artifact's key: under its expiry prefix, and named by the claim
/// (attempt) that wrote it, so two workers never write the same object and
/// the job names only the lease holder's.
pub fn artifact_key(
    expires_in_days: u32,
    tenant: &str,
    job_id: &str,
    attempt: u32,
    file_name: &str,
) -> String {
    format!(
        "{}{tenant}/{job_id}/{attempt}/{file_name}",
        expiry_prefix(expires_in_days)
    )
}
/// Prefix of retained artifacts (compliance exports kept under S3 Object Lock,
/// compliance mode): `retained/<years>y/<tenant>/<job_id>/<attempt>/<file_name>`.
pub const RETAINED_PREFIX: &str = "retained/";
/// The longest retention in whole years (ten years, `MAX_RETENTION_DAYS`).
pub const MAX_RETAINED_YEARS: u32 = 10;

/// The lifecycle bucket of a retention of `days`: whole years, rounded up.
pub fn retained_years(days: u32) -> u32 {
    days.div_ceil(365).clamp(1, MAX_RETAINED_YEARS)
}

/// Where artifacts retained up to `years` years live; a lifecycle rule per
/// prefix removes them once every retention in it has ended.
pub fn retained_prefix(years: u32) -> String {
    format!("{RETAINED_PREFIX}{years}y/")
}

/// Id of the lifecycle rule for [`retained_prefix`]`(years)`.
pub fn retained_rule_id(years: u32) -> String {
    format!("expire-retained-{years}y")
}

/// Days after its creation the rule of [`retained_prefix`]`(years)` expires an
/// object: the bucket's longest retention plus a day (S3 rounds to midnight),
/// so no object is hidden before its `retained_until`. Object Lock keeps the
/// version itself until then whatever the rules say.
pub fn retained_expiration_days(years: u32) -> i32 {
    (years * 365 + 1) as i32
}

/// A retained artifact's key (see [`RETAINED_PREFIX`]).
pub fn retained_artifact_key(
    retention_days: u32,
    tenant: &str,
    job_id: &str,
    attempt: u32,
    file_name: &str,
) -> String {
    format!(
        "{}{tenant}/{job_id}/{attempt}/{file_name}",
        retained_prefix(retained_years(retention_days))
    )
}

/// The bucket is versioned (Object Lock needs it): a deleted or expired
/// object's version is removed this many days after it stopped being current
/// (never while locked), and the delete markers left behind are cleaned up.
pub const NONCURRENT_VERSION_EXPIRATION_DAYS: i32 = 1;
pub const NONCURRENT_VERSION_RULE_ID: &str = "expire-noncurrent-versions";

/// Lifecycle rule: anything under `exports/` is deleted this many days after
/// creation (the longest `expires_in_days`, 30, plus one), a backstop behind
/// the per-expiry rules.
pub const ARTIFACT_EXPIRATION_DAYS: i32 = 31;
/// Lifecycle rule: incomplete multipart uploads are aborted after this many days.
pub const ABORT_INCOMPLETE_UPLOAD_DAYS: i32 = 1;
/// Lifecycle rule ids (the template uses the same).
pub const ARTIFACT_EXPIRATION_RULE_ID: &str = "expire-exports";
pub const ABORT_INCOMPLETE_UPLOAD_RULE_ID: &str = "abort-incomplete-multipart-uploads";

/// Job records stay this long after they end (failed, canceled) or after their
/// artifact expires (completed), so history shows them, before TTL removes them.
pub const HISTORY_RETENTION_DAYS: i64 = 30;

/// Audit entries are kept this long after they were written (DynamoDB TTL):
/// longer than the longest artifact retention (10 years) plus the history
/// month, so a trail outlives every artifact it describes, even when the
/// retention was set after an entry was written.
pub const AUDIT_RETENTION_DAYS: i64 = 11 * 366;
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retention_lands_in_the_year_prefix_that_outlives_it() {
        assert_eq!(retained_years(1), 1);
        assert_eq!(retained_years(365), 1);
        assert_eq!(retained_years(366), 2);
        assert_eq!(retained_years(3650), 10);
        for days in [1, 180, 365, 366, 730, 1000, 3649, 3650] {
            let years = retained_years(days);
            assert!(retained_expiration_days(years) > days as i32, "{days}");
            assert!(
                retained_artifact_key(days, "acme", "job_1", 2, "f.tar.gz")
                    .starts_with(&retained_prefix(years))
            );
        }
        assert!(!retained_prefix(1).starts_with(ARTIFACTS_PREFIX));
    }
}
