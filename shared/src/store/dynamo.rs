//! DynamoDB implementation of [`super::JobStore`] (serde_dynamo items, transactions).
//!
//! OWNER: aws helper.
