use super::text_enum;

text_enum! {
    /// What a message to a patient is about. Every kind exists in the three languages.
    NotificationKind, "kind" {
        RegistrationCompleted => "registration_completed",
        ConsentGiven => "consent_given",
        ConsentRevoked => "consent_revoked",
        ConsentExpiring => "consent_expiring",
        AccessKeyIssued => "access_key_issued",
        AccessKeyLocked => "access_key_locked",
        CodeLocked => "code_locked",
        ApprovalRequested => "approval_requested",
        RecordAccessed => "record_accessed",
        Withdrawal => "withdrawal",
        VerificationCode => "verification_code",
        /// Someone applied to join with the identity document of a registered person.
        AppliedWhileRegistered => "applied_while_registered",
        // To a provider (its user administrators by email, its address by
        // letter) or to an applicant, not to a patient.
        ProviderStatusScheduled => "provider_status_scheduled",
        ProviderStatusChanged => "provider_status_changed",
        ProviderDocumentExpiring => "provider_document_expiring",
        RegistrationExpiring => "professional_registration_expiring",
        ProviderApplicationReceived => "provider_application_received",
        ProviderApplicationMoreRequested => "provider_application_more_requested",
        ProviderApplicationApproved => "provider_application_approved",
        ProviderApplicationRefused => "provider_application_refused",
        /// To the patient: a substitute decision maker now acts for them.
        SdmLinked => "sdm_linked",
        /// To the SDM: they now act for the patient.
        SdmActsFor => "sdm_acts_for",
        /// To the patient and the SDM: the SDM no longer acts for the patient.
        SdmLinkEnded => "sdm_link_ended",
        /// To a young person on their 16th birthday: they now manage their own record.
        CameOfAge => "came_of_age",
    }
}

text_enum! {
    /// Where a job delivers: the patient's selected means, plus app push.
    Channel, "channel" {
        Sms => "sms",
        Email => "email",
        Post => "post",
        Push => "push",
    }
}

impl NotificationKind {
    /// Whether a letter is worth sending: not for a request that expires within hours.
    pub fn by_post(self) -> bool {
        self != NotificationKind::ApprovalRequested
    }
}
