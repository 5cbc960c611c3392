use super::text_enum;

text_enum! {
    EstablishmentType, "establishment_type" {
        PrivateHospital => "private_hospital",
        NursingHome => "nursing_home",
        MedicalClinic => "medical_clinic",
        DentalCompany => "dental_company",
        ResidentialCareHomeElderly => "rche_elderly",
        ResidentialCareHomeDisabilities => "rche_disabilities",
        SpecifiedEntity => "specified_entity",
        HospitalAuthority => "hospital_authority",
        DepartmentOfHealth => "department_of_health",
    }
}

text_enum! {
    /// Only a registered provider can act.
    ProviderStatus, "status" {
        Registered => "registered",
        Suspended => "suspended",
        Cancelled => "cancelled",
        Withdrawn => "withdrawn",
    }
}

text_enum! {
    /// The two public bodies that hold deemed sharing consent.
    PublicBody, "public_body" {
        HospitalAuthority => "ha",
        DepartmentOfHealth => "dh",
    }
}

impl EstablishmentType {
    pub fn public_body(self) -> Option<PublicBody> {
        match self {
            Self::HospitalAuthority => Some(PublicBody::HospitalAuthority),
            Self::DepartmentOfHealth => Some(PublicBody::DepartmentOfHealth),
            _ => None,
        }
    }
}
