//! Scheduled exports (in progress).
