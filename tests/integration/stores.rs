//! The AWS adapters against the emulator: bootstrap, DynamoDB job store,
//! S3 artifacts and lake, SQS queue.
mod bootstrap;
mod custody;
mod dynamo;
mod s3;
mod secrets;
mod sqs;
