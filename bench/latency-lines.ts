// The lines of the latency scenario, shared by the driver (which writes them) and the scenario (which knows from
// a line's id what the daemon must do with it). Every line carries `"id": N` (an extra JSON field: kept, and
// error records are written verbatim, so the id comes back in errors/).
//
// Event time is not the wall clock: each 30 s window gets exactly `linesPerWindow` lines, so windows (and alerts)
// come at a known pace whatever the rate. In each window, every 5th line is an error, alternately 500 and 503, so
// each of those statuses gets linesPerWindow / 10 errors, and the 101st of each crosses the default
// `errors_per_status` threshold of 100: the driver knows exactly which line must raise which alert.
import { isoUs } from './seed-lines.js';

export const WINDOW_US = 30_000_000;
/** The default `pipeline.watermark` (10 s): a window closes once every stream has seen event time >= its end + this. */
export const WATERMARK_US = 10_000_000;
export const ALERT_THRESHOLD = 100;
const ERROR_EVERY = 5;
const ERROR_STATUSES = [500, 503] as const;

export interface LineDesign {
  linesPerWindow: number;
  /** Event time of the first window's start (µs, aligned to 30 s); hours in the past, never `future`. */
  baseUs: number;
}

/**
 * A window per ~0.12 s of sending at high rates, per 1.2 s at 1,000 lines/s; never fewer lines than an alert
 * needs. Event time starts far enough in the past that the last of `lines` lines is still 10 min behind the
 * wall clock (never rejected as `future`, however long the run).
 */
export function lineDesign(rate: number, lines: number, wallNowMs: number): LineDesign {
  const linesPerWindow = Math.max(1200, Math.round((rate * 0.12) / 100) * 100);
  const spanUs = Math.ceil(lines / linesPerWindow) * WINDOW_US;
  const startUs = (wallNowMs - 600_000) * 1000 - spanUs;
  return { linesPerWindow, baseUs: Math.floor(startUs / WINDOW_US) * WINDOW_US };
}

export function statusOf(d: LineDesign, id: number): number {
  const j = id % d.linesPerWindow;
  return j % ERROR_EVERY === 0 ? ERROR_STATUSES[(j / ERROR_EVERY) % ERROR_STATUSES.length]! : 200;
}

export function eventUsOf(d: LineDesign, id: number): number {
  const w = Math.floor(id / d.linesPerWindow);
  const j = id % d.linesPerWindow;
  return d.baseUs + w * WINDOW_US + Math.floor((j * WINDOW_US) / d.linesPerWindow);
}

export function lineOf(d: LineDesign, id: number): string {
  const ip = `10.${(id >>> 16) & 255}.${(id >>> 8) & 255}.${id & 255}`;
  return `{"timestamp": "${isoUs(eventUsOf(d, id))}", "ip": "${ip}", "method": "GET", "url": "/resource/${1 + (id % 100)}", "status": ${statusOf(d, id)}, "id": ${id}}\n`;
}

/**
 * Every (window, status) threshold crossing among the first `sent` lines: the id of the line that crosses it,
 * keyed as the console's alert line names it (`HH:MM:SS` of the window start, and the status). Event time spans
 * far less than a day, so the time of day is unambiguous. With several input streams (Kafka partitions) the
 * daemon may count the errors in another order than they were written, but it cannot have 101 of them before
 * the 101st was written: latency from that line is never negative and is what an operator would see.
 */
export function alertTriggers(d: LineDesign, sent: number): Map<string, number> {
  const out = new Map<string, number>();
  const counts = new Map<number, number>();
  for (let id = 0; id < sent; id++) {
    const j = id % d.linesPerWindow;
    if (j === 0) counts.clear();
    const status = statusOf(d, id);
    if (status < 400) continue;
    const n = (counts.get(status) ?? 0) + 1;
    counts.set(status, n);
    if (n === ALERT_THRESHOLD + 1) {
      out.set(`${windowKey(d.baseUs + Math.floor(id / d.linesPerWindow) * WINDOW_US)}|${status}`, id);
    }
  }
  return out;
}

/** `HH:MM:SS` of a window start, the key alerts and window rows share. */
const windowKey = (startUs: number): string => new Date(startUs / 1000).toISOString().slice(11, 19);

/** The first id in [0, sent) whose event time is >= `us`, or `sent` (event time grows with the id). */
function firstIdAtOrAfter(d: LineDesign, sent: number, us: number): number {
  let lo = 0;
  let hi = sent;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (eventUsOf(d, mid) >= us) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Every window the first `sent` lines close, keyed as `alertTriggers`: the id of the line after which the
 * effective watermark (SPEC §3: the minimum over streams of max event time − 10 s) reaches the window's end.
 * `streamOf(id)` is the input stream of a line (a Kafka partition; one stream for stdin and one TCP connection).
 * The window's row cannot exist before that line is written, so that is where its latency starts.
 */
export function windowClosers(d: LineDesign, sent: number, streams: number, streamOf: (id: number) => number): Map<string, number> {
  const out = new Map<string, number>();
  const windows = Math.ceil(sent / d.linesPerWindow);
  for (let w = 0; w < windows; w++) {
    const startUs = d.baseUs + w * WINDOW_US;
    let id = firstIdAtOrAfter(d, sent, startUs + WINDOW_US + WATERMARK_US);
    // From there, the line after which every stream has seen such a line.
    const seen = new Set<number>();
    for (; id < sent; id++) {
      seen.add(streamOf(id));
      if (seen.size === streams) break;
    }
    if (id < sent) out.set(windowKey(startUs), id);
  }
  return out;
}

/** `2026-12-06T09:42:30.000Z` → `09:42:30`: the key of an alert's or a window row's window. */
export const windowKeyOfIso = (iso: string): string => iso.slice(11, 19);

/** `ALERT errors_per_status window 09:42:30–09:43:00 status=500 value=101 > 100` → `09:42:30|500`. */
export function alertKeyOfConsoleLine(line: string): string | null {
  const m = /^ALERT errors_per_status window (\d\d:\d\d:\d\d)\S* status=(\d+) /.exec(line);
  return m ? `${m[1]}|${m[2]}` : null;
}
