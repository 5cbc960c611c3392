use super::text_enum;

text_enum! {
    /// Which WebAuthn ceremony a saved state belongs to: one kind's state never finishes
    /// the other.
    CeremonyKind, "kind" {
        PasskeyRegistration => "passkey_registration",
        PasskeySignIn => "passkey_sign_in",
    }
}
