//! Event-time parsing and formatting. Every time value is `i64` microseconds since the Unix epoch, UTC.
//!
//! The grammar is the one in `API.md` ("Exact rules"); the TypeScript oracle implements the same rules, so
//! anything looser or stricter here shows up as a diff in the conformance tests. Parsing sits on the
//! per-line hot path (~5 M lines/s), so the parsers work on fixed byte positions, check the ISO head
//! eight bytes at a time (SWAR), never allocate, and convert dates with Howard Hinnant's civil-day
//! algorithms (a handful of integer ops, no loops over years).

const US_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// 10000-01-01T00:00:00Z in milliseconds: epoch-millisecond timestamps must stay below it so that every
/// accepted value is printable as a four-digit-year ISO string.
const EPOCH_MS_LIMIT: i64 = 253_402_300_800_000;

#[inline(always)]
fn digit(b: u8) -> Option<u32> {
    // wrapping_sub folds "below '0'" into large values, so one comparison rejects both sides.
    let d = b.wrapping_sub(b'0');
    if d < 10 {
        Some(u32::from(d))
    } else {
        None
    }
}

#[inline(always)]
fn two_digits(a: u8, b: u8) -> Option<u32> {
    Some(digit(a)? * 10 + digit(b)?)
}

/// Month lengths of a common year, indexed by month 1..=12 (padded to 16 so `& 15` indexing cannot fail).
const MONTH_DAYS: [u8; 16] = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0];

/// Days from March 1 to the first of each month, for a year that starts in March (index 0 = March,
/// 11 = February), so the leap day is the year's last day and never shifts a month start.
const DAYS_BEFORE_MONTH_FROM_MARCH: [u16; 16] = [
    0, 31, 61, 92, 122, 153, 184, 214, 245, 275, 306, 337, 0, 0, 0, 0,
];

#[inline(always)]
fn is_leap_year(y: u32) -> bool {
    // y % 400 == 0 is y % 100 == 0 && y % 16 == 0 (lcm(100, 16) = 400); % 16 is a mask, % 400 is not.
    y.is_multiple_of(4) & (!y.is_multiple_of(100) | y.is_multiple_of(16))
}

