//! The closed set of error codes a client can see, each tied to its HTTP status and its
//! meaning in one list (after meilisearch's `make_error_codes!`). A code is sent as its
//! snake_case text; clients (the mobile app, the counter, tests) match on that text, so a
//! code's text never changes once shipped. `docs/errors.md` lists them for people, and a
//! test checks that it and the OpenAPI document name every variant.

use std::fmt;

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:literal, $meaning:literal;)*) => {
        /// A stable error code: the `code` of every `{"error": {...}}` answer.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $(#[doc = $meaning] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order of the list.
            pub const ALL: &'static [ErrorCode] = &[$(Self::$variant,)*];

            /// The snake_case text sent to clients.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $code,)* }
            }

            /// The HTTP status every answer with this code has.
            pub fn status(self) -> u16 {
                match self { $(Self::$variant => $status,)* }
            }

            /// What the code means, in a sentence (for the OpenAPI document and docs).
            pub fn meaning(self) -> &'static str {
                match self { $(Self::$variant => $meaning,)* }
            }
        }
    };
}

error_codes! {
    InvalidInput = "invalid_input", 400, "A field is malformed or breaks a rule; `field` names it.";
    InvalidJson = "invalid_json", 400, "The body is not JSON of the expected shape.";
    InvalidPath = "invalid_path", 400, "A path segment could not be read.";
    InvalidQuery = "invalid_query", 400, "The query string could not be read.";
    BodyTooLarge = "body_too_large", 400, "The body is larger than the service accepts.";
    UnsupportedMediaType = "unsupported_media_type", 400, "The body is not sent as application/json.";
    Unauthenticated = "unauthenticated", 401, "No valid bearer token (or metrics token) was sent.";
    ActivationInvalid = "activation_invalid", 401, "The account activation code is wrong or spent.";
    CeremonyExpired = "ceremony_expired", 401, "The passkey ceremony is unknown or has expired.";
    CodeExpired = "code_expired", 401, "The one-time code has expired.";
    InvalidCode = "invalid_code", 401, "The one-time code is wrong.";
    PasskeyRejected = "passkey_rejected", 401, "The passkey's answer did not verify.";
    PasskeyUnknown = "passkey_unknown", 401, "No passkey with that id is registered.";
    WrongCredentials = "wrong_credentials", 401, "Provider number, username, password or TOTP code is wrong.";
    AccountDisabled = "account_disabled", 403, "The account has been disabled.";
    DeemedConsent = "deemed_consent", 403, "A deemed consent cannot be changed this way.";
    IdDocumentMismatch = "id_document_mismatch", 403, "The identity document does not match the patient.";
    NoAccessKey = "no_access_key", 403, "The patient has no access key yet.";
    NotAnAppSession = "not_an_app_session", 403, "The route needs a patient app session.";
    NotLinked = "not_linked", 403, "The caller is not a substitute decision maker for that patient.";
    PatientOnly = "patient_only", 403, "Only the patient themself may do this.";
    PatientWithdrawn = "patient_withdrawn", 403, "The patient has withdrawn from eHealth.";
    PatientNotRegistered = "patient_not_registered", 403, "No registered patient has that eHR number.";
    ProviderNotRegistered = "provider_not_registered", 403, "The provider is not (or no longer) registered.";
    AccountNotActive = "account_not_active", 403, "The account is not active.";
    AccountNotAtProvider = "account_not_at_provider", 403, "The account does not belong to that provider.";
    ProfessionalRegistrationExpired = "professional_registration_expired", 403, "The professional's registration has expired.";
    NoSharingConsent = "no_sharing_consent", 403, "The provider holds no sharing consent from the patient.";
    PurposeRequired = "purpose_required", 403, "A record view needs a purpose.";
    NoDataTypesRequested = "no_data_types_requested", 403, "A record view named no data types.";
    NotPermittedForProfession = "not_permitted_for_profession", 403, "The profession may not see those data types.";
    RestrictedNeedsReason = "restricted_needs_reason", 403, "Restricted data needs a stated reason.";
    RestrictedNeedsPatientApproval = "restricted_needs_patient_approval", 403, "Restricted data needs the patient's approval.";
    WrongAccessKey = "wrong_access_key", 403, "The access key is wrong.";
    WrongRole = "wrong_role", 403, "The account's role may not do this.";
    SignatureInvalid = "signature_invalid", 403, "The X-Twilio-Signature header is missing or wrong (voice line).";
    NotFound = "not_found", 404, "No such resource (or no route for the path).";
    PatientNotFound = "patient_not_found", 404, "No such patient.";
    ProviderNotFound = "provider_not_found", 404, "No such provider.";
    AccountNotFound = "account_not_found", 404, "No such account.";
    ApplicationNotFound = "application_not_found", 404, "No such registration application.";
    ProviderApplicationNotFound = "provider_application_not_found", 404, "No such provider application.";
    ConsentNotFound = "consent_not_found", 404, "No such consent.";
    JobNotFound = "job_not_found", 404, "No such notification job.";
    MethodNotAllowed = "method_not_allowed", 405, "The path exists but not with this method; `Allow` lists them.";
    AlreadyLinked = "already_linked", 409, "The substitute decision maker is linked already.";
    AlreadyRegistered = "already_registered", 409, "The identity document is registered already.";
    ApplicationChanged = "application_changed", 409, "The application changed meanwhile; read it again.";
    ApplicationClosed = "application_closed", 409, "The provider application is closed.";
    ApplicationExists = "application_exists", 409, "An application for that document exists already.";
    ApplicationNotPending = "application_not_pending", 409, "The application is not pending.";
    ApplicationOpen = "application_open", 409, "The same provider application is open already.";
    ApprovalNotPending = "approval_not_pending", 409, "The approval request was decided already.";
    ChangeAlreadyScheduled = "change_already_scheduled", 409, "A status change is scheduled already.";
    FormAlreadyRecorded = "form_already_recorded", 409, "That paper form is recorded already.";
    InvalidTransition = "invalid_transition", 409, "The status change is not allowed from the current status.";
    LinkEnded = "link_ended", 409, "The link has ended.";
    LinkStatus = "link_status", 409, "The link is not in a status that allows this.";
    LogEntryPending = "log_entry_pending", 409, "The access-log entry is not in a checkpoint yet.";
    LogNotStarted = "log_not_started", 409, "The access log has no checkpoint yet.";
    MobileAlreadyVerified = "mobile_already_verified", 409, "The mobile number is verified already.";
    NoConsent = "no_consent", 409, "The provider holds no sharing consent to renew, change or revoke.";
    PasskeyExists = "passkey_exists", 409, "The passkey is registered already.";
    PublicBodyExists = "public_body_exists", 409, "That public body is registered already.";
    SameType = "same_type", 409, "The consent is of that type already.";
    SupportingDocumentsMissing = "supporting_documents_missing", 409, "The application lacks supporting documents.";
    UsernameTaken = "username_taken", 409, "The username is taken at that provider.";
    AccessKeyLocked = "access_key_locked", 423, "The access key is locked after too many wrong tries.";
    CodeLocked = "code_locked", 423, "The one-time code is locked after too many wrong tries.";
    RateLimited = "rate_limited", 429, "Too many attempts; `Retry-After` says when to try again.";
    TooManyRefusedWebhooks = "too_many_refused_webhooks", 429, "Too many refused webhooks from this address (voice line).";
    InternalError = "internal_error", 500, "An internal error; it has been logged.";
    ServiceUnavailable = "service_unavailable", 503, "A dependency (the database) is unavailable; retry later.";
    Busy = "busy", 503, "Every secret check (Argon2) is taken and the queue is full; `Retry-After` says when to try again.";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// So tests and logs can compare a code with the text a client sees.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_code_is_unique_snake_case_with_a_client_error_or_server_status() {
        let texts: BTreeSet<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            texts.len(),
            ErrorCode::ALL.len(),
            "a code text is used twice"
        );
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(
                text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{text}"
            );
            assert!((400..600).contains(&code.status()), "{text}");
            assert!(!code.meaning().is_empty(), "{text}");
        }
    }

    #[test]
    fn a_code_serialises_as_its_text() {
        let json = serde_json::to_string(&ErrorCode::NoConsent).ok();
        assert_eq!(json.as_deref(), Some("\"no_consent\""));
        assert_eq!(ErrorCode::ServiceUnavailable.status(), 503);
    }
}
