//! What settings there are, read from the config structs themselves: a serde
//! `Deserializer` that walks `Config` and records every leaf's dotted key and kind. The
//! environment names (`EHEALTH_SECTION__KEY`) and the check of docs/configuration.md are
//! derived from it, so a field added to a config struct gets its environment name and
//! must be documented, with no further list to keep.

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;

/// How a leaf's environment value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Integer,
    Float,
    /// A string, path, secret or the name of an enum variant.
    Text,
    /// A list: comma-separated in the environment.
    List,
}

/// One setting: `database.pool_size`, read as `Kind::Integer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub path: Vec<&'static str>,
    pub kind: Kind,
}

impl Key {
    /// The file key, `database.pool_size`.
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }

    /// The environment name by the one rule: `EHEALTH_` and the path in capitals joined
    /// by `__` (`EHEALTH_DATABASE__POOL_SIZE`; a top-level key: `EHEALTH_MODE`).
    pub fn env_name(&self) -> String {
        format!("EHEALTH_{}", self.path.join("__").to_ascii_uppercase())
    }
}

/// Every leaf of `T`, in declaration order.
pub fn keys_of<'de, T: Deserialize<'de>>() -> Vec<Key> {
    let mut keys = Vec::new();
    // The walk feeds each leaf a placeholder value; a struct whose own checks refuse the
    // placeholder ends the walk early, which the documentation test would show.
    let _ = T::deserialize(Probe {
        path: Vec::new(),
        keys: &mut keys,
    });
    keys
}

struct Probe<'a> {
    path: Vec<&'static str>,
    keys: &'a mut Vec<Key>,
}

impl Probe<'_> {
    fn leaf(self, kind: Kind) {
        if !self.path.is_empty() && !self.keys.iter().any(|k| k.path == self.path) {
            self.keys.push(Key {
                path: self.path,
                kind,
            });
        }
    }
}

type Error = de::value::Error;

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.leaf(Kind::Text);
        v.visit_str("")
    }
    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.leaf(Kind::Bool);
        v.visit_bool(false)
    }
    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.leaf(Kind::Integer);
        v.visit_u64(1)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_f64(v)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.leaf(Kind::Float);
        v.visit_f64(0.0)
    }
    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_any(v)
    }
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_any(v)
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_any(v)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_any(v)
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_any(v)
    }
    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        // An optional setting is the setting itself.
        v.visit_some(self)
    }
    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_unit()
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.leaf(Kind::List);
        v.visit_seq(de::value::SeqDeserializer::<_, Error>::new(
            std::iter::empty::<()>(),
        ))
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }
    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.leaf(Kind::Text);
        v.visit_map(de::value::MapDeserializer::<_, Error>::new(
            std::iter::empty::<((), ())>(),
        ))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_map(Fields {
            path: self.path,
            fields,
            next: 0,
            keys: self.keys,
        })
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        self.leaf(Kind::Text);
        let first = variants.first().copied().unwrap_or_default();
        v.visit_enum(first.into_deserializer())
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_any(v)
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
}

/// A struct's fields, each walked at its own path.
struct Fields<'a> {
    path: Vec<&'static str>,
    fields: &'static [&'static str],
    next: usize,
    keys: &'a mut Vec<Key>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        while self
            .fields
            .get(self.next)
            .is_some_and(|f| super::sources::FIELD_ALIASES.contains(f))
        {
            self.next += 1;
        }
        let Some(field) = self.fields.get(self.next) else {
            return Ok(None);
        };
        seed.deserialize((*field).into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let field = self.fields.get(self.next).copied().unwrap_or_default();
        self.next += 1;
        let mut path = self.path.clone();
        path.push(field);
        seed.deserialize(Probe {
            path,
            keys: self.keys,
        })
    }
}
