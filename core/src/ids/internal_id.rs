//! Ids we make ourselves (UUIDs as text): typed so that an account's id cannot be handed
//! where a patient's is wanted, while stored, sent and logged as the same text as before.

/// Declares an internal id: a `String` newtype, serde-transparent, a diesel `Text` column
/// both ways as the same text, `Display`, `as_str` and `String` from the id (or a
/// reference to it: an actor or a subject names any kind of id as text). There is no
/// `Deref` to `str` on purpose, so a `&str` parameter does not silently take any id.
macro_rules! internal_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize,
                 diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh id.
            pub fn generate() -> Self {
                Self($crate::db::new_id())
            }

            /// An id we were handed (a token's subject, a path segment): ids are opaque,
            /// so it is not checked; one that names nothing is simply not found.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl From<&$name> for String {
            fn from(id: &$name) -> String {
                id.0.clone()
            }
        }

        $crate::domain::text_to_sql!($name);
        $crate::domain::text_from_sql!($name, |text| Ok(Self(text)));
    };
}

internal_id!(
    /// An account of a healthcare professional, a user administrator or the Office.
    AccountId
);

internal_id!(
    /// A registered patient (the row's `id`; never the public eHR number).
    PatientId
);

internal_id!(
    /// A substitute decision maker (SPEC §10): a person, not an account, who acts for
    /// patients through links.
    SdmId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_text_in_json_and_in_display() {
        let id = AccountId::new("5f0c6a8e-0000-4000-8000-000000000001");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"5f0c6a8e-0000-4000-8000-000000000001\"");
        assert_eq!(serde_json::from_str::<AccountId>(&json).unwrap(), id);
        assert_eq!(id.to_string(), id.as_str());
        assert_eq!(String::from(id.clone()), id.as_str());
    }

    #[test]
    fn generated_ids_differ() {
        assert_ne!(AccountId::generate(), AccountId::generate());
    }
}
