//! SQS: the job queue, and a receiver for the local poller.
//!
//! OWNER: aws helper.
