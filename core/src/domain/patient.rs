use super::text_enum;

text_enum! {
    Language, "language" {
        English => "en",
        TraditionalChinese => "zh-Hant",
        SimplifiedChinese => "zh-Hans",
    }
}

text_enum! {
    Sex, "sex" {
        Female => "F",
        Male => "M",
        Unknown => "U",
    }
}

text_enum! {
    /// The means by which a patient chose to be told; app push comes on top of these.
    NotificationMeans, "notification_means" {
        Sms => "sms",
        Email => "email",
        Post => "post",
    }
}

text_enum! {
    PatientStatus, "status" {
        Registered => "registered",
        Withdrawn => "withdrawn",
    }
}

text_enum! {
    ApplicationStatus, "status" {
        PendingMobileVerification => "pending_mobile_verification",
        PendingIdentityVerification => "pending_identity_verification",
        Completed => "completed",
        Cancelled => "cancelled",
    }
}
