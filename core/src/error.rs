//! The error of the core crate. Every variant has a stable `code` (an `ErrorCode`, which
//! also names the HTTP status) that services send to clients; `kind()` is for transports
//! that are not HTTP (the voice line).

use std::fmt;

use crate::error_code::ErrorCode;

/// How a service should answer, independent of the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is malformed or breaks a rule of the domain (400 / 422).
    Invalid,
    NotFound,
    /// The request conflicts with the current state (409).
    Conflict,
    /// The caller is known but may not do this (403).
    Refused,
    /// The caller is not signed in or their credentials are wrong (401).
    Unauthenticated,
    /// Too many tries; locked or throttled (423 / 429).
    Locked,
    RateLimited,
    /// A dependency such as the database is down (503).
    Unavailable,
    /// Too much work waiting (the Argon2 pool is full); try again shortly (503).
    Busy,
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: ErrorCode, message: String },
    #[error("{message}")]
    Refused { code: ErrorCode, message: String },
    #[error("{message}")]
    Unauthenticated { code: ErrorCode, message: String },
    #[error("{message}")]
    Locked { code: ErrorCode, message: String },
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("the service is busy; try again in {retry_after_secs} seconds")]
    Busy { retry_after_secs: u64 },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error")]
    Database(#[source] diesel::result::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Refused {
            code,
            message: message.into(),
        }
    }

    pub fn unauthenticated(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Unauthenticated {
            code,
            message: message.into(),
        }
    }

    pub fn locked(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Locked {
            code,
            message: message.into(),
        }
    }

    /// The stable code sent to clients.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidInput { .. } => ErrorCode::InvalidInput,
            Self::NotFound(what) => not_found_code(what),
            Self::Conflict { code, .. }
            | Self::Refused { code, .. }
            | Self::Unauthenticated { code, .. }
            | Self::Locked { code, .. } => *code,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Busy { .. } => ErrorCode::Busy,
            Self::Database(_) | Self::Internal(_) => ErrorCode::InternalError,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput { .. } => ErrorKind::Invalid,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Conflict { .. } => ErrorKind::Conflict,
            Self::Refused { .. } => ErrorKind::Refused,
            Self::Unauthenticated { .. } => ErrorKind::Unauthenticated,
            Self::Locked { .. } => ErrorKind::Locked,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Busy { .. } => ErrorKind::Busy,
            Self::Database(_) | Self::Internal(_) => ErrorKind::Internal,
        }
    }

    /// The field an `InvalidInput` names.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }

    /// A message safe to show a client: internal causes are never leaked.
    pub fn public_message(&self) -> String {
        match self {
            Self::Database(_) | Self::Internal(_) => {
                "an internal error occurred; it has been logged".to_owned()
            }
            Self::Unavailable(_) => "the service is temporarily unavailable".to_owned(),
            other => other.to_string(),
        }
    }
}

/// The code of a missing thing. Things with no code of their own (an approval, a device,
/// a link...) answer the bare `not_found` they always have (docs/decisions.md, issue 13).
fn not_found_code(what: &str) -> ErrorCode {
    match what {
        "patient" => ErrorCode::PatientNotFound,
        "provider" => ErrorCode::ProviderNotFound,
        "account" => ErrorCode::AccountNotFound,
        "application" => ErrorCode::ApplicationNotFound,
        "provider_application" => ErrorCode::ProviderApplicationNotFound,
        "consent" => ErrorCode::ConsentNotFound,
        "job" => ErrorCode::JobNotFound,
        _ => ErrorCode::NotFound,
    }
}

impl From<diesel::result::Error> for CoreError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::NotFound => Self::NotFound("record"),
            e if connection_lost(&e) => {
                crate::db::pool_health::note_lost();
                Self::Unavailable(e.to_string())
            }
            other => Self::Database(other),
        }
    }
}

/// What PostgreSQL and libpq say when the connection, not the query, failed: the server
/// is shutting down, crashed or restarting, or the socket died. diesel reports some of
/// these with an `Unknown` kind, e.g. when the server's goodbye arrives before libpq has
/// noticed the closed socket.
const CONNECTION_LOST: [&str; 10] = [
    "terminating connection",
    "server closed the connection",
    "no connection to the server",
    "could not receive data from server",
    "could not send data to server",
    "connection to server was lost",
    "SSL connection has been closed",
    "SSL error: unexpected eof",
    "SSL SYSCALL error",
    "the database system is",
];

/// Whether a database error means "the database went away" (answer 503, the client may
/// retry once it is back) rather than a fault of ours (500). A transaction whose commit
/// or rollback failed because the connection died counts as gone too.
fn connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as Kind, Error};
    match e {
        Error::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _) => true,
        Error::DatabaseError(_, info) => CONNECTION_LOST.iter().any(|m| info.message().contains(m)),
        Error::RollbackErrorOnCommit {
            rollback_error,
            commit_error,
        } => connection_lost(commit_error) || connection_lost(rollback_error),
        _ => false,
    }
}

impl From<r2d2_error::PoolError> for CoreError {
    fn from(e: r2d2_error::PoolError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

/// The pool's error type, named once here.
pub mod r2d2_error {
    pub type PoolError = diesel::r2d2::PoolError;
}

/// Short display for logging an error with its cause chain.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind as Kind, Error};

    use super::*;

    fn db_error(kind: Kind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn a_lost_database_connection_is_unavailable_not_internal() {
        let lost = [
            db_error(
                Kind::ClosedConnection,
                "server closed the connection unexpectedly",
            ),
            db_error(Kind::UnableToSendCommand, "no connection to the server"),
            db_error(
                Kind::Unknown,
                "terminating connection due to administrator command",
            ),
            db_error(
                Kind::Unknown,
                "terminating connection because of crash of another server process",
            ),
            db_error(Kind::Unknown, "the database system is shutting down"),
            db_error(Kind::Unknown, "SSL error: unexpected eof while reading"),
            db_error(Kind::Unknown, "SSL SYSCALL error: EOF detected"),
            db_error(
                Kind::Unknown,
                "server closed the connection unexpectedly\n\tThis probably means...",
            ),
            Error::RollbackErrorOnCommit {
                rollback_error: Box::new(db_error(Kind::UnableToSendCommand, "no connection")),
                commit_error: Box::new(db_error(Kind::ClosedConnection, "closed")),
            },
        ];
        for e in lost {
            let what = e.to_string();
            let core = CoreError::from(e);
            assert_eq!(core.kind(), ErrorKind::Unavailable, "{what}");
            assert_eq!(core.code(), "service_unavailable", "{what}");
            assert_eq!(
                core.public_message(),
                "the service is temporarily unavailable"
            );
        }
    }

    #[test]
    fn other_database_errors_stay_internal() {
        for e in [
            db_error(
                Kind::UniqueViolation,
                "duplicate key value violates unique constraint",
            ),
            db_error(Kind::Unknown, "relation \"audit_log\" does not exist"),
            Error::BrokenTransactionManager,
        ] {
            let what = e.to_string();
            let core = CoreError::from(e);
            assert_eq!(core.kind(), ErrorKind::Internal, "{what}");
            assert_eq!(core.code(), "internal_error", "{what}");
        }
        assert_eq!(CoreError::from(Error::NotFound).kind(), ErrorKind::NotFound);
    }
}
