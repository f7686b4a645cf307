//! Classifying AWS SDK errors as retryable or permanent, once for every adapter.
//!
//! Every SDK (S3, DynamoDB, SQS) re-exports the same `SdkError` and response
//! types from the smithy runtime, so one function serves them all.
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Error codes that mean "try again later" whatever the service.
const TRANSIENT_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "TransactionConflictException",
    "TransactionInProgressException",
    "RequestTimeout",
    "RequestTimeoutException",
    "SlowDown",
    "InternalError",
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "AWS.SimpleQueueService.RequestThrottled",
    "RequestThrottled",
];

/// Whether another attempt of the same call could succeed: timeouts, dispatch
/// failures, unparseable responses, throttling and 5xx are; everything else
/// (missing resources, validation, access denied) is not.
pub(crate) fn is_transient<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            let code_transient = service
                .err()
                .code()
                .is_some_and(|code| TRANSIENT_CODES.contains(&code));
            code_transient || service.raw().status().as_u16() >= 500
        }
        _ => false,
    }
}

/// The error code the service sent, if any (`ConditionalCheckFailedException`, `NoSuchKey`, ...).
pub(crate) fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.as_service_error().and_then(|e| e.code())
}

/// A one-line description with the whole cause chain, prefixed by what was being done.
pub(crate) fn describe<E, R>(doing: &str, err: &SdkError<E, R>) -> String
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    format!("{doing}: {}", DisplayErrorContext(err))
}

/// Maps an SDK error to the ports' [`super::StoreError`].
pub(crate) fn store_error<E>(doing: &str, err: SdkError<E, HttpResponse>) -> super::StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let message = describe(doing, &err);
    if is_transient(&err) {
        super::StoreError::Transient(message)
    } else {
        super::StoreError::Permanent(message)
    }
}
