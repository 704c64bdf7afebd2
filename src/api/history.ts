// What /windows and /alerts list: the rows of the complete output files plus, in a running daemon, those emitted
// since (the in-memory ring), each row once. `logpulse api` has no ring: files only.
import { join } from 'node:path';

import type { Alert } from '../pipeline/output-port.js';
import {
  alertIdentity,
  alertTimes,
  ALERT_TIME_KEYS,
  type AlertTimeKey,
  compareAlerts,
  compareWindows,
  type Timed,
  windowIdentity,
  type WindowRowJson,
  windowTimes,
} from './history-rows.js';
import { OutputFiles } from './output-files.js';
import type { RecentOutputs } from './recent-outputs.js';

/** A page of rows and how many matched in all. */
export interface Page<Row> {
  rows: Row[];
  total: number;
}

export interface PageQuery {
  /** Times in ms since the epoch: [since, until); ±Infinity when open. */
  since: number;
  until: number;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface WindowQuery extends PageQuery {
  /** Only this kind of row; null: both. */
  kind: 'summary' | 'status' | null;
  /** Only the status rows of this status (no summary rows); null: every row. */
  status: number | null;
}

export interface AlertQuery extends PageQuery {
  /** The time `since`/`until` and the order apply to. */
  by: AlertTimeKey;
}

export interface HistoryOptions {
  /** `output.dir`: metrics/ and alerts/ are read under it. */
  outputDir: string;
  /** A running daemon's recent rows; null when no pipeline runs in this process. */
  recent: RecentOutputs | null;
  warn?: (message: string, details: Record<string, unknown>) => void;
}

export class History {
  readonly #recent: RecentOutputs | null;
  readonly #metrics: OutputFiles<WindowRowJson>;
  readonly #alerts: OutputFiles<Alert>;

  constructor(o: HistoryOptions) {
    this.#recent = o.recent;
    const warn = o.warn === undefined ? {} : { warn: o.warn };
    this.#metrics = new OutputFiles({ dir: join(o.outputDir, 'metrics'), kind: 'metrics', times: windowTimes, ...warn });
    this.#alerts = new OutputFiles({ dir: join(o.outputDir, 'alerts'), kind: 'alerts', times: alertTimes, ...warn });
  }

  /** Whether rows emitted but not yet in a complete file are listed too (a running daemon). */
  get live(): boolean {
    return this.#recent !== null;
  }

  async windows(q: WindowQuery): Promise<Page<WindowRowJson>> {
    const keep = (r: WindowRowJson): boolean => {
      const t = windowTimes(r)[0]!;
      if (!(t >= q.since && t < q.until)) return false;
      if (q.status !== null) return r.kind === 'status' && r.status === q.status;
      return q.kind === null || r.kind === q.kind;
    };
    const fromFiles = await this.#metrics.query(0, q.since, q.until);
    return pageOf(fromFiles, this.#recent?.windows ?? [], {
      keep,
      identity: windowIdentity,
      time: (r) => windowTimes(r)[0]!,
      compare: compareWindows,
      query: q,
    });
  }

  async alerts(q: AlertQuery): Promise<Page<Alert>> {
    const key = ALERT_TIME_KEYS.indexOf(q.by);
    const time = (a: Alert): number => alertTimes(a)[key]!;
    const fromFiles = await this.#alerts.query(key, q.since, q.until);
    return pageOf(fromFiles, this.#recent?.alerts ?? [], {
      keep: (a) => time(a) >= q.since && time(a) < q.until,
      identity: alertIdentity,
      time,
      compare: compareAlerts,
      query: q,
    });
  }
}

interface PageOptions<Row> {
  keep: (row: Row) => boolean;
  identity: (row: Row) => string;
  time: (row: Row) => number;
  compare: (a: Timed<Row>, b: Timed<Row>) => number;
  query: PageQuery;
}

/** The rows of both lists that `keep` holds for, each identity once (a file's copy wins), sorted, then paged. */
function pageOf<Row>(fromFiles: readonly Row[], recent: readonly Row[], o: PageOptions<Row>): Page<Row> {
  const byIdentity = new Map<string, Row>();
  for (const rows of [recent, fromFiles]) for (const row of rows) if (o.keep(row)) byIdentity.set(o.identity(row), row);
  const sorted = [...byIdentity.values()].map((row) => ({ t: o.time(row), row })).sort(o.compare);
  if (o.query.order === 'desc') sorted.reverse();
  const { offset, limit } = o.query;
  return { rows: sorted.slice(offset, offset + limit).map((x) => x.row), total: sorted.length };
}
