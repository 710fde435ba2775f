//! What can go wrong in a store, in terms the API can act on.

use cruddur_contract::ErrorCode;

pub type StoreResult<T> = Result<T, StoreError>;

type Source = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value (handle, email) is already used; the code names which.
    #[error("already taken: {0}")]
    Taken(ErrorCode),
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error("database URL must start with sqlite:, postgres:// or postgresql://")]
    UnsupportedUrl,
    /// The database cannot be reached or is overloaded: worth retrying later (503).
    #[error("store unavailable")]
    Unavailable(#[source] Source),
    /// A statement ran past [`STATEMENT_BOUND`](crate::STATEMENT_BOUND) and was cut off.
    #[error("statement cut off at its time bound")]
    TimedOut(#[source] Source),
    /// Anything else: a bug or a broken database (500).
    #[error("store failure")]
    Internal(#[source] Source),
}

impl StoreError {
    /// The failures worth counting, by kind (`None` for answers such as "not found").
    pub fn failure_kind(&self) -> Option<&'static str> {
        match self {
            StoreError::Taken(_) | StoreError::NotFound | StoreError::Forbidden => None,
            StoreError::UnsupportedUrl => Some("unsupported_url"),
            StoreError::Unavailable(_) => Some("unavailable"),
            StoreError::TimedOut(_) => Some("timed_out"),
            StoreError::Internal(_) => Some("internal"),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(Box::new(error)),
            sqlx::Error::Database(ref db) if is_unavailable_code(db.code().as_deref()) => {
                StoreError::Unavailable(Box::new(error))
            }
            sqlx::Error::Database(ref db) if is_timeout_code(db.code().as_deref()) => {
                StoreError::TimedOut(Box::new(error))
            }
            // A row refers to one that is gone, such as a crud's author deleted while it
            // was being written.
            sqlx::Error::Database(ref db) if db.is_foreign_key_violation() => StoreError::NotFound,
            other => StoreError::Internal(Box::new(other)),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        match error {
            sqlx::migrate::MigrateError::Execute(inner) => inner.into(),
            other => StoreError::Internal(Box::new(other)),
        }
    }
}

/// A statement cut off at its bound: PostgreSQL's `statement_timeout` (57014) and SQLite's
/// interrupt from the progress handler (9).
fn is_timeout_code(code: Option<&str>) -> bool {
    matches!(code, Some("57014" | "9"))
}

/// Database error codes that mean "not now" rather than "never": PostgreSQL's connection
/// exceptions (08…), refused logins (28…: a password rotated in the database a moment before
/// its new URL reaches the service), shutdowns (57P01–57P03), "too many connections" (53300),
/// and SQLite's BUSY (5) and LOCKED (6).
fn is_unavailable_code(code: Option<&str>) -> bool {
    match code {
        Some(code) => {
            code.starts_with("08")
                || code.starts_with("28")
                || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "5" | "6")
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_login_is_unavailable_not_a_failure() {
        for code in ["28P01", "28000", "08006", "57P01", "5"] {
            assert!(is_unavailable_code(Some(code)), "{code}");
        }
        for code in ["23505", "42P01", "57014"] {
            assert!(!is_unavailable_code(Some(code)), "{code}");
        }
    }
}
