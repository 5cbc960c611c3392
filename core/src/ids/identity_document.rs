//! Identity documents: an HKIC, or another document named by type, number and issuing place.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Hkic;
use crate::error::CoreError;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum IdentityDocumentKind {
    Hkic,
    Passport,
    BirthCertificate,
    ExitEntryPermit,
}

impl IdentityDocumentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hkic => "hkic",
            Self::Passport => "passport",
            Self::BirthCertificate => "birth_certificate",
            Self::ExitEntryPermit => "exit_entry_permit",
        }
    }

    pub fn parse(s: &str) -> Result<Self, CoreError> {
        match s {
            "hkic" => Ok(Self::Hkic),
            "passport" => Ok(Self::Passport),
            "birth_certificate" => Ok(Self::BirthCertificate),
            "exit_entry_permit" => Ok(Self::ExitEntryPermit),
            _ => Err(CoreError::invalid(
                "id_document.type",
                "must be one of hkic, passport, birth_certificate, exit_entry_permit",
            )),
        }
    }
}

crate::domain::text_column!(IdentityDocumentKind, "id_document.type");

/// A parsed identity document. `key()` is the one string that identifies it for the
/// one-document-one-participant rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IdentityDocument {
    Hkic(Hkic),
    Other {
        kind: IdentityDocumentKind,
        number: String,
        place: String,
    },
}

impl IdentityDocument {
    pub fn parse(kind: &str, number: &str, place: Option<&str>) -> Result<Self, CoreError> {
        Self::of_kind(IdentityDocumentKind::parse(kind)?, number, place)
    }

    /// A document of a kind already known (read from a row), its number and place checked.
    pub fn of_kind(
        kind: IdentityDocumentKind,
        number: &str,
        place: Option<&str>,
    ) -> Result<Self, CoreError> {
        match kind {
            IdentityDocumentKind::Hkic => Ok(Self::Hkic(Hkic::parse(number)?)),
            kind => {
                let number = normalise_number(number)?;
                let place = normalise_place(place)?;
                Ok(Self::Other {
                    kind,
                    number,
                    place,
                })
            }
        }
    }

    pub fn kind(&self) -> IdentityDocumentKind {
        match self {
            Self::Hkic(_) => IdentityDocumentKind::Hkic,
            Self::Other { kind, .. } => *kind,
        }
    }

    pub fn number(&self) -> &str {
        match self {
            Self::Hkic(h) => h.as_str(),
            Self::Other { number, .. } => number,
        }
    }

    pub fn place(&self) -> Option<&str> {
        match self {
            Self::Hkic(_) => None,
            Self::Other { place, .. } => Some(place),
        }
    }

    /// `hkic:A1234563`, `passport:GB:123456789`.
    pub fn key(&self) -> String {
        match self {
            Self::Hkic(h) => format!("hkic:{}", h.as_str()),
            Self::Other {
                kind,
                number,
                place,
            } => format!("{}:{}:{}", kind.as_str(), place, number),
        }
    }
}

fn normalise_number(number: &str) -> Result<String, CoreError> {
    let n: String = number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    if n.is_empty() || n.len() > 20 || !n.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(CoreError::invalid(
            "id_document.number",
            "must be 1 to 20 letters or digits",
        ));
    }
    Ok(n)
}

fn normalise_place(place: Option<&str>) -> Result<String, CoreError> {
    let p = place.unwrap_or("").trim().to_ascii_uppercase();
    if p.len() < 2 || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(CoreError::invalid(
            "id_document.place",
            "must be the issuing place's ISO 3166 code, e.g. HK, CN or GB",
        ));
    }
    Ok(p)
}

impl fmt::Display for IdentityDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hkic(h) => write!(f, "HKIC {h}"),
            Self::Other {
                kind,
                number,
                place,
            } => write!(f, "{} {number} ({place})", kind.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hkic_and_other_documents_have_distinct_keys() {
        let a = IdentityDocument::parse("hkic", "a123456(3)", None).expect("hkic");
        assert_eq!(a.key(), "hkic:A1234563");
        let p = IdentityDocument::parse("passport", " k1234-567 ", Some("gb")).expect("pp");
        assert_eq!(p.key(), "passport:GB:K1234567");
        assert_eq!(p.place(), Some("GB"));
    }

    #[test]
    fn refuses_bad_documents_naming_the_field() {
        let cases = [
            ("licence", "123", Some("HK"), "id_document.type"),
            ("passport", "", Some("HK"), "id_document.number"),
            ("passport", "12#4", Some("HK"), "id_document.number"),
            ("passport", "1234", None, "id_document.place"),
            ("hkic", "A123456(4)", None, "hkic"),
        ];
        for (kind, number, place, field) in cases {
            let err = IdentityDocument::parse(kind, number, place).expect_err(number);
            assert_eq!(err.field(), Some(field));
        }
    }
}
