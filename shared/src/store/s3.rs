//! S3: the lake source, and the artifacts store (multipart sink, presigned GETs).
//!
//! OWNER: aws helper.
