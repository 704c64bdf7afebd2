// What a pipeline counts since start, for logs, `/metrics` and the final summary. Kept by the pipeline as plain
// numbers (added per shard result, not per record) and read by whoever reports them.
import type { AlertRuleType } from '../config/types.js';

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
