use super::text_enum;

text_enum! {
    /// Where a patient's access key was issued: with the registration, from the app, or
    /// on the voice line.
    AccessKeyChannel, "issued_channel" {
        Registration => "registration",
        App => "app",
        Ivr => "ivr",
    }
}
