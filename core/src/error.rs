//! The error of the core crate. Every variant has a stable `code` that services send to
//! clients; the services map `kind()` to a transport status in one place each.

use std::fmt;

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
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    #[error("{message}")]
    Locked { code: &'static str, message: String },
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
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

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn refused(code: &'static str, message: impl Into<String>) -> Self {
        Self::Refused {
            code,
            message: message.into(),
        }
    }

    pub fn unauthenticated(code: &'static str, message: impl Into<String>) -> Self {
        Self::Unauthenticated {
            code,
            message: message.into(),
        }
    }

    pub fn locked(code: &'static str, message: impl Into<String>) -> Self {
        Self::Locked {
            code,
            message: message.into(),
        }
    }

    /// The stable, snake_case code sent to clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "invalid_input",
            Self::NotFound(what) => not_found_code(what),
            Self::Conflict { code, .. }
            | Self::Refused { code, .. }
            | Self::Unauthenticated { code, .. }
            | Self::Locked { code, .. } => code,
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "service_unavailable",
            Self::Database(_) | Self::Internal(_) => "internal_error",
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

fn not_found_code(what: &str) -> &'static str {
    match what {
        "patient" => "patient_not_found",
        "provider" => "provider_not_found",
        "account" => "account_not_found",
        "application" => "application_not_found",
        "consent" => "consent_not_found",
        "job" => "job_not_found",
        _ => "not_found",
    }
}

impl From<diesel::result::Error> for CoreError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => Self::NotFound("record"),
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            other => Self::Database(other),
        }
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
