//! The words of the domain, as closed sets. Each is stored and sent as a stable
//! snake_case string.

mod access_key;
mod account;
mod approval;
mod audit;
mod ceremony;
mod code_purpose;
mod consent;
mod contact;
mod data_type;
mod device;
pub mod notice;
mod notice_facts;
mod notification;
mod patient;
mod profession;
mod provider;
mod sdm;
mod session;

pub use access_key::AccessKeyChannel;
pub use account::{AccountRole, AccountStatus};
pub use approval::ApprovalStatus;
pub use audit::{AuditAction, AuditOutcome};
pub use ceremony::CeremonyKind;
pub use code_purpose::CodePurpose;
pub use consent::{Actor, ActorKind, ConsentChannel, ConsentStatus, ConsentType};
pub use contact::{EmailAddress, MobileNumber, PersonName, PostalAddress};
pub use data_type::DataType;
pub use device::DevicePlatform;
pub use notice::{Notice, Notification, DELIVERED};
pub use notification::{Channel, NotificationKind};
pub use patient::{ApplicationStatus, Language, NotificationMeans, PatientStatus, Sex};
pub use profession::Profession;
pub use provider::{
    ApplicationChannel, DocumentType, EstablishmentType, ProviderApplicationStatus,
    ProviderChangeState, ProviderStatus, ProviderTransition, PublicBody,
};
pub use sdm::{SdmEndReason, SdmLinkStatus};
pub use session::SessionSubject;

/// Declares a closed set of values stored as text, with `as_str`, `parse` (naming the
/// field on error), `ALL`, Display, serde and a diesel `Text` column as the same strings.
/// A row holding a text outside the set fails to load with a deserialisation error that
/// names the field and the text (it is not mapped to a default).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize,
                 diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Result<Self, $crate::error::CoreError> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::error::CoreError::invalid(
                        $field,
                        format!("must be one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::domain::text_column!($name, $field);

        impl std::str::FromStr for $name {
            type Err = $crate::error::CoreError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}
pub(crate) use text_enum;

/// The diesel `Text` column of a type with `as_str` and `parse`: written as its text,
/// read back through `parse`, so a stored text outside the set fails the row's load with
/// an error naming the field and the text (for types whose `parse` is hand-written, such
/// as `IdentityDocumentKind`, whose messages are part of the API).
macro_rules! text_column {
    ($name:ident, $field:literal) => {
        $crate::domain::text_to_sql!($name);
        $crate::domain::text_from_sql!($name, |text| {
            Self::parse(&text).map_err(|_| {
                format!(
                    "{} {text:?} in the database is not a known {}",
                    $field,
                    stringify!($name)
                )
                .into()
            })
        });
    };
}
pub(crate) use text_column;

/// The reading half of a diesel `Text` column: the stored text, turned into the value by
/// `$make` (which may refuse it).
macro_rules! text_from_sql {
    ($name:ident, |$text:ident| $make:expr) => {
        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let $text = String::from_sql(bytes)?;
                $make
            }
        }
    };
}
pub(crate) use text_from_sql;

/// The writing half of a diesel `Text` column: the value's `as_str`, on either backend.
macro_rules! text_to_sql {
    ($name:ident) => {
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }
    };
}
pub(crate) use text_to_sql;
