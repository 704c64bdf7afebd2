// The query parameters /windows and /alerts share (a time range, an order, a page) and their reading: fastify's
// schema validation answers 400 `{error}` for a malformed value, this for what a schema cannot say (since ≥ until).
import type { PageQuery } from './history.js';

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;

/** The querystring properties of a time-ranged, paged list; `on` says which time `since`/`until` apply to. */
export function pageParams(on: string) {
  return {
    since: { type: 'string', format: 'date-time', description: `ISO 8601 date-time with a zone; rows with ${on} at or after it` },
    until: { type: 'string', format: 'date-time', description: `ISO 8601 date-time with a zone; rows with ${on} before it` },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'asc', description: `by ${on}; desc: newest first (with limit: the newest rows)` },
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: 'rows in one answer' },
    offset: { type: 'integer', minimum: 0, default: 0, description: 'rows skipped first (paging)' },
  } as const;
}

/** What `pageParams` gives once fastify has validated and defaulted it. */
export interface PageParams {
  since?: string;
  until?: string;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/** The page query, or the message of a 400. */
export function readPage(p: PageParams): PageQuery | string {
  const since = p.since === undefined ? -Infinity : Date.parse(p.since);
  const until = p.until === undefined ? Infinity : Date.parse(p.until);
  if (Number.isNaN(since) || Number.isNaN(until)) return 'since and until must be ISO 8601 date-times (2026-12-06T10:00:00Z)';
  if (since >= until) return `since (${p.since}) must be before until (${p.until})`;
  return { since, until, order: p.order, limit: p.limit, offset: p.offset };
}

/** `{rows: [item], total}`: the answer of every list route. */
export function pageSchema(item: object, description: string) {
  return {
    description,
    type: 'object',
    properties: {
      rows: { type: 'array', items: item },
      total: { type: 'integer', description: 'rows matching the query in all (before limit and offset)' },
    },
    required: ['rows', 'total'],
  } as const;
}
