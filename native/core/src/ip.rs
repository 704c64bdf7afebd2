//! Client IP validation and normalisation.
//!
//! Unique-IP sketches hash the parsed address bytes rather than the text, so every spelling of one
//! address (`::1`, `0::1`, `0:0:0:0:0:0:0:1`) counts once. IPv4 is the common case on the per-line hot path
//! and gets a hand-written parser; IPv6 is delegated to `std` so that its grammar is exactly
//! `std::net::Ipv6Addr::from_str`, which is what the contract names.

use std::net::Ipv6Addr;
use std::str::FromStr;

/// A parsed client address. IPv4-mapped IPv6 (`::ffff:1.2.3.4`) stays `V6`, a different key from
/// `1.2.3.4`: the contract hashes the parsed bytes (4 or 16) and does not unmap, so neither may we.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpKey {
    V4([u8; 4]),
    V6([u8; 16]),
    /// A client logged by name (Apache `HostnameLookups On`): 8 bytes of a hash of the text, so unique
    /// counts are over the name as written. Its length (8) tells it apart from an address in partials.
    Host([u8; 8]),
}

impl IpKey {
    /// The 4 or 16 network-order bytes that sketches hash.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            IpKey::V4(b) => b,
            IpKey::V6(b) => b,
            IpKey::Host(b) => b,
        }
    }
}

/// Parses an IPv4 dotted quad or an IPv6 address.
///
/// IPv4: exactly four decimal octets 0–255 of 1–3 digits, no leading zero except `0` itself (a leading
/// zero reads as octal in some tools, so it is rejected rather than guessed). IPv6: valid UTF-8 accepted
/// by `Ipv6Addr::from_str` (no brackets, no zone id).
#[inline]
pub fn parse_ip(s: &[u8]) -> Option<IpKey> {
    if let Some(v4) = parse_ipv4(s) {
        return Some(IpKey::V4(v4));
    }
    // Every IPv6 text contains ':'; checking first keeps rejected IPv4-looking junk off the slow path.
    if !s.contains(&b':') {
        return None;
    }
    parse_ipv6(s)
}

/// A DNS name as a client: letters, digits, `-`, `_` and `.`, at most 253 bytes, starting with a letter or
/// digit, with at least one letter (every top-level domain has one, so `1.2.3.999` stays an invalid address).
pub fn parse_hostname(s: &[u8]) -> Option<IpKey> {
    let ok_chars = s.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if s.is_empty() || s.len() > 253 || !ok_chars || !s[0].is_ascii_alphanumeric() || !s.iter().any(u8::is_ascii_alphabetic) {
        return None;
    }
    Some(IpKey::Host(crate::hll::hash_bytes(s).to_le_bytes()))
}

/// Kept out of line so that inlining `parse_ip` into the parsers only copies the IPv4 fast path.
#[inline(never)]
fn parse_ipv6(s: &[u8]) -> Option<IpKey> {
    let text = std::str::from_utf8(s).ok()?;
    Ipv6Addr::from_str(text).ok().map(|a| IpKey::V6(a.octets()))
}

