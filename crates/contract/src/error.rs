//! The body of every non-422 error response.

use serde::{Deserialize, Serialize};

/// `{"error": "not_found", "message": "activity not found"}`: a stable code to match on and a
/// sentence for people. (A 422 is instead a JSON array of [`crate::ErrorCode`]s.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}
