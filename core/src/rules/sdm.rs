//! Who may be a substitute decision maker (SDM) for whom (SPEC §10, issue 14), and which
//! documents prove each relationship. The table is data (`RELATIONSHIPS`): the eHR Office
//! changes it here, and docs/product.md prints the same table.

use chrono::{Datelike, NaiveDate};

use crate::error::{CoreError, CoreResult};

/// The age at which a minor manages their own record (eHealth Ordinance, Cap. 625 s.3).
pub const AGE_OF_MAJORITY: u32 = 16;

crate::domain::text_enum! {
    /// Why someone needs an SDM.
    Basis, "basis" {
        /// Under 16.
        Minor => "minor",
        /// 16 or over, mentally incapacitated or unable to give consent.
        LackingCapacity => "lacking_capacity",
    }
}

/// A document that proves a relationship (checked at a counter or the Office).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProofDocument {
    BirthCertificate,
    CourtOrder,
    GuardianshipOrder,
    MedicalCertificateOfIncapacity,
    /// Proof of kinship or of a shared address (e.g. marriage certificate, utility bill).
    ProofOfFamilyOrResidence,
    /// The provider's letter naming the staff member acting in the patient's interest.
    ProviderLetter,
}

impl ProofDocument {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BirthCertificate => "birth_certificate",
            Self::CourtOrder => "court_order",
            Self::GuardianshipOrder => "guardianship_order",
            Self::MedicalCertificateOfIncapacity => "medical_certificate_of_incapacity",
            Self::ProofOfFamilyOrResidence => "proof_of_family_or_residence",
            Self::ProviderLetter => "provider_letter",
        }
    }

    pub fn parse(text: &str) -> CoreResult<Self> {
        ALL_DOCUMENTS
            .iter()
            .copied()
            .find(|d| d.as_str() == text)
            .ok_or_else(|| CoreError::invalid("documents.type", "not a known proof document"))
    }
}

const ALL_DOCUMENTS: [ProofDocument; 6] = [
    ProofDocument::BirthCertificate,
    ProofDocument::CourtOrder,
    ProofDocument::GuardianshipOrder,
    ProofDocument::MedicalCertificateOfIncapacity,
    ProofDocument::ProofOfFamilyOrResidence,
    ProofDocument::ProviderLetter,
];

/// One row of the table: a relationship, for which basis, proven by all of `requires`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relationship {
    pub code: &'static str,
    pub basis: Basis,
    pub requires: &'static [ProofDocument],
    /// Accepted only where no guardian, family member or co-resident can act.
    pub last_resort: bool,
}

use ProofDocument as D;

pub const RELATIONSHIPS: &[Relationship] = &[
    Relationship {
        code: "parent",
        basis: Basis::Minor,
        requires: &[D::BirthCertificate],
        last_resort: false,
    },
    Relationship {
        code: "court_appointed_guardian",
        basis: Basis::Minor,
        requires: &[D::CourtOrder],
        last_resort: false,
    },
    Relationship {
        code: "court_appointed_guardian",
        basis: Basis::LackingCapacity,
        requires: &[D::CourtOrder, D::MedicalCertificateOfIncapacity],
        last_resort: false,
    },
    Relationship {
        code: "mental_health_ordinance_guardian",
        basis: Basis::LackingCapacity,
        requires: &[D::GuardianshipOrder],
        last_resort: false,
    },
    Relationship {
        code: "family_member",
        basis: Basis::LackingCapacity,
        requires: &[
            D::MedicalCertificateOfIncapacity,
            D::ProofOfFamilyOrResidence,
        ],
        last_resort: false,
    },
    Relationship {
        code: "resides_with",
        basis: Basis::LackingCapacity,
        requires: &[
            D::MedicalCertificateOfIncapacity,
            D::ProofOfFamilyOrResidence,
        ],
        last_resort: false,
    },
    Relationship {
        code: "healthcare_provider_staff",
        basis: Basis::LackingCapacity,
        requires: &[D::MedicalCertificateOfIncapacity, D::ProviderLetter],
        last_resort: true,
    },
];

