//! Building AWS SDK clients from [`crate::config::Config`] (endpoint, region, path-style S3).
//!
//! OWNER: aws helper.
