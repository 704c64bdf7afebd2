// What a pipeline counts since start, for logs, `/metrics` and the final summary. Kept by the pipeline as plain
// numbers (added per shard result, not per record) and read by whoever reports them.
import type { AlertRuleType } from '../config/types.js';
import type { Counters } from '../native.js';

export interface PipelineTotals {
  lines: number;
  bytes: number;
  records: number;
  errors: number;
  late: number;
  /** Rows handed to the Parquet archive (published at the next cut). */
  archived: number;
  /** By the native counters' reason names (`missingField`, …). */
  rejected: Record<string, number>;
  windows: number;
  alerts: number;
  /** `alerts` by the rule that fired. */
  alertsByRule: Partial<Record<AlertRuleType, number>>;
}

export function newTotals(): PipelineTotals {
  return { lines: 0, bytes: 0, records: 0, errors: 0, late: 0, archived: 0, rejected: {}, windows: 0, alerts: 0, alertsByRule: {} };
}

/** Adds one shard result's counters; true when it counted valid records or errors (results.txt wants those). */
export function addCounters(t: PipelineTotals, c: Counters): boolean {
  t.lines += c.lines;
  t.bytes += c.bytes;
  t.records += c.records;
  t.errors += c.errors;
  t.late += c.late;
  t.archived += c.archived;
  for (const [reason, n] of Object.entries(c.rejected)) if (n > 0) t.rejected[reason] = (t.rejected[reason] ?? 0) + n;
  return c.records > 0 || c.errors > 0;
}

/** One alert fired by `rule`. */
export function countAlert(t: PipelineTotals, rule: AlertRuleType): void {
  t.alerts++;
  t.alertsByRule[rule] = (t.alertsByRule[rule] ?? 0) + 1;
}
