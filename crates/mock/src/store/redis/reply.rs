//! Reading the script's replies, and the records it keeps.

use redis::Value;

use crate::store::model::{ObjectRef, StoreError};
use pizzastack_spec::ids::ObjectKind;

/// An object's stored record: kind, degraded, time, a space, the JSON.
pub(super) struct Record {
    pub(super) degraded: bool,
    pub(super) created_ms: u64,
    bytes: Vec<u8>,
    /// Where the JSON begins in `bytes`.
    json_from: usize,
}

impl Record {
    pub(super) fn parse(bytes: Vec<u8>) -> Option<Self> {
        let degraded = parse_head(bytes.get(..2)?)?.degraded;
        let space = 2 + bytes[2..].iter().position(|&b| b == b' ')?;
        let created_ms = std::str::from_utf8(&bytes[2..space]).ok()?.parse().ok()?;
        Some(Self {
            degraded,
            created_ms,
            bytes,
            json_from: space + 1,
        })
    }

    pub(super) fn json(&self) -> &[u8] {
        &self.bytes[self.json_from..]
    }
}

/// A record's first two letters: the kind, and whether it is degraded.
pub(super) fn record_head(kind: ObjectKind, degraded: bool) -> String {
    let index = ObjectKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    let letter = char::from(b'a' + index as u8);
    format!("{letter}{}", u8::from(degraded))
}

pub(super) fn parse_head(head: &[u8]) -> Option<ObjectRef> {
    let [letter, degraded] = head else {
        return None;
    };
    let kind = *ObjectKind::ALL.get(usize::from(letter.checked_sub(b'a')?))?;
    Some(ObjectRef {
        kind,
        degraded: *degraded == b'1',
    })
}

pub(super) fn first_word(reply: &Value) -> Option<&str> {
    match reply {
        Value::Array(items) => match items.first()? {
            Value::BulkString(word) => std::str::from_utf8(word).ok(),
            Value::SimpleString(word) => Some(word),
            _ => None,
        },
        _ => None,
    }
}

/// A reply's items as text (numbers included).
pub(super) fn strings(reply: &Value) -> Vec<String> {
    let Value::Array(items) = reply else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| match item {
            Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Value::SimpleString(text) => text.clone(),
            Value::Int(n) => n.to_string(),
            _ => String::new(),
        })
        .collect()
}

/// The `i`-th item of a step's reply, as a number.
pub(super) fn number_at(items: &[String], i: usize, step: &str) -> Result<u64, StoreError> {
    items
        .get(i)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| malformed(step))
}

pub(super) fn int(reply: &Value) -> u64 {
    match reply {
        Value::Int(n) => u64::try_from(*n).unwrap_or(0),
        Value::BulkString(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0),
        _ => 0,
    }
}

pub(super) fn unavailable(error: redis::RedisError) -> StoreError {
    StoreError::Unavailable {
        reason: error.to_string(),
    }
}

pub(super) fn malformed(step: &str) -> StoreError {
    StoreError::Unavailable {
        reason: format!("Redis answered the `{step}` step with something unexpected"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_head_names_the_kind_and_degradation() {
        for kind in ObjectKind::ALL {
            for degraded in [false, true] {
                let head = record_head(kind, degraded);
                let parsed = parse_head(head.as_bytes()).unwrap();
                assert_eq!((parsed.kind, parsed.degraded), (kind, degraded));
            }
        }
        assert!(parse_head(b"").is_none());
        assert!(parse_head(b"z0").is_none());
    }
}
