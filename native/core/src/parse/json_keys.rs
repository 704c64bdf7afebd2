//! Which JSON keys hold the six fields: the default names, a preset (`json.preset`), or names given one by one
//! (`json.fields`, over the preset). A name with dots is a path through nested objects (`http.request.method`)
//! and also matches a literal dotted key, as ECS shippers write both.

use crate::json::Key;

/// The fields in `JsonKeys` order, under their default names (which are also the `json.fields` keys).
pub const FIELDS: [&str; 6] = ["timestamp", "ip", "method", "url", "status", "user_agent"];
const KEYS: [Key; 6] = [Key::Timestamp, Key::Ip, Key::Method, Key::Url, Key::Status, Key::UserAgent];

/// The presets' names in `FIELDS` order (README "Input formats" has the log formats they are for).
const PRESETS: [(&str, [&str; 6]); 3] = [
    ("nginx", ["time_iso8601", "remote_addr", "request_method", "request_uri", "status", "http_user_agent"]),
    ("apache", ["time", "client", "method", "uri", "status", "userAgent"]),
    ("ecs", ["@timestamp", "source.ip", "http.request.method", "url.original", "http.response.status_code", "user_agent.original"]),
];

pub const PRESET_NAMES: [&str; 3] = [PRESETS[0].0, PRESETS[1].0, PRESETS[2].0];

/// Longest accepted name; real ones are a few dozen bytes.
const MAX_NAME_BYTES: usize = 256;

#[derive(Clone, Debug, PartialEq)]
pub struct JsonKeys {
    names: [String; 6],
    /// Each name split at its dots.
    paths: [Vec<String>; 6],
}

impl Default for JsonKeys {
    fn default() -> Self {
        JsonKeys::from_names(FIELDS)
    }
}

impl JsonKeys {
    fn from_names(names: [&str; 6]) -> Self {
        JsonKeys {
            names: names.map(str::to_string),
            paths: names.map(|n| n.split('.').map(str::to_string).collect()),
        }
    }

    pub fn preset(name: &str) -> Option<JsonKeys> {
        PRESETS.iter().find(|(p, _)| *p == name).map(|(_, names)| JsonKeys::from_names(*names))
    }

    /// Reads `field` (one of [`FIELDS`]) from the key `name` instead. Errors name the problem for the user.
    pub fn set(&mut self, field: &str, name: &str) -> Result<(), String> {
        let Some(i) = FIELDS.iter().position(|f| *f == field) else {
            return Err(format!("unknown field {field:?}: must be one of {}", FIELDS.join(", ")));
        };
        if name.is_empty() || name.len() > MAX_NAME_BYTES || name.split('.').any(str::is_empty) {
            return Err(format!("{name:?} must be a key or a dotted path of keys, none of them empty, at most {MAX_NAME_BYTES} bytes"));
        }
        self.names[i] = name.to_string();
        self.paths[i] = name.split('.').map(str::to_string).collect();
        Ok(())
    }

    /// Two fields read from one key would leave one of them empty on the fast path: refused up front.
    pub fn check_distinct(&self) -> Result<(), String> {
        for i in 0..6 {
            for j in i + 1..6 {
                if self.names[i] == self.names[j] {
                    return Err(format!("{} and {} both read the key {:?}", FIELDS[i], FIELDS[j], self.names[i]));
                }
            }
        }
        Ok(())
    }

    pub fn is_default(&self) -> bool {
        self.names.iter().zip(FIELDS).all(|(n, f)| n == f)
    }

    pub fn name(&self, field: usize) -> &str {
        &self.names[field]
    }

    /// The field a top-level key names as a whole (flat or literal dotted key), for the fast path.
    #[inline]
    pub(crate) fn whole_key(&self, k: &[u8]) -> Key {
        match self.names.iter().position(|n| n.as_bytes() == k) {
            Some(i) => KEYS[i],
            None => Key::Other,
        }
    }

    pub(crate) fn key_of(field: usize) -> Key {
        KEYS[field]
    }

    /// How many segments of `field`'s path the key `k` takes when `done` are already matched: a key may be one
    /// segment (`http` → `request` → `method`) or several joined by dots (`"http.request"`, `"source.ip"`).
    pub(crate) fn segments_taken(&self, field: usize, done: usize, k: &str) -> Option<usize> {
        let rest = self.paths[field].get(done..)?;
        let mut at = 0;
        for (n, seg) in rest.iter().enumerate() {
            let tail = k.get(at..)?;
            if !tail.starts_with(seg.as_str()) {
                return None;
            }
            at += seg.len();
            if at == k.len() {
                return Some(n + 1);
            }
            if k.as_bytes().get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        None
    }

    pub(crate) fn depth(&self, field: usize) -> usize {
        self.paths[field].len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_overrides() {
        let mut k = JsonKeys::preset("ecs").unwrap();
        assert_eq!(k.name(1), "source.ip");
        assert!(!k.is_default());
        k.set("ip", "client.ip").unwrap();
        assert_eq!(k.name(1), "client.ip");
        assert!(k.set("nope", "x").is_err());
        for bad in ["", "a..b", ".a", "a."] {
            assert!(k.set("ip", bad).is_err(), "{bad}");
        }
        assert!(JsonKeys::default().is_default());
        assert_eq!(JsonKeys::preset("caddy"), None);
        let mut dup = JsonKeys::default();
        dup.set("url", "ip").unwrap();
        assert!(dup.check_distinct().is_err());
    }

    #[test]
    fn keys_take_one_or_several_segments() {
        let k = JsonKeys::preset("ecs").unwrap();
        assert_eq!(k.segments_taken(2, 0, "http"), Some(1));
        assert_eq!(k.segments_taken(2, 0, "http.request"), Some(2));
        assert_eq!(k.segments_taken(2, 0, "http.request.method"), Some(3));
        assert_eq!(k.segments_taken(2, 1, "request.method"), Some(2));
        assert_eq!(k.segments_taken(2, 0, "http.req"), None);
        assert_eq!(k.segments_taken(2, 0, "httpx"), None);
        assert_eq!(k.segments_taken(2, 0, "http.request.method.x"), None);
        assert_eq!(k.whole_key(b"@timestamp"), Key::Timestamp);
        assert_eq!(k.whole_key(b"source.ip"), Key::Ip);
        assert_eq!(k.whole_key(b"source"), Key::Other);
    }
}
