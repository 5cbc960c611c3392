use super::text_enum;

text_enum! {
    AccountRole, "role" {
        /// A healthcare professional at one provider.
        Hcprof => "hcprof",
        /// A provider's user administrator.
        UserAdmin => "user_admin",
        /// The eHR Registration Office.
        Office => "office",
    }
}

text_enum! {
    AccountStatus, "status" {
        Active => "active",
        Disabled => "disabled",
    }
}
