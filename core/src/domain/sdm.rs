use super::text_enum;

text_enum! {
    /// An SDM link that has not ended is `active`, or `suspended` by the Office in a
    /// dispute; an ended link keeps its last.
    SdmLinkStatus, "status" {
        Active => "active",
        Suspended => "suspended",
    }
}

text_enum! {
    /// Why an SDM link ended (stored on the link and in the audit entry).
    SdmEndReason, "ended_reason" {
        EndedBySdm => "ended_by_sdm",
        EndedByOffice => "ended_by_office",
        CapacityRegained => "capacity_regained",
        CameOfAge => "came_of_age",
    }
}
