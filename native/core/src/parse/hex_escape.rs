//! Apache's JSON log formats escape odd bytes in a value as `\xhh` (mod_log_config's own escaping), which is
//! not a JSON escape: such a line is no JSON as written. Doubling the backslash of each `\x` + two hex digits
//! inside a string makes it JSON that reads as the four characters written (`\xhh` is kept as written, as in
//! nginx's CLF lines). Used for parsing and for the error record, which must be valid JSON.

#[inline]
pub fn has_hex_escape(line: &[u8]) -> bool {
    memchr::memmem::find(line, b"\\x").is_some()
}

/// Writes `line` with every `\xhh` inside a JSON string turned into `\\xhh` to `out`; false (and `out`
/// unspecified) when there was none, so that the caller keeps the line. Backslashes of other escapes,
/// `\\x` included, are skipped as pairs, so an escaped backslash is never taken for the start of one.
pub fn repair_hex_escapes(line: &str, out: &mut String) -> bool {
    let b = line.as_bytes();
    out.clear();
    let (mut in_string, mut changed) = (false, false);
    let (mut i, mut copied) = (0, 0);
    let hex = |k: usize| b.get(k).is_some_and(u8::is_ascii_hexdigit);
    while i < b.len() {
        match b[i] {
            b'"' => {
                in_string = !in_string;
                i += 1;
            }
            b'\\' if in_string => {
                if b.get(i + 1) == Some(&b'x') && hex(i + 2) && hex(i + 3) {
                    // `i` and `i + 1` are ASCII, so both cuts are on char boundaries.
                    out.push_str(&line[copied..i]);
                    out.push_str("\\\\");
                    copied = i + 1;
                    changed = true;
                    i += 4;
                } else {
                    i += 2;
                }
            }
            _ => i += 1,
        }
    }
    if changed {
        out.push_str(&line[copied..]);
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(line: &str) -> Option<String> {
        let mut out = String::new();
        repair_hex_escapes(line, &mut out).then_some(out)
    }

    #[test]
    fn doubles_the_backslash_of_hex_escapes_in_strings_only() {
        assert_eq!(repaired(r#"{"uri":"/a\xe9b","n":1}"#).as_deref(), Some(r#"{"uri":"/a\\xe9b","n":1}"#));
        assert_eq!(repaired(r#"{"a":"\x41\x4A","b":"\x"}"#).as_deref(), Some(r#"{"a":"\\x41\\x4A","b":"\x"}"#));
        // an escaped backslash followed by `x41` is valid JSON already
        assert_eq!(repaired(r#"{"a":"\\x41"}"#), None);
        assert_eq!(repaired(r#"{"a":"\"\x41"}"#).as_deref(), Some(r#"{"a":"\"\\x41"}"#));
        assert_eq!(repaired(r#"{"a":"\xZZ"}"#), None);
        assert_eq!(repaired(r#"{"a":1} \x41"#), None);
        assert_eq!(repaired("{\"é\":\"\\x41\"}").as_deref(), Some("{\"é\":\"\\\\x41\"}"));
        assert!(has_hex_escape(br#"{"a":"\x41"}"#) && !has_hex_escape(b"{}"));
    }
}
