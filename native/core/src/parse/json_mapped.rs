//! JSON lines whose fields have other names (`json.fields`, `json.preset`). Flat lines go through the same fast
//! path as the default names, only with these names; every other line through sonic-rs with a visitor that
//! follows the configured paths into nested objects. The line is validated whole either way, with the same
//! rules as the default names (see `crate::json`): results differ only in which keys are read.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

use super::json_keys::JsonKeys;
use crate::json::{fast, starts_with_brace, JsonFields, Malformed, Scalar, ScalarVisitor, Skip, SkipVisitor, MAX_DEPTH};

// Out of line: it is large (a second instance of the fast path), and the default names' caller must stay small.
#[inline(never)]
pub fn extract<'a>(keys: &JsonKeys, line: &'a str) -> Result<JsonFields<'a>, Malformed> {
    let key = |b: &[u8], i: usize| {
        let end = fast::string_end(b, i)?;
        Some((keys.whole_key(&b[i..end]), end))
    };
    if let Some(f) = fast::extract(line, key) {
        return Ok(f);
    }
    // As for the default names: sonic-rs recurses without a limit on a top level that is not an object.
    starts_with_brace(line.as_bytes())?;
    let mut fields = JsonFields::default();
    let mut de = sonic_rs::Deserializer::from_str(line);
    let top = Walk { keys, done: [0; 6], level: 1, out: &mut fields };
    de.deserialize_map(top).map_err(|_| Malformed)?;
    de.end().map_err(|_| Malformed)?;
    Ok(fields)
}

/// Not on the path of this field (any more).
const OFF: u8 = u8::MAX;

/// What one key means: the fields whose path ends at it (bit i = field i), and for the others the number of
/// path segments matched once inside its value.
#[derive(Clone, Copy)]
struct Decision {
    ends: u8,
    deeper: [u8; 6],
}

impl Decision {
    fn nothing(&self) -> bool {
        self.ends == 0 && self.deeper.iter().all(|&d| d == OFF)
    }
}

fn put<'de>(out: &mut JsonFields<'de>, ends: u8, v: Scalar<'de>) {
    for i in 0..6 {
        if ends & (1 << i) != 0 {
            if let Some(slot) = out.slot(JsonKeys::key_of(i)) {
                *slot = Some(v.clone()); // duplicates: the last one wins
            }
        }
    }
}

/// The members of one object on the way to the fields; `done[i]` = segments of field i matched so far.
struct Walk<'k, 'f, 'de> {
    keys: &'k JsonKeys,
    done: [u8; 6],
    level: u32,
    out: &'f mut JsonFields<'de>,
}

impl<'de> Visitor<'de> for Walk<'_, '_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        if self.level > MAX_DEPTH {
            return Err(de::Error::custom("nested too deep"));
        }
        while let Some(d) = a.next_key_seed(KeySeed { keys: self.keys, done: self.done })? {
            if d.nothing() {
                a.next_value_seed(Skip(self.level + 1))?;
            } else {
                a.next_value_seed(ValueSeed { keys: self.keys, d, level: self.level + 1, out: &mut *self.out })?;
            }
        }
        Ok(())
    }
}

struct KeySeed<'k> {
    keys: &'k JsonKeys,
    done: [u8; 6],
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Decision;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Decision, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Decision;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, k: &str) -> Result<Decision, E> {
        let mut d = Decision { ends: 0, deeper: [OFF; 6] };
        for i in 0..6 {
            if self.done[i] == OFF {
                continue;
            }
            let done = usize::from(self.done[i]);
            if let Some(n) = self.keys.segments_taken(i, done, k) {
                if done + n == self.keys.depth(i) {
                    d.ends |= 1 << i;
                } else {
                    d.deeper[i] = (done + n).min(usize::from(OFF - 1)) as u8;
                }
            }
        }
        Ok(d)
    }
}

/// The value of a key that ends a field's path (it becomes the field), leads further into one, or both.
struct ValueSeed<'k, 'f, 'de> {
    keys: &'k JsonKeys,
    d: Decision,
    level: u32,
    out: &'f mut JsonFields<'de>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> ValueSeed<'_, '_, 'de> {
    fn scalar<E: de::Error>(self, v: Result<Scalar<'de>, E>) -> Result<(), E> {
        put(self.out, self.d.ends, v?);
        Ok(())
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.scalar(ScalarVisitor.visit_unit())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.scalar(ScalarVisitor.visit_bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.scalar(ScalarVisitor.visit_i64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.scalar(ScalarVisitor.visit_u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.scalar(ScalarVisitor.visit_f64(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.scalar(ScalarVisitor.visit_borrowed_str(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.scalar(ScalarVisitor.visit_str(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.scalar(ScalarVisitor.visit_string(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<(), A::Error> {
        SkipVisitor(self.level).visit_seq(a)?;
        put(self.out, self.d.ends, Scalar::Other);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<(), A::Error> {
        if self.d.deeper.iter().all(|&d| d == OFF) {
            SkipVisitor(self.level).visit_map(a)?;
        } else {
            Walk { keys: self.keys, done: self.d.deeper, level: self.level, out: &mut *self.out }.visit_map(a)?;
        }
        put(self.out, self.d.ends, Scalar::Other);
        Ok(())
    }
}
