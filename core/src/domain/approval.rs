use super::text_enum;

text_enum! {
    /// A request for additional consent to restricted data types: `pending` until the
    /// patient (or their SDM) decides.
    ApprovalStatus, "status" {
        Pending => "pending",
        Approved => "approved",
        Denied => "denied",
    }
}
