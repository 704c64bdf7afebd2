//! Byte-level formatting for the generator's hot path (as `src/gen/ascii.ts`): integers, addresses and
//! timestamps written straight into the caller's buffer. Callers guarantee room (the writer's headroom); every
//! write here is bounds-checked all the same, so a wrong caller panics in tests rather than corrupting memory.

use crate::timestamp::DIGIT_PAIRS as PAIRS;

const MONTHS: &[u8; 36] = b"JanFebMarAprMayJunJulAugSepOctNovDec";

/// Copies a precomputed segment.
#[inline(always)]
pub fn write_bytes(buf: &mut [u8], pos: usize, src: &[u8]) -> usize {
    buf[pos..pos + src.len()].copy_from_slice(src);
    pos + src.len()
}

/// Decimal of `n`, no leading zeros.
#[inline(always)]
pub fn write_uint(buf: &mut [u8], pos: usize, mut n: u64) -> usize {
    let len = decimal_len(n);
    let out = &mut buf[pos..pos + len];
    let mut end = len;
    while n >= 100 {
        let r = (n % 100) as usize * 2;
        n /= 100;
        out[end - 2..end].copy_from_slice(&PAIRS[r..r + 2]);
        end -= 2;
    }
    if n >= 10 {
        let r = n as usize * 2;
        out[end - 2..end].copy_from_slice(&PAIRS[r..r + 2]);
    } else {
        out[end - 1] = b'0' + n as u8;
    }
    pos + len
}

#[inline(always)]
fn decimal_len(n: u64) -> usize {
    let mut len = 1;
    let mut p = 10u64;
    while len < 20 && n >= p {
        len += 1;
        p = p.wrapping_mul(10);
    }
    len
}

/// 0..255 in decimal: [length, d0, d1, d2] per octet.
const OCTETS: [[u8; 4]; 256] = {
    let mut t = [[0u8; 4]; 256];
    let mut i = 0;
    while i < 256 {
        if i >= 100 {
            t[i] = [3, b'0' + (i / 100) as u8, b'0' + (i / 10 % 10) as u8, b'0' + (i % 10) as u8];
        } else if i >= 10 {
            t[i] = [2, b'0' + (i / 10) as u8, b'0' + (i % 10) as u8, 0];
        } else {
            t[i] = [1, b'0' + i as u8, 0, 0];
        }
        i += 1;
    }
    t
};

/// A 32-bit IPv4 address as a dotted quad, high octet first.
#[inline(always)]
pub fn write_ipv4(buf: &mut [u8], pos: usize, ip: u32) -> usize {
    let out = &mut buf[pos..pos + 15];
    let mut at = 0;
    for (i, shift) in [24u32, 16, 8, 0].into_iter().enumerate() {
        let o = &OCTETS[((ip >> shift) & 0xff) as usize];
        // Three bytes always (a 4-byte window: the unused ones are overwritten by what follows).
        out[at..at + 3].copy_from_slice(&o[1..4]);
        at += o[0] as usize;
        if i < 3 {
            out[at] = b'.';
            at += 1;
        }
    }
    pos + at
}

/// `.ffffff` (Python's isoformat), or nothing when the microsecond is 0 — isoformat() drops it then too.
#[inline(always)]
pub fn write_fraction(buf: &mut [u8], pos: usize, micros: u32) -> usize {
    if micros == 0 {
        return pos;
    }
    let out = &mut buf[pos..pos + 7];
    out[0] = b'.';
    let hi = (micros / 10_000) as usize % 100;
    let rest = micros % 10_000;
    let mid = (rest / 100) as usize;
    let lo = (rest % 100) as usize;
    out[1..3].copy_from_slice(&PAIRS[2 * hi..2 * hi + 2]);
    out[3..5].copy_from_slice(&PAIRS[2 * mid..2 * mid + 2]);
    out[5..7].copy_from_slice(&PAIRS[2 * lo..2 * lo + 2]);
    pos + 7
}

/// Event time (µs since the epoch, >= 0) split into Unix seconds and the microsecond within it.
#[inline(always)]
pub fn split_us(us: i64) -> (i64, u32) {
    (us.div_euclid(1_000_000), us.rem_euclid(1_000_000) as u32)
}

/// The second-resolution parts of both timestamp shapes, recomputed only when the second changes.
pub struct SecondPrefix {
    /// Unix seconds the prefixes describe (None before the first `set`).
    pub second: Option<i64>,
    /// `YYYY-MM-DDTHH:MM:SS`
    pub iso: [u8; 19],
    /// `dd/Mon/yyyy:HH:MM:SS`
    pub clf: [u8; 20],
}

