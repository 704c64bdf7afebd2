// The five stats endpoints, one entry each: the batch view it serves, its key and additive columns (what the
// batch and speed layers sum into one answer), what a row looks like in JSON, and what it may be sorted and
// filtered on. Every SQL identifier the API writes comes from here, never from a request.
import type { STATS_VIEWS } from '../../batch/views.js';

export type StatsView = (typeof STATS_VIEWS)[number];

export interface StatsViewSpec {
  view: StatsView;
  route: string;
  summary: string;
  /** The grouping column. */
  key: string;
  /** Columns that add across layers (counts). */
  sums: readonly string[];
  /** Columns computed from the sums (a ratio does not add), as SQL over the sums' names. */
  derived: Readonly<Record<string, string>>;
  /** Default sort column and order. */
  sort: string;
  order: 'asc' | 'desc';
  /** JSON Schema of a row's properties. */
  row: Record<string, object>;
}

const count = { type: 'integer', minimum: 0 } as const;

export const STATS_SPECS: readonly StatsViewSpec[] = [
  {
    view: 'ip_stats',
    route: '/ip-stats',
    summary: 'Requests and errors per client IP',
    key: 'ip',
    sums: ['nb_connexions', 'errors'],
    derived: {},
    sort: 'nb_connexions',
    order: 'desc',
    row: { ip: { type: 'string' }, nb_connexions: count, errors: count },
  },
  {
    view: 'url_stats',
    route: '/url-stats',
    summary: 'Requests, errors and error rate (0..1) per URL',
    key: 'url',
    sums: ['requests', 'errors'],
    derived: { error_rate: 'errors::DOUBLE / requests' },
    sort: 'requests',
    order: 'desc',
    row: { url: { type: 'string' }, requests: count, errors: count, error_rate: { type: 'number' } },
  },
  {
    view: 'status_stats',
    route: '/status-stats',
    summary: 'Requests per HTTP status',
    key: 'status',
    sums: ['count'],
    derived: {},
    sort: 'status',
    order: 'asc',
    row: { status: { type: 'integer' }, count },
  },
  {
    view: 'minute_stats',
    route: '/minute-stats',
    summary: 'Requests and errors per UTC minute (event time)',
    key: 'minute',
    sums: ['requests', 'errors'],
    derived: {},
    sort: 'minute',
    order: 'asc',
    row: { minute: { type: 'string', format: 'date-time' }, requests: count, errors: count },
  },
  {
    view: 'user_agent_stats',
    route: '/user-agent-stats',
    summary: 'Requests per User-Agent (records that carry one)',
    key: 'user_agent',
    sums: ['nb_connexions'],
    derived: {},
    sort: 'nb_connexions',
    order: 'desc',
    row: { user_agent: { type: 'string' }, nb_connexions: count },
  },
];

/**
 * The tables the API pages through hold each row's key, sums and `tie`: a hash of the key that orders rows with
 * equal values. Ordering ties by the key itself made a top-N over 1 M rows 6x slower (strings compared where most
 * counts are equal); a hash keeps pages stable and disjoint just the same.
 */
export const tableColumns = (spec: StatsViewSpec): string =>
  [spec.key, ...spec.sums, ...Object.entries(spec.derived).map(([name, expr]) => `${expr} AS ${name}`), `hash(${spec.key}) AS tie`].join(', ');

/**
 * The SET list of an upsert that adds `excluded`'s sums to a row: derived columns are kept in the tables (a sort on
 * `error_rate` then reads a column instead of dividing 1 M times) and recomputed from the new sums.
 */
export function upsertSet(spec: StatsViewSpec): string {
  const summed = (expr: string) => expr.replace(/\b[a-z_]+\b/g, (w) => (spec.sums.includes(w) ? `(${w} + excluded.${w})` : w));
  return [...spec.sums.map((c) => `${c} = ${c} + excluded.${c}`), ...Object.entries(spec.derived).map(([name, expr]) => `${name} = ${summed(expr)}`)].join(', ');
}

/** Every column a row of `spec` has, in order. */
export const columnsOf = (spec: StatsViewSpec): string[] => [spec.key, ...spec.sums, ...Object.keys(spec.derived)];
