//! Which supporting documents each type of establishment needs (issue 16, the booklet's
//! table). The rule is data: each establishment type needs every one of its
//! requirements, and a requirement is met by any one of its documents, unexpired.

use chrono::NaiveDate;

use crate::domain::{DocumentType, EstablishmentType};

use DocumentType as D;

/// Requirements of one establishment type: all of them, each met by any of its documents.
pub type Requirements = &'static [&'static [DocumentType]];

const PRACTISING: &[DocumentType] = &[D::PractisingCertificate];

/// The booklet's table. HA and DH do not apply.
pub const REQUIRED_DOCUMENTS: &[(EstablishmentType, Requirements)] = &[
    (
        EstablishmentType::PrivateHospital,
        &[&[D::PrivateHospitalRegistration]],
    ),
    (
        EstablishmentType::NursingHome,
        &[&[D::NursingHomeRegistration]],
    ),
    (
        EstablishmentType::MedicalClinic,
        &[&[D::MedicalClinicRegistration]],
    ),
    (
        EstablishmentType::DentalCompany,
        &[&[D::DentalAcknowledgementLetter]],
    ),
    (
        EstablishmentType::ResidentialCareHomeElderly,
        &[&[D::RcheElderlyLicence], PRACTISING],
    ),
    (
        EstablishmentType::ResidentialCareHomeDisabilities,
        &[
            &[D::RcheDisabilitiesLicence, D::RcheDisabilitiesExemption],
            PRACTISING,
        ],
    ),
    (
        EstablishmentType::SpecifiedEntity,
        &[
            &[
                D::BusinessRegistration,
                D::CertificateOfIncorporation,
                D::ProofOfEstablishment,
            ],
            PRACTISING,
        ],
    ),
];

/// The requirements of `kind`; `None` for a type that does not apply (HA, DH).
pub fn requirements(kind: EstablishmentType) -> Option<Requirements> {
    REQUIRED_DOCUMENTS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, r)| *r)
}

/// A document held: its type and its last valid day (none: it does not expire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldDocument {
    pub kind: DocumentType,
    pub expires_on: Option<NaiveDate>,
}

/// The requirements not met on `today` by `held` (an expired document meets none).
pub fn missing(
    requirements: Requirements,
    held: &[HeldDocument],
    today: NaiveDate,
) -> Vec<&'static [DocumentType]> {
    requirements
        .iter()
        .copied()
        .filter(|any_of| {
            !held
                .iter()
                .any(|h| any_of.contains(&h.kind) && h.expires_on.is_none_or(|last| today <= last))
        })
        .collect()
}

/// A requirement as a sentence: "Licence of ... or Certificate of Exemption of ...".
pub fn describe(any_of: &[DocumentType]) -> String {
    any_of
        .iter()
        .map(|d| d.title())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Whether a document of `kind` is one that `requirements` asks for.
pub fn is_relevant(requirements: Requirements, kind: DocumentType) -> bool {
    requirements.iter().any(|any_of| any_of.contains(&kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    fn held(kind: DocumentType, expires: Option<&str>) -> HeldDocument {
        HeldDocument {
            kind,
            expires_on: expires.map(day),
        }
    }

    #[test]
    fn every_establishment_type_but_ha_and_dh_has_its_documents() {
        for kind in EstablishmentType::ALL {
            let public = kind.public_body().is_some();
            assert_eq!(requirements(*kind).is_none(), public, "{kind}");
        }
    }

    #[test]
    fn a_care_home_needs_its_licence_and_a_practising_certificate() {
        let r = requirements(EstablishmentType::ResidentialCareHomeElderly).unwrap_or(&[]);
        let today = day("2026-12-01");
        let licence = held(D::RcheElderlyLicence, Some("2027-12-31"));
        let missing_one = missing(r, &[licence], today);
        assert_eq!(missing_one, vec![PRACTISING]);
        assert_eq!(
            describe(missing_one[0]),
            "Practising Certificate of a healthcare professional"
        );
        let both = [licence, held(D::PractisingCertificate, None)];
        assert!(missing(r, &both, today).is_empty());
    }

    #[test]
    fn any_one_of_a_requirement_meets_it_but_not_once_expired() {
        let r = requirements(EstablishmentType::ResidentialCareHomeDisabilities).unwrap_or(&[]);
        let exemption = held(D::RcheDisabilitiesExemption, Some("2026-12-01"));
        let practising = held(D::PractisingCertificate, Some("2027-01-01"));
        assert!(missing(r, &[exemption, practising], day("2026-12-01")).is_empty());
        let later = missing(r, &[exemption, practising], day("2026-12-02"));
        assert_eq!(
            later,
            vec![&[D::RcheDisabilitiesLicence, D::RcheDisabilitiesExemption][..]]
        );
        // A document another type needs meets nothing here.
        let clinic = held(D::MedicalClinicRegistration, None);
        assert_eq!(missing(r, &[clinic], day("2026-12-01")).len(), 2);
        assert!(!is_relevant(r, D::MedicalClinicRegistration));
    }
}
