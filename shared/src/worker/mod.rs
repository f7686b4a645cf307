//! The SQS worker: claims a job, runs the export, records the result.
//!
//! OWNER: lead.