/// Age in whole years on `today`.
pub fn age_on(date_of_birth: NaiveDate, today: NaiveDate) -> u32 {
    let mut years = today.year() - date_of_birth.year();
    if (today.month(), today.day()) < (date_of_birth.month(), date_of_birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// The day a minor turns `age` (29 February: 1 March in a common year, when the law counts
/// the birthday as passed).
pub fn birthday(date_of_birth: NaiveDate, age: u32) -> NaiveDate {
    let year = date_of_birth.year() + i32::try_from(age).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, date_of_birth.month(), date_of_birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(date_of_birth)
}

/// The basis that applies to a patient of this age: a minor under `majority`, otherwise
/// lacking capacity (which the medical certificate must show).
pub fn basis_for(date_of_birth: NaiveDate, today: NaiveDate, majority: u32) -> Basis {
    if age_on(date_of_birth, today) < majority {
        Basis::Minor
    } else {
        Basis::LackingCapacity
    }
}

/// A document reference as given by the applicant (type and the number on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentReference {
    pub document: ProofDocument,
    pub reference: String,
}

/// Checks that `relationship` may act for a patient born on `date_of_birth` today, and
/// that the documents named prove it. Returns the row that applies.
pub fn check(
    relationship: &str,
    date_of_birth: NaiveDate,
    today: NaiveDate,
    majority: u32,
    documents: &[DocumentReference],
) -> CoreResult<&'static Relationship> {
    let basis = basis_for(date_of_birth, today, majority);
    if !RELATIONSHIPS.iter().any(|r| r.code == relationship) {
        return Err(CoreError::invalid(
            "relationship",
            "not a relationship that may act for a patient",
        ));
    }
    let row = RELATIONSHIPS
        .iter()
        .find(|r| r.code == relationship && r.basis == basis)
        .ok_or_else(|| match basis {
            Basis::Minor => CoreError::invalid(
                "relationship",
                "a patient under 16 is represented by a parent or a court-appointed guardian",
            ),
            Basis::LackingCapacity => CoreError::invalid(
                "relationship",
                "a patient of 16 or over is represented only if they lack capacity, by a guardian, family member, co-resident or provider staff",
            ),
        })?;
    for needed in row.requires {
        if !documents.iter().any(|d| d.document == *needed) {
            return Err(CoreError::invalid(
                "documents",
                "the documents that prove this relationship are missing",
            ));
        }
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn docs(list: &[ProofDocument]) -> Vec<DocumentReference> {
        list.iter()
            .map(|d| DocumentReference {
                document: *d,
                reference: "X1".into(),
            })
            .collect()
    }

    #[test]
    fn a_parent_acts_for_a_minor_with_a_birth_certificate() {
        let row = check(
            "parent",
            day(2020, 1, 1),
            day(2026, 12, 1),
            16,
            &docs(&[D::BirthCertificate]),
        )
        .unwrap();
        assert_eq!(row.basis, Basis::Minor);
        assert!(check("parent", day(2020, 1, 1), day(2026, 12, 1), 16, &[]).is_err());
    }

    #[test]
    fn a_parent_does_not_act_for_an_adult_and_a_family_member_not_for_a_minor() {
        let bc = docs(&[D::BirthCertificate]);
        assert!(check("parent", day(2000, 1, 1), day(2026, 12, 1), 16, &bc).is_err());
        let fam = docs(&[
            D::MedicalCertificateOfIncapacity,
            D::ProofOfFamilyOrResidence,
        ]);
        assert!(check("family_member", day(2020, 1, 1), day(2026, 12, 1), 16, &fam).is_err());
        let row = check("family_member", day(1940, 1, 1), day(2026, 12, 1), 16, &fam).unwrap();
        assert_eq!(row.basis, Basis::LackingCapacity);
    }

    #[test]
    fn an_adult_needs_a_medical_certificate() {
        let fam = docs(&[D::ProofOfFamilyOrResidence]);
        assert!(check("family_member", day(1940, 1, 1), day(2026, 12, 1), 16, &fam).is_err());
        assert!(check("stranger", day(1940, 1, 1), day(2026, 12, 1), 16, &fam).is_err());
    }

    #[test]
    fn sixteen_on_the_birthday_not_the_day_before() {
        assert_eq!(age_on(day(2010, 6, 15), day(2026, 6, 14)), 15);
        assert_eq!(age_on(day(2010, 6, 15), day(2026, 6, 15)), 16);
        assert_eq!(birthday(day(2008, 2, 29), 16), day(2024, 2, 29));
        assert_eq!(birthday(day(2008, 2, 29), 17), day(2025, 3, 1));
    }

    #[test]
    fn every_relationship_needs_at_least_one_document() {
        assert!(RELATIONSHIPS.iter().all(|r| !r.requires.is_empty()));
    }
}
