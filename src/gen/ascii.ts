// Byte-level formatting for the generator's hot path: integers and timestamps written straight into a Buffer,
// without strings or Date objects, so a line costs a few hundred nanoseconds (SPEC §6: >= 1 M lines/s).

/** "00".."99" as byte pairs: two digits per lookup. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 0x30 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 0x30 + (i % 10);
}

/** 0..255 in decimal, per octet: [length, d0, d1, d2]. */
const OCTETS = new Uint8Array(256 * 4);
for (let i = 0; i < 256; i++) {
  const s = String(i);
  OCTETS[4 * i] = s.length;
  for (let j = 0; j < s.length; j++) OCTETS[4 * i + 1 + j] = s.charCodeAt(j);
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/** Copies a precomputed segment. `set` is a memmove, ~3× a byte loop at 40 bytes; the loop wins below ~16. */
export function writeBytes(buf: Uint8Array, pos: number, src: Uint8Array): number {
  const n = src.length;
  if (n >= 16) buf.set(src, pos);
  else for (let i = 0; i < n; i++) buf[pos + i] = src[i]!;
  return pos + n;
}

/** Decimal of an integer 0 <= n < 2^53, no leading zeros. */
export function writeUint(buf: Uint8Array, pos: number, n: number): number {
  let len = 1;
  for (let p = 10; p <= n && len < 16; p *= 10) len++;
  let at = pos + len;
  while (n >= 100) {
    const q = Math.floor(n / 100);
    const r = (n - q * 100) * 2;
    buf[--at] = PAIRS[r + 1]!;
    buf[--at] = PAIRS[r]!;
    n = q;
  }
  if (n >= 10) {
    buf[--at] = PAIRS[2 * n + 1]!;
    buf[--at] = PAIRS[2 * n]!;
  } else {
    buf[--at] = 0x30 + n;
  }
  return pos + len;
}

/** A 32-bit IPv4 address as a dotted quad, high octet first. */
export function writeIpv4(buf: Uint8Array, pos: number, ip: number): number {
  pos = writeOctet(buf, pos, ip >>> 24);
  buf[pos++] = 0x2e;
  pos = writeOctet(buf, pos, (ip >>> 16) & 0xff);
  buf[pos++] = 0x2e;
  pos = writeOctet(buf, pos, (ip >>> 8) & 0xff);
  buf[pos++] = 0x2e;
  return writeOctet(buf, pos, ip & 0xff);
}

function writeOctet(buf: Uint8Array, pos: number, o: number): number {
  const at = 4 * o;
  const len = OCTETS[at]!;
  buf[pos] = OCTETS[at + 1]!;
  if (len > 1) buf[pos + 1] = OCTETS[at + 2]!;
  if (len > 2) buf[pos + 2] = OCTETS[at + 3]!;
  return pos + len;
}

/** `.ffffff` (Python's isoformat), or nothing when the microsecond is 0 — isoformat() drops it then too. */
export function writeFraction(buf: Uint8Array, pos: number, micros: number): number {
  if (micros === 0) return pos;
  buf[pos] = 0x2e;
  const hi = Math.floor(micros / 10000);
  const rest = micros - hi * 10000;
  const mid = Math.floor(rest / 100);
  const lo = rest - mid * 100;
  buf[pos + 1] = PAIRS[2 * hi]!;
  buf[pos + 2] = PAIRS[2 * hi + 1]!;
  buf[pos + 3] = PAIRS[2 * mid]!;
  buf[pos + 4] = PAIRS[2 * mid + 1]!;
  buf[pos + 5] = PAIRS[2 * lo]!;
  buf[pos + 6] = PAIRS[2 * lo + 1]!;
  return pos + 7;
}

/**
 * The second-resolution parts of both timestamp shapes, recomputed only when the second changes (every line
 * of the same second shares them; only the fraction differs).
 */
export class SecondPrefix {
  /** Unix seconds the prefixes describe. */
  second = Number.NaN;
  /** `YYYY-MM-DDTHH:MM:SS` */
  readonly iso = new Uint8Array(19);
  /** `dd/Mon/yyyy:HH:MM:SS` */
  readonly clf = new Uint8Array(20);

  set(second: number): void {
    this.second = second;
    const days = Math.floor(second / 86400);
    let s = second - days * 86400;
    const hh = Math.floor(s / 3600);
    s -= hh * 3600;
    const mm = Math.floor(s / 60);
    const ss = s - mm * 60;
    const { y, m, d } = civilFromDays(days);
    const iso = this.iso;
    put2(iso, 0, Math.floor(y / 100));
    put2(iso, 2, y % 100);
    iso[4] = 0x2d;
    put2(iso, 5, m);
    iso[7] = 0x2d;
    put2(iso, 8, d);
    iso[10] = 0x54; // T
    put2(iso, 11, hh);
    iso[13] = 0x3a;
    put2(iso, 14, mm);
    iso[16] = 0x3a;
    put2(iso, 17, ss);
    const clf = this.clf;
    put2(clf, 0, d);
    clf[2] = 0x2f;
    for (let i = 0; i < 3; i++) clf[3 + i] = MONTHS.charCodeAt(3 * (m - 1) + i);
    clf[6] = 0x2f;
    put2(clf, 7, Math.floor(y / 100));
    put2(clf, 9, y % 100);
    clf[11] = 0x3a;
    for (let i = 0; i < 8; i++) clf[12 + i] = iso[11 + i]!; // HH:MM:SS
  }
}

function put2(buf: Uint8Array, at: number, n: number): void {
  buf[at] = PAIRS[2 * n]!;
  buf[at + 1] = PAIRS[2 * n + 1]!;
}

/** Proleptic Gregorian date of a day number since 1970-01-01 (H. Hinnant's `civil_from_days`). */
export function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}
