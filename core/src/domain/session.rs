use super::text_enum;

text_enum! {
    /// Who a bearer session belongs to.
    SessionSubject, "subject_kind" {
        Patient => "patient",
        Sdm => "sdm",
        Account => "account",
    }
}
