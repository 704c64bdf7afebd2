// The words of a run's progress and end, kept apart from the display so each can be tested as text: the
// one-line summary a terminal shows at the end, the progress figures, and the warning for a run whose lines are
// almost all rejected (a CSV file read with `format: json` would otherwise end with exit 0 and a totals line).
import type { PipelineTotals } from '../pipeline/totals.js';

/** Rejection reasons a wrong `format` produces: the line is not the shape the parser expects at all. */
const SHAPE_REASONS = ['malformed', 'missingField', 'invalidField', 'invalidTimestamp'] as const;
/** At least this many lines before the share is judged (a few bad first lines are no pattern). */
export const MOSTLY_REJECTED_MIN_LINES = 100;
/** This share of lines rejected for their shape or more: the input is probably not in the configured format. */
export const MOSTLY_REJECTED_SHARE = 0.9;

/** "N of M lines rejected as malformed; is `format` right?", or null when the run does not look like that. */
export function mostlyRejected(t: Readonly<PipelineTotals>, minLines: number = MOSTLY_REJECTED_MIN_LINES): string | null {
  const bad = SHAPE_REASONS.reduce((n, reason) => n + (t.rejected[reason] ?? 0), 0);
  if (t.lines < minLines || bad < t.lines * MOSTLY_REJECTED_SHARE) return null;
  return `${count(bad)} of ${count(t.lines)} lines rejected as malformed; is \`format\` right?`;
}

/** 1234567 → "1,234,567". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Bytes as people read them: "512 B", "3.4 MB", "1.2 GB" (powers of 1000, as `ls -lh --si`). */
export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** 4.2 → "4.2 s", 125 → "2 min 5 s". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min ${Math.round(seconds % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Rejected lines by reason, largest first: "12 rejected (malformed 10, tooLong 2)", or "0 rejected". */
export function rejectedText(t: Readonly<PipelineTotals>): string {
  const reasons = Object.entries(t.rejected).filter(([reason, n]) => n > 0 && reason !== 'late');
  const total = reasons.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return '0 rejected';
  reasons.sort((a, b) => b[1] - a[1]);
  return `${count(total)} rejected (${reasons.map(([reason, n]) => `${reason} ${count(n)}`).join(', ')})`;
}

/** The end of a run on a terminal, one line: what was read, what came of it, how long it took. */
export function summaryLine(t: Readonly<PipelineTotals>, elapsedSeconds: number): string {
  const rate = elapsedSeconds > 0 ? t.lines / elapsedSeconds : 0;
  const n = (value: number, noun: string) => `${count(value)} ${noun}${value === 1 ? '' : 's'}`;
  return (
    `done: ${n(t.lines, 'line')}, ${n(t.records, 'record')}, ${n(t.errors, 'error')}, ${rejectedText(t)}, ${count(t.late)} late, ` +
    `${n(t.windows, 'window')}, ${n(t.alerts, 'alert')} in ${duration(elapsedSeconds)} (${count(rate)} lines/s)`
  );
}
