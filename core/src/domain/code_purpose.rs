use super::text_enum;

text_enum! {
    /// What a one-time code is for; part of the HMAC binding, so a code for one purpose
    /// is worthless for another.
    CodePurpose, "purpose" {
        MobileVerification => "mobile_verification",
        PatientSignIn => "sign_in_patient",
        SdmSignIn => "sign_in_sdm",
        NewMobile => "new_mobile",
        NewEmail => "new_email",
        /// A voice-line caller's code to generate a new access key (`ivr_code`).
        IvrNewKey => "ivr_new_key",
    }
}
