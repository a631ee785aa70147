//! Request bodies parsed in place: a JSON tree whose strings borrow from the
//! request's bytes, which `jsonschema` validates through its `Json` trait and
//! serde then reads into the handler's request type.
//!
//! Why not `serde_json::Value`: it allocates every key, every string and a
//! B-tree node per object, then the request type copies out of it. Here a
//! body costs one vector per object or array, and a string only when it has
//! escapes (what that buys is weighed in `benches/README.md`).
//!
//! **Objects keep their members sorted by name, one member per name (the
//! last one written wins).** That is what `serde_json::Value`'s map does, so
//! validation errors come in the same order and duplicate keys mean the same
//! thing as before; lookups are a binary search.

use std::borrow::Cow;
use std::fmt;

use jsonschema::json::{cmp, Array, Json, Node, NodeIdentity, Object};
use jsonschema::JsonType;
use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// One JSON value of a request body.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Body<'a> {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Any number, as `serde_json` reads it.
    Number(Number),
    /// A string, borrowed from the request unless it had escapes.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Body<'a>>),
    /// An object: members sorted by name, names unique.
    Object(Vec<(Cow<'a, str>, Body<'a>)>),
}

impl<'a> Body<'a> {
    /// Parses JSON text, borrowing its strings.
    ///
    /// # Errors
    /// `serde_json`'s message when the text is not one JSON value.
    pub fn parse(text: &'a [u8]) -> Result<Body<'a>, serde_json::Error> {
        VALUES_LEFT.set(MAX_VALUES);
        serde_json::from_slice(text)
    }

    /// The value as a `serde_json::Value`, for error reports.
    pub fn to_value(&self) -> Value {
        match self {
            Body::Null => Value::Null,
            Body::Bool(boolean) => Value::Bool(*boolean),
            Body::Number(number) => Value::Number(number.clone()),
            Body::String(string) => Value::String(string.clone().into_owned()),
            Body::Array(items) => Value::Array(items.iter().map(Body::to_value).collect()),
            Body::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(name, value)| (name.clone().into_owned(), value.to_value()))
                    .collect::<Map<String, Value>>(),
            ),
        }
    }
}

