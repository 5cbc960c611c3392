use super::text_enum;

text_enum! {
    /// The phone platform an app device runs (its push goes through FCM either way).
    DevicePlatform, "platform" {
        Android => "android",
        Ios => "ios",
    }
}
