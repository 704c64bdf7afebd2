// The human console of SPEC §4: every `console.every` a compact table of the windows updated since the last
// tick, and one line per alert as it fires. Colours only on a terminal (and never with NO_COLOR set), so a
// redirected stdout stays plain text.
import type { AlertRuleType } from '../config/types.js';
import { LogpulseError } from '../errors.js';
import type { Alert, WindowRow } from '../pipeline/output-port.js';

/** What the console writes to; `process.stdout` by default. */
export interface ConsoleStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ConsoleTableOptions {
  /** Default `process.stdout`. */
  stream?: ConsoleStream;
  /** Default 10000 (`console.every`). */
  everyMs?: number;
  /** Force colours on or off; default: on when the stream is a TTY and `NO_COLOR` is unset. */
  color?: boolean;
}

export interface RenderOptions {
  color?: boolean;
  /** Error statuses shown per window, most frequent first. Default 5. */
  topStatuses?: number;
}

const ANSI = { bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', reset: '\x1b[0m' };

/** `HH:MM:SS` of a µs timestamp, UTC. */
function hms(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().slice(11, 19);
}

/** `12.34` for 12.34 %; 0 requests give `0.00`. */
function percent(part: number, whole: number): string {
  return whole > 0 ? ((part * 100) / whole).toFixed(2) : '0.00';
}

/** `404:12 500:7`: the most frequent error statuses first (ties: lower status first), `-` when none. */
function topStatuses(statuses: WindowRow['statuses'], n: number): string {
  const top = [...statuses].sort((a, b) => b.count - a.count || a.status - b.status).slice(0, n);
  return top.length === 0 ? '-' : top.map((s) => `${s.status}:${s.count}`).join(' ');
}

/** The table of `rows` in window order, header first; `''` when there is no row. Ends with a newline. */
export function renderWindowTable(rows: WindowRow[], options: RenderOptions = {}): string {
  if (rows.length === 0) return '';
  const color = options.color ?? false;
  const n = options.topStatuses ?? 5;
  const header = ['window (UTC)', 'requests', 'errors', 'error %', 'unique IPs', 'top error statuses', 'state'];
  const rightAligned = [false, true, true, true, true, false, false];
  const cells = [...rows]
    .sort((a, b) => a.windowStartUs - b.windowStartUs)
    .map((r) => [
      `${hms(r.windowStartUs)}–${hms(r.windowEndUs)}`,
      String(r.requests),
      String(r.errors),
      percent(r.errors, r.requests),
      Number.isFinite(r.uniqueIps) ? String(r.uniqueIps) : "-",
      topStatuses(r.statuses, n),
      r.closed ? 'closed' : 'open',
    ]);
  // Widths in characters: every cell is ASCII except the en dash, which is one column wide as well.
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => (rightAligned[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const paint = (code: string, text: string): string => (color ? `${code}${text}${ANSI.reset}` : text);
  const out = [paint(ANSI.bold, line(header))];
  for (const c of cells) {
    const text = line(c);
    // Open windows are dimmed: their numbers are still running.
    out.push(c[6] === 'open' ? paint(ANSI.dim, text) : text);
  }
  return `${out.join('\n')}\n`;
}

/** `window 09:42:30–09:43:00` from the alert's ISO times (shown raw if they do not parse). */
function alertWindow(a: Alert): string {
  const t = (iso: string): string => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(11, 19);
  };
  return `${t(a.window_start)}–${t(a.window_end)}`;
}

/** What each rule groups by, as its alert line names it. */
const GROUP_KEY: Record<AlertRuleType, string> = { errors_per_status: 'status', global_error_rate: 'group', url_error_rate: 'url', ip_error_rate: 'ip' };

/** `ALERT errors_per_status window 09:42:30–09:43:00 status=500 value=101 > 100`, without a newline. */
export function formatAlertLine(a: Alert): string {
  const key = GROUP_KEY[a.rule];
  // errors_per_status counts errors; the rate rules carry fractions, shown as percentages.
  const isCount = a.rule === 'errors_per_status';
  const show = (v: number): string => (isCount ? String(v) : `${(v * 100).toFixed(2)}%`);
  return `ALERT ${a.rule} window ${alertWindow(a)} ${key}=${a.group} value=${show(a.value)} > ${show(a.threshold)}`;
}

export class ConsoleTable {
  readonly #stream: ConsoleStream;
  readonly #everyMs: number;
  readonly #color: boolean;
  /** Windows updated since the last tick, by start; the latest row of a window wins. */
  #updated = new Map<number, WindowRow>();
  #timer: NodeJS.Timeout | null = null;

  constructor(options: ConsoleTableOptions = {}) {
    this.#stream = options.stream ?? process.stdout;
    this.#everyMs = options.everyMs ?? 10_000;
    if (!Number.isInteger(this.#everyMs) || this.#everyMs < 1 || this.#everyMs > 2 ** 31 - 1) {
      throw new LogpulseError('LP_ERR_SINK_OPTION', 'everyMs must be an integer number of milliseconds between 1 and 2147483647');
    }
    this.#color = options.color ?? (this.#stream.isTTY === true && !process.env['NO_COLOR']);
  }

  /** Window rows that changed (running counts of open windows, or final rows of closed ones). */
  update(rows: WindowRow[]): void {
    for (const r of rows) this.#updated.set(r.windowStartUs, r);
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), this.#everyMs);
    // The console never keeps the daemon alive on its own.
    this.#timer.unref();
  }

  /** Prints the windows updated since the last tick (nothing when none). */
  tick(): void {
    if (this.#updated.size === 0) return;
    const rows = [...this.#updated.values()];
    this.#updated.clear();
    this.#stream.write(renderWindowTable(rows, { color: this.#color }));
  }

  /** Prints the alert now, not at the next tick. */
  alert(a: Alert): void {
    const line = formatAlertLine(a);
    this.#stream.write(`${this.#color ? `${ANSI.bold}${ANSI.red}${line}${ANSI.reset}` : line}\n`);
  }

  /** Stops the timer and prints what is left, so the last windows of a finite input are shown. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.tick();
  }
}
