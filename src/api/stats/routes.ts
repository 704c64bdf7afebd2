// `/ip-stats`, `/url-stats`, `/status-stats`, `/minute-stats`, `/user-agent-stats`: one route per batch view,
// answered by the lambda query (lambda.ts, query.ts). Without the archive there is nothing to answer from: 503.
import type { FastifyInstance } from 'fastify';

import { bearerSecurity, errorSchema, unauthorized } from '../schemas.js';
import type { StatsQueries, StatsQuery } from './query.js';
import { columnsOf, STATS_SPECS, type StatsViewSpec } from './views.js';

export const MAX_LIMIT = 10_000;

/** Why the stats answer 503 when there is no archive to read. */
export const NO_ARCHIVE = 'the stats are computed from the Parquet archive: set archive.enabled: true (and run `logpulse batch` for fast answers over long histories)';

const PARAMS = new Set(['limit', 'offset', 'sort', 'order', 'ip', 'url', 'status', 'from', 'to']);

interface RawQuery {
  limit: number;
  offset: number;
  sort?: string;
  order?: 'asc' | 'desc';
  ip?: string;
  url?: string;
  status?: number;
  from?: string;
  to?: string;
}

const sourceSchema = {
  type: 'object',
  description: 'What the answer was made of',
  properties: {
    layer: { type: 'string', enum: ['lambda', 'archive'], description: 'lambda: batch view + speed layer; archive: computed from the archive files for this range or filter' },
    batchId: { type: ['string', 'null'], description: 'The published batch used (null: none yet)' },
    batchCreatedAt: { type: ['string', 'null'] },
    speedRecords: { type: 'integer', description: 'Archived records the speed layer adds to the batch' },
    refreshedAt: { type: ['string', 'null'], description: 'When the archive was last looked at (the daemon publishes archive files every output.rotateEvery)' },
  },
  required: ['layer', 'batchId', 'speedRecords', 'refreshedAt'],
} as const;

function querySchema(spec: StatsViewSpec): object {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 100, description: 'Rows per page' },
      offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0, description: 'Rows to skip' },
      sort: { type: 'string', enum: columnsOf(spec), description: `Column to sort on (default ${spec.sort})` },
      order: { type: 'string', enum: ['asc', 'desc'], description: 'Default: descending for counts, ascending for the key' },
      ip: { type: 'string', minLength: 1, maxLength: 64, description: 'Only this client IP' },
      url: { type: 'string', minLength: 1, maxLength: 8192, description: 'Only this URL (exact)' },
      status: { type: 'integer', minimum: 100, maximum: 999, description: 'Only records with this HTTP status' },
      from: { type: 'string', description: 'Event time, inclusive (ISO 8601, e.g. 2026-12-06T10:00:00Z)' },
      to: { type: 'string', description: 'Event time, exclusive (ISO 8601)' },
    },
  };
}

function responseSchema(spec: StatsViewSpec): object {
  return {
    type: 'object',
    properties: {
      rows: { type: 'array', items: { type: 'object', properties: spec.row, required: columnsOf(spec) } },
      total: { type: 'integer', description: 'Rows matching, over all pages' },
      source: sourceSchema,
    },
    required: ['rows', 'total', 'source'],
  };
}

/** The validated request, or the message of a 400. */
export function parseStatsQuery(spec: StatsViewSpec, raw: RawQuery): StatsQuery | string {
  const time = (name: 'from' | 'to'): number | undefined | string => {
    const text = raw[name];
    if (text === undefined) return undefined;
    const ms = Date.parse(text);
    return Number.isFinite(ms) ? ms * 1000 : `${name}: "${text}" is not an ISO 8601 time (e.g. 2026-12-06T10:00:00Z)`;
  };
  const fromUs = time('from');
  const toUs = time('to');
  if (typeof fromUs === 'string') return fromUs;
  if (typeof toUs === 'string') return toUs;
  if (fromUs !== undefined && toUs !== undefined && fromUs >= toUs) return `from (${raw.from}) must be before to (${raw.to})`;
  const sort = raw.sort ?? spec.sort;
  const order = raw.order ?? (sort === spec.sort ? spec.order : sort === spec.key ? 'asc' : 'desc');
  return {
    limit: raw.limit,
    offset: raw.offset,
    sort,
    order,
    ...(raw.ip === undefined ? {} : { ip: raw.ip }),
    ...(raw.url === undefined ? {} : { url: raw.url }),
    ...(raw.status === undefined ? {} : { status: raw.status }),
    ...(fromUs === undefined ? {} : { fromUs }),
    ...(toUs === undefined ? {} : { toUs }),
  };
}

/** `queries` null: the archive is off, every stats route answers 503 saying so. */
export function statsRoutes(app: FastifyInstance, queries: StatsQueries | null, secured: boolean): void {
  for (const spec of STATS_SPECS) {
    app.get<{ Querystring: RawQuery }>(
      spec.route,
      {
        schema: {
          summary: `${spec.summary}: the latest batch view plus every record archived since`,
          tags: ['stats'],
          ...(secured ? { security: bearerSecurity } : {}),
          querystring: querySchema(spec),
          response: {
            200: responseSchema(spec),
            400: { description: 'A bad parameter; the message says which', ...errorSchema },
            503: { description: 'No archive to answer from (archive.enabled is false)', ...errorSchema },
            ...unauthorized,
          },
        },
        // The schema would drop an unknown parameter silently: a typo (`stauts=404`) must not widen the answer.
        preValidation: async (req, reply) => {
          const unknown = Object.keys(req.query as object).filter((k) => !PARAMS.has(k));
          if (unknown.length > 0) return reply.code(400).send({ error: `unknown parameter ${unknown.join(', ')} (known: ${[...PARAMS].join(', ')})` });
        },
      },
      async (req, reply) => {
        if (queries === null) return reply.code(503).send({ error: NO_ARCHIVE });
        const q = parseStatsQuery(spec, req.query);
        if (typeof q === 'string') return reply.code(400).send({ error: q });
        return queries.answer(spec, q);
      },
    );
  }
}