#[inline(always)]
fn parse_ipv4(s: &[u8]) -> Option<[u8; 4]> {
    // "0.0.0.0" .. "255.255.255.255"; the length check lets most non-IPv4 input bail immediately.
    if s.len() < 7 || s.len() > 15 {
        return None;
    }
    let mut out = [0u8; 4];
    let mut i = 0usize;
    for (k, slot) in out.iter_mut().enumerate() {
        if k > 0 {
            if s.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let first = s.get(i)?.wrapping_sub(b'0');
        if first > 9 {
            return None;
        }
        i += 1;
        let mut v = u32::from(first);
        // A leading '0' is the whole octet: a following digit then fails the '.'/end check.
        if first != 0 {
            for _ in 0..2 {
                match s.get(i) {
                    Some(&b) if b.is_ascii_digit() => {
                        v = v * 10 + u32::from(b - b'0');
                        i += 1;
                    }
                    _ => break,
                }
            }
            if v > 255 {
                return None;
            }
        }
        *slot = v as u8;
    }
    if i == s.len() {
        Some(out)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<IpKey> {
        parse_ip(s.as_bytes())
    }

    #[test]
    fn hostnames() {
        let h = |s: &str| parse_hostname(s.as_bytes());
        assert!(matches!(h("crawl-66-249-66-1.googlebot.com"), Some(IpKey::Host(_))));
        assert!(matches!(h("localhost"), Some(IpKey::Host(_))));
        assert_eq!(h("a.example"), h("a.example"));
        assert_ne!(h("a.example"), h("b.example"));
        for bad in ["", "1.2.3.999", "-x.com", ".x", "a b", "a:b", "é.com", &"a".repeat(254)] {
            assert_eq!(h(bad), None, "{bad}");
        }
    }

    #[test]
    fn ipv4_valid() {
        assert_eq!(p("0.0.0.0"), Some(IpKey::V4([0, 0, 0, 0])));
        assert_eq!(p("255.255.255.255"), Some(IpKey::V4([255, 255, 255, 255])));
        assert_eq!(p("192.168.1.10"), Some(IpKey::V4([192, 168, 1, 10])));
        assert_eq!(p("10.0.0.1"), Some(IpKey::V4([10, 0, 0, 1])));
        assert_eq!(p("1.22.100.0"), Some(IpKey::V4([1, 22, 100, 0])));
        assert_eq!(p("199.249.250.251"), Some(IpKey::V4([199, 249, 250, 251])));
        assert_eq!(p("0.10.200.9"), Some(IpKey::V4([0, 10, 200, 9])));
        assert_eq!(
            p("8.8.4.4").map(|k| k.as_bytes().to_vec()),
            Some(vec![8, 8, 4, 4])
        );
    }

    #[test]
    fn ipv4_invalid() {
        for s in [
            "",
            "256.0.0.0",
            "0.0.0.256",
            "1.2.3.999",
            "1.2.3.1000",
            "300.1.1.1",
            "01.2.3.4",
            "1.2.3.04",
            "1.02.3.4",
            "00.0.0.0",
            "0.0.0.00",
            "1.2.3.010",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            ".1.2.3.4",
            "1.2.3.4.",
            "1.2.3.",
            " 1.2.3.4",
            "1.2.3.4 ",
            "1.2. 3.4",
            "1.2.3.a",
            "a.b.c.d",
            "1.2.3.4a",
            "0x1.2.3.4",
            "1.2.3.-4",
            "+1.2.3.4",
            "1,2,3,4",
            "1.2.3.4\n",
            "1234.1.1.1",
            "111.222.333.444",
            "1.1.1.1.1.1.1.1",
        ] {
            assert_eq!(p(s), None, "{s:?}");
            // std's strict dotted-quad parser (which also rejects leading zeros) agrees.
            assert!(s.parse::<std::net::Ipv4Addr>().is_err(), "{s:?}");
        }
        assert_eq!(parse_ip(b"1.2.3.\xff"), None);
    }

    #[test]
    fn ipv4_matches_std_exhaustive_octet() {
        // Every 0..=999 spelling (with and without leading zeros) in each position agrees with std's
        // strict parser, which also rejects leading zeros.
        for v in 0..1000u32 {
            for text in [format!("{v}"), format!("{v:02}"), format!("{v:03}")] {
                for pos in 0..4 {
                    let mut parts = ["7", "7", "7", "7"].map(String::from);
                    parts[pos] = text.clone();
                    let s = parts.join(".");
                    let want = s
                        .parse::<std::net::Ipv4Addr>()
                        .ok()
                        .map(|a| IpKey::V4(a.octets()));
                    assert_eq!(p(&s), want, "{s}");
                }
            }
        }
    }

    #[test]
    fn ipv6_forms() {
        let loopback = {
            let mut b = [0u8; 16];
            b[15] = 1;
            IpKey::V6(b)
        };
        assert_eq!(p("::"), Some(IpKey::V6([0; 16])));
        assert_eq!(p("::1"), Some(loopback));
        assert_eq!(p("0::1"), Some(loopback));
        assert_eq!(p("0:0:0:0:0:0:0:1"), Some(loopback));
        assert_eq!(p("0000:0000:0000:0000:0000:0000:0000:0001"), Some(loopback));
        assert_eq!(p("::1"), p("0::1"));
        assert_eq!(p("::1").map(|k| k.as_bytes().len()), Some(16));
        assert_eq!(
            p("2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
            Some(IpKey::V6([
                0x20, 0x01, 0x0d, 0xb8, 0x85, 0xa3, 0, 0, 0, 0, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x34
            ]))
        );
        assert_eq!(
            p("2001:db8:85a3::8a2e:370:7334"),
            p("2001:0DB8:85A3:0:0:8A2E:0370:7334")
        );
        assert_eq!(
            p("fe80::1"),
            Some(IpKey::V6([
                0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
            ]))
        );
        // IPv4-mapped stays V6 and differs from the plain IPv4 key.
        let mapped = p("::ffff:1.2.3.4");
        assert_eq!(
            mapped,
            Some(IpKey::V6([
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4
            ]))
        );
        assert_ne!(mapped, p("1.2.3.4"));
        assert_eq!(p("::ffff:0102:0304"), mapped);
    }

    #[test]
    fn ipv6_invalid() {
        for s in [
            ":::",
            ":",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            "12345::1",
            "g::1",
            "fe80::1%eth0",
            "fe80::1%1",
            "[::1]",
            "[::1]:80",
            " ::1",
            "::1 ",
            "::ffff:1.2.3",
            "::ffff:256.1.1.1",
            "::1\n",
        ] {
            assert_eq!(p(s), None, "{s:?}");
        }
        assert_eq!(parse_ip(b"::\xff"), None);
        assert_eq!(parse_ip(b"\xff::1"), None);
    }

    #[test]
    fn ipv6_matches_std() {
        for s in [
            "::",
            "1::",
            "::2:3",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6::8",
            "::1.2.3.4",
            "a:b:c:d:e:f:0:1",
        ] {
            let want = s.parse::<Ipv6Addr>().ok().map(|a| IpKey::V6(a.octets()));
            assert!(want.is_some(), "{s}");
            assert_eq!(p(s), want, "{s}");
        }
    }

    #[test]
    fn keys_hash_equal_for_equal_addresses() {
        use std::collections::HashSet;
        let set: HashSet<IpKey> = ["::1", "0::1", "0:0:0:0:0:0:0:1", "1.2.3.4", "1.2.3.4"]
            .iter()
            .filter_map(|s| p(s))
            .collect();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn no_panic_on_arbitrary_bytes() {
        let alphabet = b"0123456789.:af%[] \xff";
        let mut state: u64 = 0xDEAD_BEEF;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 24) as usize;
            let mut x = state;
            let s: Vec<u8> = (0..len)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    alphabet[(x >> 33) as usize % alphabet.len()]
                })
                .collect();
            let got = parse_ip(&s);
            // Whatever is accepted must agree with std on the same text.
            if let Some(IpKey::V6(b)) = got {
                let text = std::str::from_utf8(&s).expect("accepted v6 is UTF-8");
                assert_eq!(text.parse::<Ipv6Addr>().map(|a| a.octets()).ok(), Some(b));
            }
            if let Some(IpKey::V4(b)) = got {
                let text = std::str::from_utf8(&s).expect("accepted v4 is ASCII");
                assert_eq!(
                    text.parse::<std::net::Ipv4Addr>().map(|a| a.octets()).ok(),
                    Some(b)
                );
            }
        }
    }

    /// Best-of-many nanoseconds per call of `f` over `inputs`. Each run is short (~1 ms) and only the
    /// fastest counts, so preemption on a shared machine does not inflate the number.
    use crate::timing::best_ns_per_call;

    /// `cargo test --release -- --ignored --nocapture --test-threads=1 timing` prints ns per call.
    #[test]
    #[ignore]
    fn timing_parse_ip() {
        let mut state: u64 = 42;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Random octets give the realistic mix of 1-, 2- and 3-digit octets (mostly 3).
        let v4: Vec<String> = (0..1024)
            .map(|_| {
                let b = next().to_le_bytes();
                format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
            })
            .collect();
        let v6: Vec<String> = (0..1024u32)
            .map(|i| format!("2001:db8:{:x}::{:x}:{:x}", i, i * 7, i * 13))
            .collect();
        let key_byte =
            |s: &String| parse_ip(s.as_bytes()).map_or(0, |k| usize::from(k.as_bytes()[0]));
        println!(
            "parse_ip ipv4: {:.2} ns/parse",
            best_ns_per_call(&v4, key_byte)
        );
        println!(
            "parse_ip ipv6: {:.2} ns/parse",
            best_ns_per_call(&v6, key_byte)
        );
    }
}
