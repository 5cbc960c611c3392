//! Limits on asking for a code (sign-in, applying to join, a resend), counted on every
//! request before anything is looked up, so that the limit cannot tell whether the
//! particulars matched (issue 11): per identifier typed (eHR number or identity
//! document), per client address, and in all. A refusal is a 429 whatever the particulars.
//!
//! Identifiers are counted under a keyed digest: the counters do not list who was tried.

use chrono::{DateTime, Duration, Utc};

use super::throttle;
use crate::config::SecurityConfig;
use crate::db::{write_tx, DbConn};
use crate::error::CoreResult;
use crate::rules::LockoutPolicy;
use crate::secret::SecretHasher;

/// Who asks for a code: the client's address and, when the request names someone, the
/// identifier as typed (`ehr:<number>`, `doc:<key>`).
#[derive(Debug, Clone)]
pub struct CodeRequest<'a> {
    pub client: &'a str,
    pub identifier: Option<&'a str>,
}

#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    pub per_identifier: LockoutPolicy,
    pub per_client: LockoutPolicy,
    pub global: LockoutPolicy,
}

impl RequestLimits {
    pub fn of(security: &SecurityConfig) -> Self {
        let window = Duration::seconds(security.code_request_window_secs);
        let windowed = |max_failures| LockoutPolicy {
            max_failures,
            window: Some(window),
            lock_for: Some(window),
        };
        Self {
            per_identifier: windowed(security.code_requests_per_identifier),
            per_client: windowed(security.code_requests_per_client),
            global: LockoutPolicy {
                max_failures: security.code_requests_global_per_minute,
                window: Some(Duration::minutes(1)),
                lock_for: Some(Duration::minutes(1)),
            },
        }
    }
}

fn scopes(
    hasher: &SecretHasher,
    limits: &RequestLimits,
    req: &CodeRequest<'_>,
) -> Vec<(String, LockoutPolicy)> {
    let mut scopes = Vec::with_capacity(3);
    if let Some(identifier) = req.identifier {
        let digest = hasher.code_digest("code-request", identifier);
        scopes.push((format!("code-id:{digest}"), limits.per_identifier));
    }
    scopes.push((format!("code-client:{}", req.client), limits.per_client));
    scopes.push(("code-global".to_owned(), limits.global));
    scopes
}

/// Counts the request against each of its scopes, or refuses it (429) if one is spent. Its
/// own short transaction, committed before the request is served: the count stands
/// whatever follows, and the wide scopes' row locks are not held for the request.
pub fn admit(
    conn: &mut DbConn,
    hasher: &SecretHasher,
    limits: &RequestLimits,
    req: &CodeRequest<'_>,
    now: DateTime<Utc>,
) -> CoreResult<()> {
    let scopes = scopes(hasher, limits, req);
    // Always locked in the same order (identifier, client, global): no deadlock.
    let wait = write_tx(conn, |conn| {
        for (scope, _) in &scopes {
            if let Some(secs) = throttle::retry_after(conn, scope, now)? {
                return Ok(Some(secs));
            }
        }
        for (scope, policy) in &scopes {
            throttle::fail(conn, scope, policy, now)?;
        }
        Ok(None)
    })?;
    match wait {
        Some(secs) => Err(throttle::rate_limited(secs)),
        None => Ok(()),
    }
}
