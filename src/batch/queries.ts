// Every view of a batch as SQL over `records`, in one engine's dialect: the stats views and the thresholds.
import type { AlertRule } from '../config/types.js';
import type { Dialect } from './dialect.js';
import { thresholdsSql } from './thresholds.js';
import { statsViewQueries, type ViewQuery } from './views.js';

export interface QueryOptions {
  errorStatusMin: number;
  windowMs: number;
  rules: readonly AlertRule[];
  /** `alerts.thresholdsPercentile`. */
  percentile: number;
}

/** The views in VIEWS order, each over the relation `records`. */
export function batchQueries(o: QueryOptions, dialect: Dialect): ViewQuery[] {
  return [
    ...statsViewQueries('records', { errorStatusMin: o.errorStatusMin }, dialect),
    { name: 'thresholds', sql: thresholdsSql(o.rules, 'records', { errorStatusMin: o.errorStatusMin, windowMs: o.windowMs, percentile: o.percentile }, dialect) },
  ];
}