impl Default for SecondPrefix {
    fn default() -> Self {
        SecondPrefix { second: None, iso: [0; 19], clf: [0; 20] }
    }
}

impl SecondPrefix {
    pub fn set(&mut self, second: i64) {
        self.second = Some(second);
        let days = second.div_euclid(86_400);
        let s = second.rem_euclid(86_400);
        let (hh, mm, ss) = (s / 3600, s % 3600 / 60, s % 60);
        let (y, m, d) = civil_from_days(days);
        let iso = &mut self.iso;
        put2(iso, 0, y.div_euclid(100));
        put2(iso, 2, y.rem_euclid(100));
        iso[4] = b'-';
        put2(iso, 5, m as i64);
        iso[7] = b'-';
        put2(iso, 8, d as i64);
        iso[10] = b'T';
        put2(iso, 11, hh);
        iso[13] = b':';
        put2(iso, 14, mm);
        iso[16] = b':';
        put2(iso, 17, ss);
        let clf = &mut self.clf;
        put2(clf, 0, d as i64);
        clf[2] = b'/';
        let at = 3 * (m as usize - 1);
        clf[3..6].copy_from_slice(&MONTHS[at..at + 3]);
        clf[6] = b'/';
        put2(clf, 7, y.div_euclid(100));
        put2(clf, 9, y.rem_euclid(100));
        clf[11] = b':';
        clf[12..20].copy_from_slice(&self.iso[11..19]);
    }
}

/// Two digits of n. A year beyond 9999 has no 4-digit form: its century writes as two NUL bytes, as the
/// TypeScript writer's table lookup past its end does (a `Uint8Array` stores `undefined` as 0).
fn put2(buf: &mut [u8], at: usize, n: i64) {
    let pair = if (0..100).contains(&n) { &PAIRS[2 * n as usize..2 * n as usize + 2] } else { &[0, 0][..] };
    buf[at..at + 2].copy_from_slice(pair);
}

/// Proleptic Gregorian (year, month 1..=12, day 1..=31) of a day number since 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut [u8]) -> usize) -> String {
        let mut buf = [0u8; 64];
        let n = f(&mut buf);
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn integers() {
        for n in [0u64, 7, 10, 99, 100, 101, 4999, 10_000, 123_456_789, 1_000_000_000, u64::MAX] {
            let mut buf = [0u8; 32];
            let end = write_uint(&mut buf, 2, n);
            assert_eq!(&buf[2..end], n.to_string().as_bytes());
        }
    }

    #[test]
    fn addresses() {
        assert_eq!(text(|b| write_ipv4(b, 0, 0)), "0.0.0.0");
        assert_eq!(text(|b| write_ipv4(b, 0, u32::MAX)), "255.255.255.255");
        assert_eq!(text(|b| write_ipv4(b, 0, 0xC0A8_0A39)), "192.168.10.57");
        assert_eq!(text(|b| write_ipv4(b, 0, 0x0A00_6401)), "10.0.100.1");
    }

    #[test]
    fn fractions() {
        assert_eq!(text(|b| write_fraction(b, 0, 0)), "");
        assert_eq!(text(|b| write_fraction(b, 0, 1)), ".000001");
        assert_eq!(text(|b| write_fraction(b, 0, 266_898)), ".266898");
        assert_eq!(text(|b| write_fraction(b, 0, 999_999)), ".999999");
    }

    #[test]
    fn second_prefixes() {
        let mut p = SecondPrefix::default();
        // 2025-06-09T09:42:40Z, the seed's sample day.
        p.set(1_749_462_160);
        assert_eq!(&p.iso, b"2025-06-09T09:42:40");
        assert_eq!(&p.clf, b"09/Jun/2025:09:42:40");
        p.set(0);
        assert_eq!(&p.iso, b"1970-01-01T00:00:00");
        p.set(951_868_799); // a leap day's last second
        assert_eq!(&p.iso, b"2000-02-29T23:59:59");
        assert_eq!(&p.clf, b"29/Feb/2000:23:59:59");
        p.set(253_402_300_799); // the last second with four year digits
        assert_eq!(&p.iso, b"9999-12-31T23:59:59");
        p.set(253_402_300_800);
        assert_eq!(&p.iso, b"\0\x0000-01-01T00:00:00");
    }

    #[test]
    fn splits_microseconds() {
        assert_eq!(split_us(1_749_462_160_266_898), (1_749_462_160, 266_898));
        assert_eq!(split_us(0), (0, 0));
        // Past 2^53 µs (2255) a JS number is not every integer; an i64 is.
        assert_eq!(split_us(9_007_199_254_740_993), (9_007_199_254, 740_993));
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