#[inline(always)]
fn days_in_month(y: u32, m: u32) -> u32 {
    u32::from(MONTH_DAYS[(m & 15) as usize]) + u32::from((m == 2) & is_leap_year(y))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`), for
/// year >= 1 and month 1..=12, as the parsers guarantee. With a non-negative year the 400-year era split
/// collapses into plain `y/4 - y/100 + y/400`, all in u32.
#[inline(always)]
fn days_from_civil(y: u32, m: u32, d: u32) -> i64 {
    // Saturating only so that a broken caller invariant cannot panic; valid input never saturates.
    let y = y.saturating_sub(u32::from(m <= 2));
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = u32::from(DAYS_BEFORE_MONTH_FROM_MARCH[(mp & 15) as usize]) + d.saturating_sub(1);
    let days = y * 365 + y / 4 - y / 100 + y / 400 + doy;
    // 719_468 = days from 0000-03-01 to 1970-01-01.
    i64::from(days) - 719_468
}

/// Inverse of [`days_from_civil`] for any day count: (year, month 1..=12, day 1..=31). Signed, because
/// writers accept any i64; only their cold path for years outside 0000..=9999 uses it.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Validates the calendar fields shared by the ISO and CLF grammars and folds them into UTC microseconds.
/// `offset_secs` is the local time's offset east of UTC, so it is subtracted.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn fields_to_us(
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micros: u32,
    offset_secs: i64,
) -> Option<i64> {
    // Non-short-circuit `&` keeps this to one branch; every operand is a cheap comparison, and random
    // dates would mispredict per-field branches.
    let ok = (1..=9999).contains(&year)
        & (1..=12).contains(&month)
        & (day >= 1)
        & (day <= days_in_month(year, month))
        & (hour <= 23)
        & (minute <= 59)
        & (second <= 59);
    if !ok {
        return None;
    }
    Some(civil_to_us(
        year,
        month,
        day,
        hour * 3600 + minute * 60 + second,
        micros,
        offset_secs,
    ))
}

/// UTC microseconds of fields that are already validated (year 1..=9999, month 1..=12, day within the
/// month, second of day < 86400, micros < 10^6).
#[inline(always)]
fn civil_to_us(
    year: u32,
    month: u32,
    day: u32,
    second_of_day: u32,
    micros: u32,
    offset_secs: i64,
) -> i64 {
    let days = days_from_civil(year, month, day);
    let secs = days * SECS_PER_DAY + i64::from(second_of_day) - offset_secs;
    secs * US_PER_SEC + i64::from(micros)
}

/// `±HH` and `MM` of a numeric UTC offset → signed seconds east of UTC.
#[inline(always)]
fn offset_secs(sign: u8, h1: u8, h2: u8, m1: u8, m2: u8) -> Option<i64> {
    let h = two_digits(h1, h2)?;
    let m = two_digits(m1, m2)?;
    if h > 23 || m > 59 {
        return None;
    }
    let secs = i64::from(h * 3600 + m * 60);
    Some(if sign == b'-' { -secs } else { secs })
}

// SWAR layout of the fixed 19-byte head `YYYY-MM-DDTHH:MM:SS`, read as three little-endian words
// (byte i is lane i): bytes 0..8 `YYYY-MM-`, 8..16 `DDTHH:MM`, 11..19 `HH:MM:SS` (overlapping on purpose,
// so that each word has digits and separators at fixed lanes). One word check replaces eight byte checks.
const LANE_LOW_HI: u64 = 0x3030_3030_3030_3030;
const LANE_HIGH_BITS: u64 = 0x8080_8080_8080_8080;
const LANE_DIGIT_BIAS: u64 = 0x7676_7676_7676_7676;
const DIGITS_A: u64 = u64::from_le_bytes([0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0]);
const SEPS_A: u64 = u64::from_le_bytes([0, 0, 0, 0, b'-', 0, 0, b'-']);
const DIGITS_BC: u64 = u64::from_le_bytes([0xFF, 0xFF, 0, 0xFF, 0xFF, 0, 0xFF, 0xFF]);
const SEPS_B: u64 = u64::from_le_bytes([0, 0, b'T', 0, 0, b':', 0, 0]);
const SEPS_C: u64 = u64::from_le_bytes([0, 0, b':', 0, 0, b':', 0, 0]);

#[inline(always)]
fn le_word(s: &[u8], at: usize) -> u64 {
    // Callers check the length first; the 0 fallback only keeps this panic-free and fails the separator check.
    s.get(at..at + 8)
        .and_then(|w| w.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// Checks one word against a layout: lanes in `digit_lanes` must be ASCII digits and the bytes under
/// `sep_lanes` must equal `seps`. Returns the digit values (0 in other lanes) and a nonzero "bad" value on
/// any mismatch.
#[inline(always)]
fn lane_digits(w: u64, digit_lanes: u64, sep_lanes: u64, seps: u64) -> (u64, u64) {
    let d = (w ^ LANE_LOW_HI) & digit_lanes;
    // A lane holds a digit iff d < 10: then neither d nor d + 0x76 reaches 0x80. A carry out of a lane only
    // happens when d >= 0x8A, which already sets that lane's high bit, so carries never hide a bad lane.
    let bad_digit = (d | d.wrapping_add(LANE_DIGIT_BIAS & digit_lanes)) & LANE_HIGH_BITS;
    let bad_sep = (w & sep_lanes) ^ seps;
    (d, bad_digit | bad_sep)
}

/// Lane i of the result is `10 * lane_i + lane_{i+1}`: every adjacent digit pair as a number (<= 99, so
/// no lane overflows).
#[inline(always)]
fn digit_pairs(d: u64) -> u64 {
    d.wrapping_mul(10).wrapping_add(d >> 8)
}

#[inline(always)]
fn lane(w: u64, i: u32) -> u32 {
    ((w >> (8 * i)) & 0xFF) as u32
}

// Zone layout in the input's last 8 bytes (lane 7 is the last byte): `±HH:MM` fills lanes 2..8. The
// colon-less `±HHMM` (lanes 3..8) is moved into the same layout first, so one check serves both.
const ZONE_DIGITS: u64 = u64::from_le_bytes([0, 0, 0, 0xFF, 0xFF, 0, 0xFF, 0xFF]);
const ZONE_SEP_LANES: u64 = u64::from_le_bytes([0, 0, 0, 0, 0, 0xFF, 0, 0]);
const ZONE_SEPS: u64 = u64::from_le_bytes([0, 0, 0, 0, 0, b':', 0, 0]);
const ZONE5_SIGN_HOURS: u64 = u64::from_le_bytes([0, 0, 0xFF, 0xFF, 0xFF, 0, 0, 0]);
const ZONE5_MINUTES: u64 = u64::from_le_bytes([0, 0, 0, 0, 0, 0, 0xFF, 0xFF]);

// Range limits applied to digit-pair lanes: adding 0x7F - max sets a lane's high bit iff the lane exceeds
// max. Pair lanes are <= 99, so the sums stay below 256 and never carry into a neighbour.
const fn over_limit(lanes: [u8; 8]) -> u64 {
    let mut out = [0u8; 8];
    let mut i = 0;
    while i < 8 {
        if lanes[i] != 0 {
            out[i] = 0x7F - lanes[i];
        }
        i += 1;
    }
    u64::from_le_bytes(out)
}
/// month <= 12 (lane 5 of the `YYYY-MM-` pairs).
const LIMIT_A: u64 = over_limit([0, 0, 0, 0, 0, 12, 0, 0]);
/// day <= 31, hour <= 23, minute <= 59 (lanes 0, 3, 6 of the `DDTHH:MM` pairs).
const LIMIT_B: u64 = over_limit([31, 0, 0, 23, 0, 0, 59, 0]);
/// second <= 59 (lane 6 of the `HH:MM:SS` pairs).
const LIMIT_C: u64 = over_limit([0, 0, 0, 0, 0, 0, 59, 0]);
/// Zone hours <= 23 and minutes <= 59 (lanes 3 and 6 of the zone pairs).
const LIMIT_ZONE: u64 = over_limit([0, 0, 0, 23, 0, 0, 59, 0]);

/// The zone designator that must end an ISO timestamp, starting at byte `at`: `Z`, `±HH:MM` or `±HHMM`.
#[inline(always)]
fn iso_zone_at(s: &[u8], at: usize) -> Option<i64> {
    let len = s.len();
    // Callers guarantee len >= 20, so the last 8 bytes exist; they hold the whole zone in every layout.
    let tail = le_word(s, len.checked_sub(8)?);
    let w = match len.checked_sub(at)? {
        1 => return (lane(tail, 7) == u32::from(b'Z')).then_some(0),
        6 => tail,
        5 => ((tail >> 8) & ZONE5_SIGN_HOURS) | (tail & ZONE5_MINUTES) | ZONE_SEPS,
        _ => return None,
    };
    let (d, bad) = lane_digits(w, ZONE_DIGITS, ZONE_SEP_LANES, ZONE_SEPS);
    let pairs = digit_pairs(d);
    if (bad | (pairs.wrapping_add(LIMIT_ZONE) & LANE_HIGH_BITS)) != 0 {
        return None;
    }
    let secs = i64::from(lane(pairs, 3) * 3600 + lane(pairs, 6) * 60);
    match lane(w, 2) as u8 {
        b'+' => Some(secs),
        b'-' => Some(-secs),
        _ => None,
    }
}

/// The fraction digits after the `.` at byte 19: (digit count 1..=9, microseconds, truncated).
#[inline(always)]
fn fraction(s: &[u8]) -> Option<(usize, u32)> {
    let len = s.len();
    // Bytes 20..28 as lanes 0..8. Shorter inputs read the word ending at their last byte and shift it
    // down; the vacated high lanes become 0, which is not a digit and ends the run.
    let w = if len >= 28 {
        le_word(s, 20)
    } else if len > 20 {
        le_word(s, len - 8) >> (8 * (28 - len))
    } else {
        return None;
    };
    let d = w ^ LANE_LOW_HI;
    // Same digit test as `lane_digits`; lanes before the first non-digit cannot receive a carry.
    let non_digit = (d | d.wrapping_add(LANE_DIGIT_BIAS)) & LANE_HIGH_BITS;
    let mut n = (non_digit.trailing_zeros() / 8) as usize;
    if n == 0 {
        return None;
    }
    if n == 8 {
        // The 9th and 10th digit are past the word: a 9th is allowed, a 10th is not.
        let is_digit = |at: usize| s.get(at).is_some_and(u8::is_ascii_digit);
        if is_digit(28) {
            if is_digit(29) {
                return None;
            }
            n = 9;
        }
    }
    // Zeroing the lanes from the 7th digit (or the end of the run) on both truncates to microseconds and
    // pads short fractions: `.5` reads as 500000. The three digit pairs then combine independently.
    let kept = d & ((1u64 << (8 * n.min(6))) - 1);
    let pairs = digit_pairs(kept);
    Some((
        n,
        lane(pairs, 0) * 10_000 + lane(pairs, 2) * 100 + lane(pairs, 4),
    ))
}

/// `YYYY-MM-DDTHH:MM:SS[.F{1,9}](Z|±HH:MM|±HHMM)` → UTC microseconds.
///
/// Only uppercase `T`/`Z`; a timezone is mandatory (a zone-less time has no defined instant); fraction
/// digits past the sixth are truncated, not rounded, so the value never moves into the next microsecond.
pub fn parse_iso8601(s: &[u8]) -> Option<i64> {
    // The shortest valid form is `YYYY-MM-DDTHH:MM:SSZ`.
    if s.len() < 20 {
        return None;
    }
    let (da, bad_a) = lane_digits(le_word(s, 0), DIGITS_A, !DIGITS_A, SEPS_A);
    let (db, bad_b) = lane_digits(le_word(s, 8), DIGITS_BC, !DIGITS_BC, SEPS_B);
    let (dc, bad_c) = lane_digits(le_word(s, 11), DIGITS_BC, !DIGITS_BC, SEPS_C);
    let (pa, pb, pc) = (digit_pairs(da), digit_pairs(db), digit_pairs(dc));
    let over = pa.wrapping_add(LIMIT_A) | pb.wrapping_add(LIMIT_B) | pc.wrapping_add(LIMIT_C);
    if (bad_a | bad_b | bad_c | (over & LANE_HIGH_BITS)) != 0 {
        return None;
    }
    let year = lane(pa, 0) * 100 + lane(pa, 2);
    let month = lane(pa, 5);
    let day = lane(pb, 0);
    // Upper bounds are checked above; zeros and month lengths remain. Days 1..=28 exist in every month,
    // so the month-length lookup is skipped for most inputs.
    if (year == 0) | (month == 0) | (day == 0) || (day > 28 && day > days_in_month(year, month)) {
        return None;
    }
    let second_of_day = lane(pb, 3) * 3600 + lane(pb, 6) * 60 + lane(pc, 6);

    let mut zone_at = 19;
    let mut micros = 0u32;
    if s.get(19) == Some(&b'.') {
        let (n, value) = fraction(s)?;
        micros = value;
        zone_at = 20 + n;
    }
    let offset = iso_zone_at(s, zone_at)?;
    Some(civil_to_us(year, month, day, second_of_day, micros, offset))
}

#[inline(always)]
fn month_from_abbr(a: u8, b: u8, c: u8) -> Option<u32> {
    Some(match [a, b, c] {
        [b'J', b'a', b'n'] => 1,
        [b'F', b'e', b'b'] => 2,
        [b'M', b'a', b'r'] => 3,
        [b'A', b'p', b'r'] => 4,
        [b'M', b'a', b'y'] => 5,
        [b'J', b'u', b'n'] => 6,
        [b'J', b'u', b'l'] => 7,
        [b'A', b'u', b'g'] => 8,
        [b'S', b'e', b'p'] => 9,
        [b'O', b'c', b't'] => 10,
        [b'N', b'o', b'v'] => 11,
        [b'D', b'e', b'c'] => 12,
        _ => return None,
    })
}

/// Common Log Format time, the part between `[` and `]`: `dd/Mon/yyyy:HH:MM:SS ±hhmm` → UTC microseconds.
///
/// Month abbreviations are English and case-sensitive, exactly one space precedes the offset, and the same
/// calendar/range rules as ISO apply (year 0001–9999, seconds 00–59, offset hours ≤ 23).
pub fn parse_clf_time(s: &[u8]) -> Option<i64> {
    let b: &[u8; 26] = s.try_into().ok()?;
    let seps_ok = (b[2] == b'/')
        & (b[6] == b'/')
        & (b[11] == b':')
        & (b[14] == b':')
        & (b[17] == b':')
        & (b[20] == b' ')
        & ((b[21] == b'+') | (b[21] == b'-'));
    if !seps_ok {
        return None;
    }
    let day = two_digits(b[0], b[1])?;
    let month = month_from_abbr(b[3], b[4], b[5])?;
    let year = two_digits(b[7], b[8])? * 100 + two_digits(b[9], b[10])?;
    let hour = two_digits(b[12], b[13])?;
    let minute = two_digits(b[15], b[16])?;
    let second = two_digits(b[18], b[19])?;
    let offset = offset_secs(b[21], b[22], b[23], b[24], b[25])?;
    fields_to_us(year, month, day, hour, minute, second, 0, offset)
}

/// A JSON-number epoch-milliseconds timestamp → microseconds, truncated toward zero.
///
/// Accepts finite `0 <= ms < 253402300800000` (before year 10000). Whole milliseconds are scaled exactly
/// in integers. Fractional ones are scaled in f64 like the oracle's `Math.trunc(ms * 1000)`: that keeps the
/// written decimal (`1749462160001.034` → `…001034` µs, although the nearest f64 is `…001.0339…`) and makes
/// both sides agree bit for bit. Above 2^53 µs (year 2255) an integer result may differ from the JS double
/// by the double's own rounding, which the i64 → JS number conversion reproduces.
pub fn epoch_ms_f64_to_us(ms: f64) -> Option<i64> {
    // Written so that NaN fails the test; infinities fail the bounds.
    if !(ms >= 0.0 && ms < EPOCH_MS_LIMIT as f64) {
        return None;
    }
    let whole = ms as i64;
    if whole as f64 == ms {
        return Some(whole * 1000);
    }
    // In range the product is < 2^58, so the saturating `as` never saturates; `as` truncates toward zero.
    Some((ms * 1000.0) as i64)
}

/// A JSON-number epoch-seconds timestamp (`json.timestampUnit: s`, e.g. nginx's `$msec`, `1765000000.123`)
/// → microseconds, rounded to the nearest: near 2^31 s an f64 is only 0.25 µs apart, so truncating would
/// turn the written `.123` into `.122999`. Same range as [`epoch_ms_f64_to_us`].
pub fn epoch_s_f64_to_us(s: f64) -> Option<i64> {
    if !(s >= 0.0 && s < (EPOCH_MS_LIMIT / 1000) as f64) {
        return None;
    }
    let whole = s as i64;
    if whole as f64 == s {
        return Some(whole * 1_000_000);
    }
    Some((s * 1e6).round() as i64)
}

/// A CSV epoch-milliseconds field (1–16 ASCII digits, leading zeros allowed) → microseconds.
/// Same range as [`epoch_ms_f64_to_us`].
pub fn epoch_ms_digits_to_us(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 16 {
        return None;
    }
    // 16 digits are < 10^16, far inside i64, so accumulation cannot overflow.
    let mut ms: i64 = 0;
    for &b in s {
        ms = ms * 10 + i64::from(digit(b)?);
    }
    if ms >= EPOCH_MS_LIMIT {
        return None;
    }
    Some(ms * 1000)
}

/// "00" .. "99": one table load writes two digits, instead of a division and a remainder per digit.
pub(crate) const DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// The two ASCII digits of `v % 100`.
#[inline(always)]
fn pair(v: u32) -> [u8; 2] {
    let i = (v % 100) as usize * 2;
    // i <= 198, so both reads are in bounds; `get` only keeps the function visibly panic-free.
    [
        DIGIT_PAIRS.get(i).copied().unwrap_or(b'0'),
        DIGIT_PAIRS.get(i + 1).copied().unwrap_or(b'0'),
    ]
}

/// -0400-03-01T00:00:00Z: one 400-year era before the 0000-03-01 origin of the civil algorithms. Every
/// instant with a four-digit year is later, so the writers' fast path works on unsigned offsets from it
/// and needs none of the floor-division fix-ups that signed values cost.
const ERA_ORIGIN_US: i64 = (-719_468 - 146_097) * SECS_PER_DAY * US_PER_SEC;
/// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the instants that print with a four-digit year.
const FOUR_DIGIT_YEAR_US: std::ops::Range<i64> = -62_167_219_200_000_000..EPOCH_MS_LIMIT * 1000;

/// [`civil_from_days`] for `z` days since -0400-03-01, all unsigned: (year + 400, month, day).
#[inline(always)]
fn civil_from_era_days(z: u32) -> (u32, u32, u32) {
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + u32::from(m <= 2), m, d)
}

/// `YYYY-MM-DDTHH:MM:SS` and the microseconds of `us`, or None when its year is outside 0000..=9999.
#[inline(always)]
fn iso_second(us: i64) -> Option<([u8; 19], u32)> {
    if !FOUR_DIGIT_YEAR_US.contains(&us) {
        return None;
    }
    // In range, the offset is positive and below 2^59.
    let u = us.wrapping_sub(ERA_ORIGIN_US) as u64;
    let secs = u / US_PER_SEC as u64;
    let micros = (u % US_PER_SEC as u64) as u32;
    let sod = (secs % SECS_PER_DAY as u64) as u32;
    let (y400, month, day) = civil_from_era_days((secs / SECS_PER_DAY as u64) as u32);
    let y = y400.wrapping_sub(400);
    let mut b = *b"0000-00-00T00:00:00";
    [b[0], b[1]] = pair(y / 100);
    [b[2], b[3]] = pair(y);
    [b[5], b[6]] = pair(month);
    [b[8], b[9]] = pair(day);
    [b[11], b[12]] = pair(sod / 3600);
    [b[14], b[15]] = pair(sod / 60 % 60);
    [b[17], b[18]] = pair(sod % 60);
    Some((b, micros))
}

/// Out-of-range years (only reachable from zone offsets at the edges of 0001..=9999 or from arbitrary
/// i64 input) use the JavaScript `toISOString` expanded form `±YYYYYY`, so nothing panics and the output
/// still sorts and reads sensibly. Cold: normal timestamps never get here.
#[cold]
#[inline(never)]
fn write_iso_expanded(us: i64, frac_digits: u32, out: &mut Vec<u8>) {
    let secs = us.div_euclid(US_PER_SEC);
    let micros = us.rem_euclid(US_PER_SEC) as u32;
    let frac = if frac_digits == 3 {
        micros / 1000
    } else {
        micros
    };
    let days = secs.div_euclid(SECS_PER_DAY);
    let sod = secs.rem_euclid(SECS_PER_DAY) as u32;
    let (year, month, day) = civil_from_days(days);
    out.push(if year < 0 { b'-' } else { b'+' });
    // |year| <= 294_247 for any i64 microsecond value, so six digits always suffice.
    let y = year.unsigned_abs().min(999_999) as u32;
    out.extend_from_slice(&pair(y / 10_000));
    out.extend_from_slice(&pair(y / 100));
    out.extend_from_slice(&pair(y));
    for (sep, v) in [
        (b'-', month),
        (b'-', day),
        (b'T', sod / 3600),
        (b':', sod / 60 % 60),
        (b':', sod % 60),
    ] {
        out.push(sep);
        out.extend_from_slice(&pair(v));
    }
    out.push(b'.');
    let mut digits = [b'0'; 6];
    let mut f = frac;
    for slot in digits.iter_mut().take(frac_digits as usize).rev() {
        *slot = b'0' + (f % 10) as u8;
        f /= 10;
    }
    out.extend_from_slice(digits.get(..frac_digits as usize).unwrap_or(&digits));
    out.push(b'Z');
}

/// UTC ISO string with exactly six fraction digits: `2025-06-09T09:42:40.001034Z`.
/// Negative values floor (−1 µs is `1969-12-31T23:59:59.999999Z`).
pub fn write_iso_micros(us: i64, out: &mut Vec<u8>) {
    let Some((head, f)) = iso_second(us) else {
        return write_iso_expanded(us, 6, out);
    };
    // Fixed-size buffer: one constant-length copy into `out`.
    let mut b = *b"0000-00-00T00:00:00.000000Z";
    b[..19].copy_from_slice(&head);
    [b[20], b[21]] = pair(f / 10_000);
    [b[22], b[23]] = pair(f / 100);
    [b[24], b[25]] = pair(f);
    out.extend_from_slice(&b);
}

/// UTC ISO string with exactly three fraction digits, floored to the millisecond:
/// `2025-06-09T09:42:30.000Z`.
pub fn write_iso_millis(us: i64, out: &mut Vec<u8>) {
    let Some((head, micros)) = iso_second(us) else {
        return write_iso_expanded(us, 3, out);
    };
    let ms = micros / 1000;
    let mut b = *b"0000-00-00T00:00:00.000Z";
    b[..19].copy_from_slice(&head);
    b[20] = b'0' + (ms / 100) as u8;
    [b[21], b[22]] = pair(ms);
    out.extend_from_slice(&b);
}

#[cfg(test)]
mod tests {
    use super::*;

    const US_PER_DAY: i64 = SECS_PER_DAY * US_PER_SEC;
    /// Scales a fraction of `n` digits (n <= 6) up to microseconds.
    const FRACTION_SCALE: [u32; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

    /// The zone designator that must end an ISO timestamp: `Z`, `±HH:MM` or `±HHMM`, and nothing after it.
    #[inline(always)]
    fn parse_iso_zone(rest: &[u8]) -> Option<i64> {
        match *rest {
            [b'Z'] => Some(0),
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]
            | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => offset_secs(sign, h1, h2, m1, m2),
            _ => None,
        }
    }

    /// Byte-by-byte ISO parser (the pre-SWAR implementation), kept as an independent differential oracle.
    fn reference_parse_iso8601(s: &[u8]) -> Option<i64> {
        let head: &[u8; 19] = s.get(..19)?.try_into().ok()?;
        let seps_ok = (head[4] == b'-')
            & (head[7] == b'-')
            & (head[10] == b'T')
            & (head[13] == b':')
            & (head[16] == b':');
        if !seps_ok {
            return None;
        }
        let year = two_digits(head[0], head[1])? * 100 + two_digits(head[2], head[3])?;
        let month = two_digits(head[5], head[6])?;
        let day = two_digits(head[8], head[9])?;
        let hour = two_digits(head[11], head[12])?;
        let minute = two_digits(head[14], head[15])?;
        let second = two_digits(head[17], head[18])?;

        let mut rest = s.get(19..)?;
        let mut micros = 0u32;
        if let Some((&b'.', frac)) = rest.split_first() {
            // Looking at 10 bytes is enough to tell "too many digits" from "1..=9 digits".
            let n = frac
                .iter()
                .take(10)
                .take_while(|b| b.is_ascii_digit())
                .count();
            if n == 0 || n > 9 {
                return None;
            }
            let kept = n.min(6);
            for &b in frac.get(..kept)? {
                micros = micros * 10 + u32::from(b - b'0');
            }
            micros *= *FRACTION_SCALE.get(kept)?;
            rest = frac.get(n..)?;
        }
        let offset = parse_iso_zone(rest)?;
        fields_to_us(year, month, day, hour, minute, second, micros, offset)
    }

    fn iso(s: &str) -> Option<i64> {
        parse_iso8601(s.as_bytes())
    }

    fn clf(s: &str) -> Option<i64> {
        parse_clf_time(s.as_bytes())
    }

    fn micros_str(us: i64) -> String {
        let mut v = Vec::new();
        write_iso_micros(us, &mut v);
        String::from_utf8(v).expect("writer emits ASCII")
    }

    fn millis_str(us: i64) -> String {
        let mut v = Vec::new();
        write_iso_millis(us, &mut v);
        String::from_utf8(v).expect("writer emits ASCII")
    }

    // Reference values computed independently with Python's `datetime` (integer timedelta division).
    const T_2025_06_09_094240_001034: i64 = 1_749_462_160_001_034;
    const T_2025_06_09_094230: i64 = 1_749_462_150_000_000;
    const T_0001_01_01: i64 = -62_135_596_800_000_000;
    const T_9999_12_31_235959_999999: i64 = 253_402_300_799_999_999;
    const T_2000_02_29_12: i64 = 951_825_600_000_000;
    const T_1600_01_01: i64 = -11_676_096_000_000_000;

    #[test]
    fn iso_known_epoch_values() {
        assert_eq!(
            iso("2025-06-09T09:42:40.001034Z"),
            Some(T_2025_06_09_094240_001034)
        );
        assert_eq!(iso("2025-06-09T09:42:30Z"), Some(T_2025_06_09_094230));
        assert_eq!(iso("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(iso("1969-12-31T23:59:59.999999Z"), Some(-1));
        assert_eq!(iso("0001-01-01T00:00:00Z"), Some(T_0001_01_01));
        assert_eq!(
            iso("9999-12-31T23:59:59.999999Z"),
            Some(T_9999_12_31_235959_999999)
        );
        assert_eq!(iso("2000-02-29T12:00:00Z"), Some(T_2000_02_29_12));
        assert_eq!(iso("1600-01-01T00:00:00Z"), Some(T_1600_01_01));
        // Python: 2024-02-29T23:59:59.123456+02:00 and 1900-03-01T05:30:00-05:30.
        assert_eq!(
            iso("2024-02-29T23:59:59.123456+02:00"),
            Some(1_709_243_999_123_456)
        );
        assert_eq!(
            iso("1900-03-01T05:30:00-05:30"),
            Some(-2_203_851_600_000_000)
        );
    }

    #[test]
    fn iso_fraction_lengths() {
        let base = T_2025_06_09_094230;
        assert_eq!(iso("2025-06-09T09:42:30Z"), Some(base));
        assert_eq!(iso("2025-06-09T09:42:30.1Z"), Some(base + 100_000));
        assert_eq!(iso("2025-06-09T09:42:30.12Z"), Some(base + 120_000));
        assert_eq!(iso("2025-06-09T09:42:30.123Z"), Some(base + 123_000));
        assert_eq!(iso("2025-06-09T09:42:30.123456Z"), Some(base + 123_456));
        assert_eq!(iso("2025-06-09T09:42:30.1234567Z"), Some(base + 123_456));
        // Truncated, not rounded: .9999999 stays in the same microsecond.
        assert_eq!(iso("2025-06-09T09:42:30.999999999Z"), Some(base + 999_999));
        assert_eq!(iso("2025-06-09T09:42:30.000000001Z"), Some(base));
        assert_eq!(
            iso("2025-06-09T09:42:30.123456789+00:00"),
            Some(base + 123_456)
        );
        assert_eq!(iso("2025-06-09T09:42:30.0000000000Z"), None);
        assert_eq!(iso("2025-06-09T09:42:30.1234567890Z"), None);
        assert_eq!(iso("2025-06-09T09:42:30.Z"), None);
        assert_eq!(iso("2025-06-09T09:42:30."), None);
        assert_eq!(iso("2025-06-09T09:42:30.+02:00"), None);
        assert_eq!(iso("2025-06-09T09:42:30,123Z"), None);
        assert_eq!(iso("2025-06-09T09:42:30.12a3Z"), None);
    }

    #[test]
    fn iso_zones() {
        let base = T_2025_06_09_094230;
        assert_eq!(iso("2025-06-09T09:42:30Z"), Some(base));
        assert_eq!(iso("2025-06-09T09:42:30+00:00"), Some(base));
        assert_eq!(iso("2025-06-09T09:42:30-00:00"), Some(base));
        assert_eq!(iso("2025-06-09T11:42:30+02:00"), Some(base));
        assert_eq!(iso("2025-06-09T11:42:30+0200"), Some(base));
        assert_eq!(iso("2025-06-09T04:12:30-05:30"), Some(base));
        assert_eq!(iso("2025-06-09T04:12:30-0530"), Some(base));
        assert_eq!(iso("2025-06-10T09:41:30+23:59"), Some(base));
        assert_eq!(iso("2025-06-08T09:43:30-23:59"), Some(base));
        assert_eq!(iso("2025-06-09T09:42:30+24:00"), None);
        assert_eq!(iso("2025-06-09T09:42:30+02:60"), None);
        assert_eq!(iso("2025-06-09T09:42:30+02"), None);
        assert_eq!(iso("2025-06-09T09:42:30+2:00"), None);
        assert_eq!(iso("2025-06-09T09:42:30+02:0"), None);
        assert_eq!(iso("2025-06-09T09:42:30+020"), None);
        assert_eq!(iso("2025-06-09T09:42:30+02000"), None);
        assert_eq!(iso("2025-06-09T09:42:30+02-00"), None);
        assert_eq!(iso("2025-06-09T09:42:30 +02:00"), None);
        for sign in ["~", "*", "_", ",", "/", "0", " ", "Z", "\u{2212}"] {
            assert_eq!(
                iso(&format!("2025-06-09T09:42:30{sign}02:00")),
                None,
                "{sign:?}"
            );
            assert_eq!(
                iso(&format!("2025-06-09T09:42:30{sign}0200")),
                None,
                "{sign:?}"
            );
            assert_eq!(
                iso(&format!("2025-06-09T09:42:30.5{sign}0200")),
                None,
                "{sign:?}"
            );
        }
        assert_eq!(iso("2025-06-09T09:42:30+02;00"), None);
        assert_eq!(iso("2025-06-09T09:42:30+0a:00"), None);
        assert_eq!(iso("2025-06-09T09:42:30+020a"), None);
        assert_eq!(iso("2025-06-09T09:42:30z"), None);
        assert_eq!(iso("2025-06-09t09:42:30Z"), None);
        assert_eq!(iso("2025-06-09 09:42:30Z"), None);
        // A timezone is mandatory.
        assert_eq!(iso("2025-06-09T09:42:30"), None);
        assert_eq!(iso("2025-06-09T09:42:30.123"), None);
        // Offsets may push the instant outside 0001..9999 UTC; that is still a valid instant.
        assert_eq!(
            iso("0001-01-01T00:00:00+01:00"),
            Some(T_0001_01_01 - 3600 * US_PER_SEC)
        );
        assert_eq!(
            iso("9999-12-31T23:59:59.999999-01:00"),
            Some(T_9999_12_31_235959_999999 + 3600 * US_PER_SEC)
        );
    }

    #[test]
    fn iso_calendar_validation() {
        assert!(iso("2024-02-29T00:00:00Z").is_some());
        assert!(iso("2000-02-29T00:00:00Z").is_some());
        assert_eq!(iso("2023-02-29T00:00:00Z"), None);
        assert_eq!(iso("1900-02-29T00:00:00Z"), None);
        assert_eq!(iso("2024-02-30T00:00:00Z"), None);
        for m in ["04", "06", "09", "11"] {
            assert!(iso(&format!("2025-{m}-30T00:00:00Z")).is_some(), "{m}-30");
            assert_eq!(iso(&format!("2025-{m}-31T00:00:00Z")), None, "{m}-31");
        }
        for m in ["01", "03", "05", "07", "08", "10", "12"] {
            assert!(iso(&format!("2025-{m}-31T00:00:00Z")).is_some(), "{m}-31");
        }
        assert_eq!(iso("2025-06-00T00:00:00Z"), None);
        assert_eq!(iso("2025-00-09T00:00:00Z"), None);
        assert_eq!(iso("2025-13-09T00:00:00Z"), None);
        assert_eq!(iso("0000-01-01T00:00:00Z"), None);
        assert!(iso("2025-06-09T23:59:59Z").is_some());
        assert_eq!(iso("2025-06-09T24:00:00Z"), None);
        assert_eq!(iso("2025-06-09T23:60:00Z"), None);
        assert_eq!(iso("2025-06-09T23:59:60Z"), None);
    }

    #[test]
    fn iso_malformed_and_truncated() {
        let full = "2025-06-09T09:42:40.001034+02:00";
        assert!(iso(full).is_some());
        for i in 0..full.len() {
            let prefix = &full[..i];
            // The zone is mandatory and must be complete, so no proper prefix is a timestamp.
            assert_eq!(iso(prefix), None, "prefix {prefix:?}");
        }
        assert_eq!(iso(""), None);
        assert_eq!(iso("Z"), None);
        assert_eq!(iso("2025-06-09T09:42:40Z "), None);
        assert_eq!(iso("2025-06-09T09:42:40ZZ"), None);
        assert_eq!(iso("2025-06-09T09:42:40+02:00x"), None);
        assert_eq!(iso("2025-06-09T09:42:40+0200\n"), None);
        assert_eq!(iso(" 2025-06-09T09:42:40Z"), None);
        assert_eq!(iso("+2025-06-09T09:42:40Z"), None);
        assert_eq!(iso("20250-06-09T09:42:40Z"), None);
        assert_eq!(iso("2025-6-09T09:42:40Z"), None);
        assert_eq!(iso("2025/06/09T09:42:40Z"), None);
        assert_eq!(iso("2025-06-09T09-42-40Z"), None);
        assert_eq!(iso("2025-06-09T9:42:40Z"), None);
        assert_eq!(iso("2025-06-09T09:42Z"), None);
        assert_eq!(iso("2O25-06-09T09:42:40Z"), None);
        assert_eq!(iso("2025-06-09T09:42:4/Z"), None);
        assert_eq!(iso("2025-06-09T09:42:40.001034\u{e9}Z"), None);
        assert_eq!(parse_iso8601(b"2025-06-09T09:42:40\xffZ"), None);
    }

    #[test]
    fn iso_matches_reference_parser_on_mutations() {
        let seeds: [&[u8]; 6] = [
            b"2025-06-09T09:42:40.001034Z",
            b"2024-02-29T23:59:59+02:00",
            b"1900-02-28T00:00:00.123456789-0530",
            b"0001-01-01T00:00:00Z",
            b"9999-12-31T23:59:59.9-23:59",
            b"2000-11-30T12:30:45.12+0000",
        ];
        let alphabet = b"0123456789-:T.Z+ tz/\xff\x00";
        let mut state: u64 = 0x1234_5678_9ABC_DEF1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut accepted = 0;
        for i in 0..300_000u64 {
            let mut s = seeds[(i % seeds.len() as u64) as usize].to_vec();
            for _ in 0..=(next() % 3) {
                let r = next();
                let pos = (r >> 8) as usize % (s.len() + 1);
                let byte = alphabet[(r >> 40) as usize % alphabet.len()];
                match r % 4 {
                    0 if pos < s.len() => s[pos] = byte,
                    1 => s.insert(pos, byte),
                    2 if pos < s.len() => {
                        s.remove(pos);
                    }
                    _ => s.truncate(pos),
                }
            }
            let got = parse_iso8601(&s);
            assert_eq!(
                got,
                reference_parse_iso8601(&s),
                "{:?}",
                String::from_utf8_lossy(&s)
            );
            accepted += usize::from(got.is_some());
        }
        // The mutations must exercise both outcomes, or the comparison proves little.
        assert!(accepted > 10_000, "only {accepted} accepted");
    }

    #[test]
    fn clf_valid() {
        assert_eq!(clf("10/Oct/2000:13:55:36 -0700"), Some(971_211_336_000_000));
        assert_eq!(clf("09/Jun/2025:09:42:30 +0000"), Some(T_2025_06_09_094230));
        assert_eq!(clf("09/Jun/2025:11:42:30 +0200"), Some(T_2025_06_09_094230));
        assert_eq!(clf("09/Jun/2025:04:12:30 -0530"), Some(T_2025_06_09_094230));
        assert_eq!(clf("29/Feb/2000:12:00:00 +0000"), Some(T_2000_02_29_12));
        assert_eq!(clf("01/Jan/0001:00:00:00 +0000"), Some(T_0001_01_01));
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        for (i, m) in months.iter().enumerate() {
            let want = iso(&format!("2025-{:02}-15T08:00:00Z", i + 1));
            assert!(want.is_some());
            assert_eq!(clf(&format!("15/{m}/2025:08:00:00 +0000")), want, "{m}");
        }
    }

    #[test]
    fn clf_invalid() {
        assert_eq!(clf(""), None);
        assert_eq!(clf("10/oct/2000:13:55:36 -0700"), None);
        assert_eq!(clf("10/OCT/2000:13:55:36 -0700"), None);
        assert_eq!(clf("10/Okt/2000:13:55:36 -0700"), None);
        for m in [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ] {
            for wrong in [m.to_lowercase(), m.to_uppercase()] {
                assert_eq!(
                    clf(&format!("10/{wrong}/2000:13:55:36 -0700")),
                    None,
                    "{wrong}"
                );
            }
        }
        assert_eq!(clf("10/Oct/2000:13:55:36 ~0700"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36 *0700"), None);
        assert_eq!(clf("10/October/2000:13:55:36 -0700"), None);
        assert_eq!(clf("1/Oct/2000:13:55:36 -0700"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36  -0700"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36-0700"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36 -07:00"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36 0700"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36 -070"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36 -2400"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36 -0760"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36 -0700 "), None);
        assert_eq!(clf("[10/Oct/2000:13:55:36 -0700]"), None);
        assert_eq!(clf("10/Oct/2000 13:55:36 -0700"), None);
        assert_eq!(clf("31/Sep/2000:13:55:36 -0700"), None);
        assert_eq!(clf("29/Feb/2023:13:55:36 -0700"), None);
        assert_eq!(clf("00/Oct/2000:13:55:36 -0700"), None);
        assert_eq!(clf("10/Oct/0000:13:55:36 -0700"), None);
        assert_eq!(clf("10/Oct/2000:24:55:36 -0700"), None);
        assert_eq!(clf("10/Oct/2000:13:60:36 -0700"), None);
        assert_eq!(clf("10/Oct/2000:13:55:60 -0700"), None);
        assert_eq!(clf("10/Oct/2000:13:55:36.123 -0700"), None);
        let full = "10/Oct/2000:13:55:36 -0700";
        for i in 0..full.len() {
            assert_eq!(clf(&full[..i]), None, "prefix {i}");
        }
    }

    #[test]
    fn epoch_ms_f64_bounds() {
        assert_eq!(epoch_ms_f64_to_us(0.0), Some(0));
        assert_eq!(epoch_ms_f64_to_us(-0.0), Some(0));
        assert_eq!(
            epoch_ms_f64_to_us(1_749_462_160_001.0),
            Some(1_749_462_160_001_000)
        );
        assert_eq!(epoch_ms_f64_to_us(1.5), Some(1500));
        assert_eq!(epoch_ms_f64_to_us(1.0009), Some(1000));
        assert_eq!(epoch_ms_f64_to_us(0.0019), Some(1));
        assert_eq!(epoch_ms_f64_to_us(0.0009), Some(0));
        assert_eq!(
            epoch_ms_f64_to_us(1_749_462_160_001.034),
            Some(1_749_462_160_001_034)
        );
        assert_eq!(
            epoch_ms_f64_to_us(253_402_300_799_999.0),
            Some(253_402_300_799_999_000)
        );
        assert_eq!(
            epoch_ms_f64_to_us(253_402_300_799_999.5),
            Some(253_402_300_799_999_488)
        );
        assert_eq!(epoch_ms_f64_to_us(253_402_300_800_000.0), None);
        assert_eq!(epoch_ms_f64_to_us(253_402_300_800_000.1), None);
        assert_eq!(epoch_ms_f64_to_us(0.29), Some(290));
        assert_eq!(epoch_ms_f64_to_us(5e-324), Some(0));
        assert_eq!(epoch_ms_f64_to_us(1e300), None);
        assert_eq!(epoch_ms_f64_to_us(-1.0), None);
        assert_eq!(epoch_ms_f64_to_us(-0.5), None);
        assert_eq!(epoch_ms_f64_to_us(-1e-300), None);
        assert_eq!(epoch_ms_f64_to_us(f64::NAN), None);
        assert_eq!(epoch_ms_f64_to_us(f64::INFINITY), None);
        assert_eq!(epoch_ms_f64_to_us(f64::NEG_INFINITY), None);
    }

    #[test]
    fn epoch_ms_digits_bounds() {
        let d = |s: &str| epoch_ms_digits_to_us(s.as_bytes());
        assert_eq!(d("0"), Some(0));
        assert_eq!(d("7"), Some(7000));
        assert_eq!(d("1749462160001"), Some(1_749_462_160_001_000));
        assert_eq!(d("0000001749462160"), Some(1_749_462_160_000));
        assert_eq!(d("253402300799999"), Some(253_402_300_799_999_000));
        assert_eq!(d("253402300800000"), None);
        assert_eq!(d("9999999999999999"), None);
        assert_eq!(d("00000000000000001"), None); // 17 digits
        assert_eq!(d(""), None);
        assert_eq!(d("-1"), None);
        assert_eq!(d("+1"), None);
        assert_eq!(d("1.5"), None);
        assert_eq!(d(" 1"), None);
        assert_eq!(d("1 "), None);
        assert_eq!(d("1e3"), None);
        assert_eq!(d("12a"), None);
    }

    #[test]
    fn writers_known_values() {
        assert_eq!(
            micros_str(T_2025_06_09_094240_001034),
            "2025-06-09T09:42:40.001034Z"
        );
        assert_eq!(
            millis_str(T_2025_06_09_094240_001034),
            "2025-06-09T09:42:40.001Z"
        );
        assert_eq!(millis_str(T_2025_06_09_094230), "2025-06-09T09:42:30.000Z");
        assert_eq!(micros_str(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(micros_str(-1), "1969-12-31T23:59:59.999999Z");
        assert_eq!(millis_str(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(millis_str(-1000), "1969-12-31T23:59:59.999Z");
        assert_eq!(millis_str(-1001), "1969-12-31T23:59:59.998Z");
        assert_eq!(millis_str(1999), "1970-01-01T00:00:00.001Z");
        assert_eq!(micros_str(T_0001_01_01), "0001-01-01T00:00:00.000000Z");
        assert_eq!(
            micros_str(T_9999_12_31_235959_999999),
            "9999-12-31T23:59:59.999999Z"
        );
        assert_eq!(
            millis_str(T_9999_12_31_235959_999999),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(micros_str(T_2000_02_29_12), "2000-02-29T12:00:00.000000Z");
        assert_eq!(micros_str(T_1600_01_01), "1600-01-01T00:00:00.000000Z");
        // Outside four-digit years the JS `toISOString` expanded-year form is used.
        const T_0000_01_01: i64 = -62_167_219_200_000_000;
        assert_eq!(micros_str(T_0000_01_01), "0000-01-01T00:00:00.000000Z");
        assert_eq!(
            micros_str(T_0000_01_01 - 1),
            "-000001-12-31T23:59:59.999999Z"
        );
        assert_eq!(millis_str(T_0000_01_01 - 1), "-000001-12-31T23:59:59.999Z");
        assert_eq!(micros_str(T_0001_01_01 - 1), "0000-12-31T23:59:59.999999Z");
        assert_eq!(
            micros_str(T_9999_12_31_235959_999999 + 1),
            "+010000-01-01T00:00:00.000000Z"
        );
        assert_eq!(
            millis_str(T_0001_01_01 - 366 * US_PER_DAY - 1),
            "-000001-12-31T23:59:59.999Z"
        );
        // Appends, never clears.
        let mut v = b"x".to_vec();
        write_iso_millis(0, &mut v);
        assert_eq!(v, b"x1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn writers_extreme_inputs_do_not_panic() {
        for us in [
            i64::MIN,
            i64::MIN + 1,
            i64::MAX,
            i64::MAX - 1,
            -US_PER_DAY * 400 * 365,
        ] {
            let s = micros_str(us);
            assert!(s.ends_with('Z') && s.len() <= 30, "{s}");
            let s = millis_str(us);
            assert!(s.ends_with('Z') && s.len() <= 27, "{s}");
        }
        assert_eq!(micros_str(i64::MAX), "+294247-01-10T04:00:54.775807Z");
        assert_eq!(micros_str(i64::MIN), "-290308-12-21T19:59:05.224192Z");
    }

    #[test]
    fn writers_round_trip_spread() {
        let values = [
            T_0001_01_01,
            T_0001_01_01 + 1,
            T_1600_01_01 - 1,
            -US_PER_DAY - 1,
            -1_000_001,
            -1,
            0,
            1,
            999_999,
            T_2000_02_29_12,
            T_2025_06_09_094240_001034,
            T_9999_12_31_235959_999999 - 1,
            T_9999_12_31_235959_999999,
        ];
        for us in values {
            let s = micros_str(us);
            assert_eq!(iso(&s), Some(us), "{s}");
            let m = millis_str(us);
            assert_eq!(iso(&m), Some(us.div_euclid(1000) * 1000), "{m}");
        }
    }

    #[test]
    fn randomized_round_trip() {
        // xorshift64*: deterministic, no dependencies.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        };
        let lo = T_0001_01_01;
        let span = (T_9999_12_31_235959_999999 - lo + 1) as u64;
        let mut buf = Vec::with_capacity(32);
        for i in 0..200_000u32 {
            let r = next();
            // Mix uniform instants with values near 1970 so both signs and small magnitudes get coverage.
            let us = if i % 4 == 0 {
                (r as i64) >> 20
            } else {
                lo + (r % span) as i64
            };
            buf.clear();
            write_iso_micros(us, &mut buf);
            assert_eq!(
                parse_iso8601(&buf),
                Some(us),
                "{}",
                String::from_utf8_lossy(&buf)
            );
            // A shifted zone must denote the same instant.
            let offset_min = (next() % (24 * 60)) as i64;
            let shifted = us + offset_min * 60 * US_PER_SEC;
            if shifted <= T_9999_12_31_235959_999999 {
                buf.clear();
                write_iso_micros(shifted, &mut buf);
                buf.pop();
                buf.extend_from_slice(
                    format!("+{:02}:{:02}", offset_min / 60, offset_min % 60).as_bytes(),
                );
                assert_eq!(
                    parse_iso8601(&buf),
                    Some(us),
                    "{}",
                    String::from_utf8_lossy(&buf)
                );
            }
            buf.clear();
            write_iso_millis(us, &mut buf);
            assert_eq!(parse_iso8601(&buf), Some(us.div_euclid(1000) * 1000));
        }
    }

    #[test]
    fn civil_conversion_matches_day_by_day_walk() {
        // Independent oracle: step a naive calendar one day at a time over the whole 0001..=9999 range.
        let (mut y, mut m, mut d) = (1u32, 1u32, 1u32);
        let mut days = days_from_civil(1, 1, 1);
        assert_eq!(days * US_PER_DAY, T_0001_01_01);
        loop {
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
            assert_eq!(civil_from_days(days), (i64::from(y), m, d));
            let era_days = u32::try_from(days + 719_468 + 146_097).expect("positive");
            assert_eq!(civil_from_era_days(era_days), (y + 400, m, d));
            if (y, m, d) == (1970, 1, 1) {
                assert_eq!(days, 0);
            }
            if (y, m, d) == (9999, 12, 31) {
                break;
            }
            // Month lengths written out from the Gregorian rule, independent of `days_in_month`.
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let month_len = match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            assert_eq!(days_in_month(y, m), month_len, "{y}-{m}");
            days += 1;
            d += 1;
            if d > month_len {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
        assert_eq!((days + 1) * US_PER_DAY, EPOCH_MS_LIMIT * 1000);
    }

    #[test]
    fn no_panic_on_arbitrary_bytes() {
        let mut state: u64 = 12345;
        let alphabet = b"0123456789-:T.Z+/ JanOctz\xff";
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 40) as usize;
            let mut s = Vec::with_capacity(len);
            let mut x = state;
            for _ in 0..len {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            let _ = parse_iso8601(&s);
            let _ = parse_clf_time(&s);
            let _ = epoch_ms_digits_to_us(&s);
        }
    }

    /// Best-of-many nanoseconds per call of `f` over `inputs`. Each run is short (~1 ms) and only the
    /// fastest counts, so preemption on a shared machine does not inflate the number.
    use crate::timing::best_ns_per_call;

    /// `cargo test --release -- --ignored --nocapture --test-threads=1 timing` prints ns per call.
    #[test]
    #[ignore]
    fn timing_parse_iso8601() {
        // Distinct instants (so nothing is predictable from the value) in the four common shapes.
        let inputs: Vec<Vec<u8>> = (0..1024u64)
            .map(|i| {
                let us = 1_749_462_160_001_034 + (i as i64) * 7_919_001_013;
                let mut v = Vec::new();
                write_iso_micros(us, &mut v);
                match i % 4 {
                    0 => {}
                    1 => {
                        v.truncate(23);
                        v.push(b'Z');
                    }
                    2 => {
                        v.truncate(19);
                        v.extend_from_slice(b"+02:00");
                    }
                    _ => {
                        v.truncate(26);
                        v.extend_from_slice(b"-0530");
                    }
                }
                v
            })
            .collect();
        assert!(inputs.iter().all(|s| parse_iso8601(s).is_some()));
        let harness = best_ns_per_call(&inputs, |s| i64::from(s.get(19).copied().unwrap_or(0)));
        println!("harness only (load one byte): {harness:.2} ns/call");
        let mixed = best_ns_per_call(&inputs, |s| parse_iso8601(s).unwrap_or(0));
        println!("parse_iso8601, 4 shapes interleaved: {mixed:.2} ns/parse");
        for shape in 0..4 {
            let one: Vec<&Vec<u8>> = inputs.iter().skip(shape).step_by(4).collect();
            let ns = best_ns_per_call(&one, |s| parse_iso8601(s).unwrap_or(0));
            println!(
                "parse_iso8601, only {}: {ns:.2} ns/parse",
                String::from_utf8_lossy(one[0])
            );
        }
        let clf_inputs: Vec<&[u8]> = [
            &b"10/Oct/2000:13:55:36 -0700"[..],
            b"09/Jun/2025:09:42:30 +0000",
            b"31/Dec/1999:23:59:59 +0100",
            b"29/Feb/2024:00:00:01 -1130",
        ]
        .into_iter()
        .cycle()
        .take(1024)
        .collect();
        let clf_ns = best_ns_per_call(&clf_inputs, |s| parse_clf_time(s).unwrap_or(0));
        println!("parse_clf_time: {clf_ns:.2} ns/parse");
        let instants: Vec<i64> = (0..1024)
            .map(|i| 1_749_462_160_001_034 + i * 7_919_001_013)
            .collect();
        let mut out = Vec::with_capacity(64);
        let w = best_ns_per_call(&instants, |&us| {
            out.clear();
            write_iso_micros(us, &mut out);
            out.len() as i64
        });
        println!("write_iso_micros: {w:.2} ns/write");
    }
}