/// JSON equality with numbers compared mathematically, as `const` and
/// `enum` need, without building a `Value`.
fn equals(body: &Body<'_>, expected: &Value) -> bool {
    match (body, expected) {
        (Body::Null, Value::Null) => true,
        (Body::Bool(left), Value::Bool(right)) => left == right,
        (Body::Number(left), Value::Number(right)) => cmp::equal_numbers(left, right),
        (Body::String(left), Value::String(right)) => left == right,
        (Body::Array(left), Value::Array(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(l, r)| equals(l, r))
        }
        (Body::Object(left), Value::Object(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .all(|(name, l)| right.get(name.as_ref()).is_some_and(|r| equals(l, r)))
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Reading JSON text into a `Body`.

impl<'de> Deserialize<'de> for Body<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BodyVisitor)
    }
}

/// The most array items and object members one body may hold, so that an
/// invalid body costs little: a megabyte of `[0,0,...]` would otherwise be
/// half a million values, each validated and each with its own error.
pub const MAX_VALUES: usize = 10_000;

/// The words of the error a body over [`MAX_VALUES`] gets.
pub const TOO_MANY_VALUES: &str = "holds more than 10000 array items and object members";

const _: () = assert!(MAX_VALUES == 10_000, "TOO_MANY_VALUES names the number");

thread_local! {
    /// What is left of [`MAX_VALUES`] in the body this thread is parsing.
    static VALUES_LEFT: std::cell::Cell<usize> = const { std::cell::Cell::new(MAX_VALUES) };
}

/// Counts one more array item or object member against the budget.
fn take_value<E: de::Error>() -> Result<(), E> {
    VALUES_LEFT.with(|left| match left.get().checked_sub(1) {
        Some(rest) => {
            left.set(rest);
            Ok(())
        }
        None => Err(E::custom(TOO_MANY_VALUES)),
    })
}

struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = Body<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Body<'de>, E> {
        Ok(Body::Null)
    }

    fn visit_none<E>(self) -> Result<Body<'de>, E> {
        Ok(Body::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Body<'de>, E> {
        Ok(Body::Bool(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Body<'de>, E> {
        Ok(Body::Number(value.into()))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Body<'de>, E> {
        Ok(Body::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Body<'de>, E> {
        // JSON text has no infinities or NaN, so this only guards the type.
        Number::from_f64(value)
            .map(Body::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Body<'de>, E> {
        Ok(Body::String(Cow::Borrowed(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<Body<'de>, E> {
        Ok(Body::String(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E>(self, value: String) -> Result<Body<'de>, E> {
        Ok(Body::String(Cow::Owned(value)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Body<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            take_value()?;
            items.push(item);
        }
        Ok(Body::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Body<'de>, A::Error> {
        let mut members: Vec<(Cow<'de, str>, Body<'de>)> = Vec::new();
        while let Some((Name(name), value)) = map.next_entry()? {
            take_value()?;
            members.push((name, value));
        }
        // A stable sort keeps repeated names in the order written, so the
        // last one written is the last of its run.
        members.sort_by(|(a, _), (b, _)| a.cmp(b));
        members.dedup_by(|later, kept| {
            let repeated = later.0 == kept.0;
            if repeated {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            repeated
        });
        Ok(Body::Object(members))
    }
}

/// A member name, borrowed when it has no escapes (`Cow<str>`'s own
/// `Deserialize` always copies).
struct Name<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(value)))
            }
            fn visit_str<E>(self, value: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(value.to_owned())))
            }
            fn visit_string<E>(self, value: String) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(value)))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

// ---------------------------------------------------------------------------
// Reading a `Body` into a request type.

impl<'de> Deserializer<'de> for &'de Body<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Body::Null => visitor.visit_unit(),
            Body::Bool(boolean) => visitor.visit_bool(*boolean),
            Body::Number(number) => number
                .deserialize_any(visitor)
                .map_err(<Error as de::Error>::custom),
            Body::String(string) => visitor.visit_borrowed_str(string),
            Body::Array(items) => {
                let mut seq = SeqDeserializer::new(items.iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Body::Object(members) => {
                let entries = members.iter().map(|(name, value)| (name.as_ref(), value));
                let mut map = MapDeserializer::new(entries);
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Body::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            // A unit variant, written as its name.
            Body::String(name) => {
                visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(name.as_ref()))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, Error> for &'de Body<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

// ---------------------------------------------------------------------------
// The `jsonschema` representation.

/// `jsonschema`'s view of a [`Body`].
pub struct BodyJson;

impl Json for BodyJson {
    type Node<'a> = &'a Body<'a>;
    type PreparedKey = String;
    type StringBuffer = Body<'static>;

    // A lookup is a binary search of sorted names, as cheap as comparing a
    // couple of names in a pass over the members.
    const KEYS_PER_LOOKUP: usize = 2;
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(
        buffer: &mut Body<'static>,
        string: &str,
        f: impl FnOnce(Self::Node<'_>) -> T,
    ) -> T {
        *buffer = Body::String(Cow::Owned(string.to_owned()));
        f(buffer)
    }
}

impl<'a> Node<'a, BodyJson> for &'a Body<'a> {
    type Object = Members<'a>;
    type Array = &'a [Body<'a>];
    type Number = &'a Number;

    fn as_object(&self) -> Option<Members<'a>> {
        match self {
            Body::Object(members) => Some(Members(members)),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&'a [Body<'a>]> {
        match self {
            Body::Array(items) => Some(items),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self {
            Body::String(string) => Some(Cow::Borrowed(string)),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<&'a Number> {
        match self {
            Body::Number(number) => Some(number),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self {
            Body::Bool(boolean) => Some(*boolean),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Body::Null)
    }

    fn json_type(&self) -> JsonType {
        match self {
            Body::Null => JsonType::Null,
            Body::Bool(_) => JsonType::Boolean,
            Body::Number(_) => JsonType::Number,
            Body::String(_) => JsonType::String,
            Body::Array(_) => JsonType::Array,
            Body::Object(_) => JsonType::Object,
        }
    }

    fn string_length_within(&self, min: u64, max: u64) -> Option<bool> {
        let Body::String(string) = self else {
            return None;
        };
        // A code point takes one to four bytes: the byte count often
        // decides the bounds without counting code points.
        let bytes = string.len() as u64;
        let fewest = bytes.div_ceil(4);
        if bytes < min || fewest > max {
            return Some(false);
        }
        if min <= fewest && bytes <= max {
            return Some(true);
        }
        Some((min..=max).contains(&(string.chars().count() as u64)))
    }

    fn equals_value(&self, expected: &Value) -> bool {
        equals(self, expected)
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(Body::to_value(self))
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(
            std::ptr::from_ref::<Body<'a>>(*self) as usize
        ))
    }
}

/// The members of an object [`Body`].
#[derive(Clone, Copy)]
pub struct Members<'a>(&'a [(Cow<'a, str>, Body<'a>)]);

impl<'a> Object<'a, BodyJson> for Members<'a> {
    type Node = &'a Body<'a>;
    type MemberName = &'a str;
    type MembersIter = MembersIter<'a>;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, key: &String) -> Option<&'a Body<'a>> {
        self.0
            .binary_search_by(|(name, _)| name.as_ref().cmp(key.as_str()))
            .ok()
            .map(|index| &self.0[index].1)
    }

    fn members(&self) -> MembersIter<'a> {
        MembersIter(self.0.iter())
    }
}

/// The members of an object [`Body`], in name order.
pub struct MembersIter<'a>(std::slice::Iter<'a, (Cow<'a, str>, Body<'a>)>);

impl<'a> Iterator for MembersIter<'a> {
    type Item = (&'a str, &'a Body<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(name, value)| (name.as_ref(), value))
    }
}

impl<'a> Array<'a, BodyJson> for &'a [Body<'a>] {
    type Node = &'a Body<'a>;
    type ElementsIter = std::slice::Iter<'a, Body<'a>>;

    fn len(&self) -> usize {
        <[Body<'a>]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Body<'a>> {
        self.iter()
    }
}

#[cfg(test)]
pub(super) mod tests;
