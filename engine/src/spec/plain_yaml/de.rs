//! The tree through serde, so the model's derives stay its one definition.
//! Each method accepts what serde-saphyr gives the same value for and
//! declines the rest (a quoted number for a `u32`, `null` for a `String`,
//! `yes` for a `bool`...): serde-saphyr then decides, leniently or with its
//! own error.

use std::borrow::Cow;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::Declined;
use super::node::{Node, Scalar};
use super::scalar::{Plain, resolve};

type Result<T> = std::result::Result<T, Declined>;

impl de::Error for Declined {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Declined
    }
}

fn visit_text<'de, V: Visitor<'de>>(text: &Cow<'de, str>, visitor: V) -> Result<V::Value> {
    match text {
        Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
        Cow::Owned(s) => visitor.visit_str(s),
    }
}

impl<'de> Scalar<'de> {
    fn resolved(&self) -> Result<Plain> {
        if self.plain {
            resolve(&self.text)
        } else {
            Ok(Plain::Str)
        }
    }

    /// serde-saphyr refuses a sign for unsigned targets, `-0` included.
    fn unsigned<T: TryFrom<u64>>(&self) -> Result<T> {
        match self.resolved()? {
            Plain::Unsigned(n) => T::try_from(n).map_err(|_| Declined),
            _ => Err(Declined),
        }
    }

    fn signed<T: TryFrom<i64>>(&self) -> Result<T> {
        let n = match self.resolved()? {
            Plain::Unsigned(n) => i64::try_from(n).map_err(|_| Declined)?,
            Plain::Signed(n) => n,
            _ => return Err(Declined),
        };
        T::try_from(n).map_err(|_| Declined)
    }
}

impl<'de> Node<'de> {
    fn scalar(&self) -> Result<&Scalar<'de>> {
        match self {
            Node::Scalar(s) => Ok(s),
            _ => Err(Declined),
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Node::Scalar(s) if s.plain && matches!(resolve(&s.text), Ok(Plain::Null)))
    }
}

macro_rules! integers {
    ($($method:ident => $visit:ident by $read:ident),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            visitor.$visit(self.scalar()?.$read()?)
        })*
    };
}

/// Shapes the model never asks for.
macro_rules! declined {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, $(_: $arg,)* _: V) -> Result<V::Value> {
            Err(Declined)
        })*
    };
}

impl<'de> de::Deserializer<'de> for &Node<'de> {
    type Error = Declined;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Node::Scalar(s) => match s.resolved()? {
                Plain::Null => visitor.visit_unit(),
                Plain::Bool(b) => visitor.visit_bool(b),
                Plain::Unsigned(n) => visitor.visit_u64(n),
                Plain::Signed(n) => visitor.visit_i64(n),
                Plain::Float(f) => visitor.visit_f64(f),
                Plain::Str => visit_text(&s.text, visitor),
            },
            Node::Seq(items) => visitor.visit_seq(Items(items.iter())),
            Node::Map(entries) => visitor.visit_map(Entries {
                entries: entries.iter(),
                value: None,
            }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.scalar()?.resolved()? {
            Plain::Bool(b) => visitor.visit_bool(b),
            _ => Err(Declined),
        }
    }

    integers! {
        deserialize_i8 => visit_i8 by signed, deserialize_i16 => visit_i16 by signed,
        deserialize_i32 => visit_i32 by signed, deserialize_i64 => visit_i64 by signed,
        deserialize_u8 => visit_u8 by unsigned, deserialize_u16 => visit_u16 by unsigned,
        deserialize_u32 => visit_u32 by unsigned, deserialize_u64 => visit_u64 by unsigned,
    }

    declined! {
        deserialize_f32(), deserialize_char(), deserialize_i128(), deserialize_u128(),
        deserialize_bytes(), deserialize_byte_buf(), deserialize_unit_struct(&'static str),
        deserialize_newtype_struct(&'static str), deserialize_tuple(usize),
        deserialize_tuple_struct(&'static str, usize),
    }

    /// serde-saphyr reads the text as a float, integers included.
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let s = self.scalar()?;
        match s.resolved()? {
            Plain::Unsigned(_) | Plain::Signed(_) | Plain::Float(_) => {
                visitor.visit_f64(s.text.parse().map_err(|_| Declined)?)
            }
            _ => Err(Declined),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let s = self.scalar()?;
        match s.resolved()? {
            Plain::Str => visit_text(&s.text, visitor),
            _ => Err(Declined),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_null() {
            visitor.visit_unit()
        } else {
            Err(Declined)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Node::Seq(_) => self.deserialize_any(visitor),
            _ => Err(Declined),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Node::Map(_) => self.deserialize_any(visitor),
            _ => Err(Declined),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    /// Unit variants written as plain text, e.g. `method: POST`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self {
            Node::Scalar(Scalar {
                text: Cow::Borrowed(text),
                plain: true,
            }) if resolve(text)? == Plain::Str => visitor.visit_enum(text.into_deserializer()),
            _ => Err(Declined),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

struct Items<'n, 'de>(std::slice::Iter<'n, Node<'de>>);

impl<'de, 'n> de::SeqAccess<'de> for Items<'n, 'de> {
    type Error = Declined;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        self.0.next().map(|node| seed.deserialize(node)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'n, 'de> {
    entries: std::slice::Iter<'n, (Cow<'de, str>, Node<'de>)>,
    value: Option<&'n Node<'de>>,
}

impl<'de, 'n> de::MapAccess<'de> for Entries<'n, 'de> {
    type Error = Declined;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        match key {
            Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)).map(Some),
            Cow::Owned(k) => seed.deserialize(k.as_str().into_deserializer()).map(Some),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        seed.deserialize(self.value.take().ok_or(Declined)?)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
