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

text_enum! {
    /// A supporting document of a provider's application (issue 16; the booklet's list).
    DocumentType, "document_type" {
        PrivateHospitalRegistration => "private_hospital_registration",
        NursingHomeRegistration => "nursing_home_registration",
        MedicalClinicRegistration => "medical_clinic_registration",
        DentalAcknowledgementLetter => "dental_acknowledgement_letter",
        RcheElderlyLicence => "rche_elderly_licence",
        RcheDisabilitiesLicence => "rche_disabilities_licence",
        RcheDisabilitiesExemption => "rche_disabilities_exemption",
        BusinessRegistration => "business_registration",
        CertificateOfIncorporation => "certificate_of_incorporation",
        ProofOfEstablishment => "proof_of_establishment",
        PractisingCertificate => "practising_certificate",
    }
}

impl DocumentType {
    /// The document's name as the booklet gives it.
    pub fn title(self) -> &'static str {
        match self {
            Self::PrivateHospitalRegistration => "Certificate of Registration of Private Hospital",
            Self::NursingHomeRegistration => "Certificate of Registration of Nursing Home",
            Self::MedicalClinicRegistration => "Certificate of Registration of Medical Clinic",
            Self::DentalAcknowledgementLetter => "Department of Health's acknowledgement letter of the particulars of directors / managers / persons performing dental operations",
            Self::RcheElderlyLicence => "Licence of Residential Care Home for the Elderly",
            Self::RcheDisabilitiesLicence => "Licence of Residential Care Home for Persons with Disabilities",
            Self::RcheDisabilitiesExemption => "Certificate of Exemption of Residential Care Home for Persons with Disabilities",
            Self::BusinessRegistration => "Business Registration Certificate",
            Self::CertificateOfIncorporation => "Certificate of Incorporation",
            Self::ProofOfEstablishment => "other proof of establishment",
            Self::PractisingCertificate => "Practising Certificate of a healthcare professional",
        }
    }
}

text_enum! {
    /// Where a provider's application stands: the Office reviews a `submitted` one; it
    /// asks for more (`more_requested`, back to `submitted` when the applicant adds
    /// documents), approves or refuses it.
    ProviderApplicationStatus, "status" {
        Submitted => "submitted",
        MoreRequested => "more_requested",
        Approved => "approved",
        Refused => "refused",
    }
}

text_enum! {
    /// How the application reached the Office.
    ApplicationChannel, "channel" {
        Online => "online",
        Paper => "paper",
    }
}

text_enum! {
    /// What the Office does to a provider's status (the `{action}` of its route).
    ProviderTransition, "action" {
        Suspend => "suspend",
        Reinstate => "reinstate",
        Cancel => "cancel",
        Withdraw => "withdraw",
    }
}

impl ProviderTransition {
    /// The status after this transition from `from`, if allowed. Cancelled and withdrawn
    /// are final.
    pub fn apply(self, from: ProviderStatus) -> Option<ProviderStatus> {
        use ProviderStatus::*;
        match (self, from) {
            (Self::Suspend, Registered) => Some(Suspended),
            (Self::Reinstate, Suspended) => Some(Registered),
            (Self::Cancel, Registered | Suspended) => Some(Cancelled),
            (Self::Withdraw, Registered | Suspended) => Some(Withdrawn),
            _ => None,
        }
    }
}

text_enum! {
    /// A provider's status change is `scheduled` until its day; then `applied`, or
    /// `lapsed` when the provider's status no longer allows it.
    ProviderChangeState, "state" {
        Scheduled => "scheduled",
        Applied => "applied",
        Lapsed => "lapsed",
    }
}
