//! SDK errors in the store's terms: "not now" (503) or "broken" (500).

use aws_sdk_dynamodb::error::{BuildError, ProvideErrorMetadata, SdkError};

use crate::StoreError;

impl<E> From<SdkError<E>> for StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    /// By the time an error gets here the SDK has already retried what was worth retrying;
    /// what is left and still transient means DynamoDB is unreachable or overloaded.
    fn from(error: SdkError<E>) -> Self {
        let transient = match &error {
            SdkError::TimeoutError(_)
            | SdkError::DispatchFailure(_)
            | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(service) => {
                service.raw().status().is_server_error() || is_transient_code(service.err().code())
            }
            _ => false,
        };
        if transient {
            StoreError::Unavailable(Box::new(error))
        } else {
            StoreError::Internal(Box::new(error))
        }
    }
}

/// A request the store built without a required field: a bug.
impl From<BuildError> for StoreError {
    fn from(error: BuildError) -> Self {
        StoreError::Internal(Box::new(error))
    }
}

/// Error codes that mean "try again later". A missing table counts: it is being created (at
/// start-up or by `create-message-table`) or was removed, an outage of the message store
/// rather than a fault of the request.
fn is_transient_code(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "ThrottlingException"
                | "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded"
                | "InternalServerError"
                | "ServiceUnavailable"
                | "TransactionConflictException"
                | "TransactionInProgressException"
                | "ResourceNotFoundException"
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_and_missing_tables_are_transient_validation_is_not() {
        assert!(is_transient_code(Some("ThrottlingException")));
        assert!(is_transient_code(Some("ResourceNotFoundException")));
        assert!(!is_transient_code(Some("ValidationException")));
        assert!(!is_transient_code(Some("ConditionalCheckFailedException")));
        assert!(!is_transient_code(None));
    }
}
