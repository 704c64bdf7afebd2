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
 * far less than a day, so the time of day is unambiguous.
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
      const startUs = d.baseUs + Math.floor(id / d.linesPerWindow) * WINDOW_US;
      out.set(`${new Date(startUs / 1000).toISOString().slice(11, 19)}|${status}`, id);
    }
  }
  return out;
}

/** `ALERT errors_per_status window 09:42:30–09:43:00 status=500 value=101 > 100` → `09:42:30|500`. */
export function alertKeyOfConsoleLine(line: string): string | null {
  const m = /^ALERT errors_per_status window (\d\d:\d\d:\d\d)\S* status=(\d+) /.exec(line);
  return m ? `${m[1]}|${m[2]}` : null;
}
