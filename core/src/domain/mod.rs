//! The words of the domain, as closed sets. Each is stored and sent as a stable
//! snake_case string.

mod account;
mod audit;
mod consent;
mod contact;
mod data_type;
pub mod notice;
mod notice_facts;
mod notification;
mod patient;
mod profession;
mod provider;

pub use account::{AccountRole, AccountStatus};
pub use audit::{AuditAction, AuditOutcome};
pub use consent::{Actor, ActorKind, ConsentChannel, ConsentStatus, ConsentType};
pub use contact::{EmailAddress, MobileNumber, PersonName, PostalAddress};
pub use data_type::DataType;
pub use notice::{Notice, Notification, DELIVERED};
pub use notification::{Channel, NotificationKind};
pub use patient::{ApplicationStatus, Language, NotificationMeans, PatientStatus, Sex};
pub use profession::Profession;
pub use provider::{
    ApplicationChannel, DocumentType, EstablishmentType, ProviderApplicationStatus, ProviderStatus,
    PublicBody,
};

/// Declares a closed set of values stored as text, with `as_str`, `parse` (naming the
/// field on error), `ALL`, Display and serde as the same strings.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize)]
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

        impl std::str::FromStr for $name {
            type Err = $crate::error::CoreError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}
pub(crate) use text_enum;
