//! Classifying AWS SDK errors as retryable or permanent, once for every adapter.
//!
//! Every SDK (S3, DynamoDB, SQS) re-exports the same `SdkError` and response
//! types from the smithy runtime, so one function serves them all.
use aws_runtime::retries::classifiers::{THROTTLING_ERRORS, TRANSIENT_ERRORS};
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// Codes worth another attempt that the SDK's own retry classifier
/// (`aws_runtime::retries::classifiers`) does not list: a DynamoDB
/// transaction that lost to a concurrent one, and SQS's throttling code.
const ALSO_TRANSIENT: &[&str] = &[
    "TransactionConflictException",
    "AWS.SimpleQueueService.RequestThrottled",
];

/// Whether the service's error code means "try again later": the SDK's
/// throttling and transient codes, and [`ALSO_TRANSIENT`].
fn is_transient_code(code: &str) -> bool {
    THROTTLING_ERRORS.contains(&code)
        || TRANSIENT_ERRORS.contains(&code)
        || ALSO_TRANSIENT.contains(&code)
}

/// Whether another attempt of the same call could succeed: timeouts, dispatch
/// failures, unparseable responses, throttling and 5xx are; everything else
/// (missing resources, validation, access denied) is not.
pub fn is_transient<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            let code_transient = service.err().code().is_some_and(is_transient_code);
            code_transient || service.raw().status().as_u16() >= 500
        }
        _ => false,
    }
}

/// The error code the service sent, if any (`ConditionalCheckFailedException`, `NoSuchKey`, ...).
pub fn error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    err.as_service_error().and_then(|e| e.code())
}

/// Maps an SDK error to the ports' [`super::StoreError`].
pub fn store_error<E>(doing: &str, err: SdkError<E, HttpResponse>) -> super::StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let transient = is_transient(&err);
    let failure = super::Failure::caused_by(doing, err);
    if transient {
        super::StoreError::Transient(failure)
    } else {
        super::StoreError::Permanent(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_smithy_types::body::SdkBody;

    fn service_error(code: &str, status: u16) -> SdkError<GetItemError, HttpResponse> {
        let err = GetItemError::generic(ErrorMetadata::builder().code(code).build());
        let status = http::StatusCode::from_u16(status).unwrap().into();
        SdkError::service_error(err, HttpResponse::new(status, SdkBody::empty()))
    }

    #[test]
    fn throttling_server_errors_and_timeouts_are_worth_retrying() {
        assert!(is_transient(&service_error("ThrottlingException", 400)));
        assert!(is_transient(&service_error(
            "ProvisionedThroughputExceededException",
            400
        )));
        assert!(is_transient(&service_error("Anything", 503)));
        let timeout: SdkError<GetItemError, HttpResponse> = SdkError::timeout_error("slow");
        assert!(is_transient(&timeout));
    }

    #[test]
    fn missing_resources_and_bad_requests_are_permanent() {
        let missing = store_error("reading", service_error("ResourceNotFoundException", 400));
        assert!(!missing.is_retryable());
        assert!(missing.to_string().starts_with("reading: "), "{missing}");
        assert!(!is_transient(&service_error("ValidationException", 400)));
        assert!(!is_transient(&service_error("AccessDeniedException", 403)));
        assert_eq!(
            error_code(&service_error("ResourceInUseException", 400)),
            Some("ResourceInUseException")
        );
    }
}
