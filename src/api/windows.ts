// GET /windows: the closed-window metrics rows (SPEC §3) of a time range, from the complete `metrics/` files and, in a
// running daemon, the rows emitted since the last file was completed.
import type { FastifyInstance } from 'fastify';

import { type PageParams, pageParams, pageSchema, readPage } from './history-params.js';
import type { History } from './history.js';
import { bearerSecurity, errorSchema, unauthorized } from './schemas.js';

const topUrl = { type: 'object', properties: { url: { type: 'string' }, count: { type: 'integer' } }, required: ['url', 'count'] } as const;

/** Both kinds of row in one schema: which fields a row has depends on `kind`. */
const windowRowSchema = {
  type: 'object',
  description: 'summary rows: requests, errors, error_rate, unique_ips, error_unique_ips; status rows: status, error_count, unique_ips, error_urls, top_urls',
  properties: {
    kind: { type: 'string', enum: ['summary', 'status'] },
    window_start: { type: 'string', format: 'date-time' },
    window_end: { type: 'string', format: 'date-time' },
    requests: { type: 'integer' },
    errors: { type: 'integer' },
    error_rate: { type: 'number' },
    unique_ips: { type: 'integer' },
    error_unique_ips: { type: 'integer' },
    status: { type: 'integer' },
    error_count: { type: 'integer' },
    error_urls: { type: 'array', items: { type: 'string' }, description: 'most frequent first' },
    error_urls_truncated: { type: 'boolean', description: 'present (true) when error_urls was cut at pipeline.maxUrlsPerWindow' },
    top_urls: { type: 'array', items: topUrl },
  },
  required: ['kind', 'window_start', 'window_end'],
} as const;

interface WindowsParams extends PageParams {
  kind?: 'summary' | 'status';
  status?: number;
}

export function windowsRoutes(app: FastifyInstance, history: History, secured: boolean): void {
  app.get<{ Querystring: WindowsParams }>(
    '/windows',
    {
      schema: {
        summary: 'Closed-window metrics rows (summary and per-status), sorted by window_start',
        description: history.live
          ? 'From the complete metrics/ files and the rows the daemon emitted since; each row once.'
          : 'From the complete metrics/ files (no pipeline runs in this process).',
        ...(secured ? { security: bearerSecurity } : {}),
        querystring: {
          type: 'object',
          properties: {
            ...pageParams('window_start'),
            kind: { type: 'string', enum: ['summary', 'status'], description: 'only this kind of row' },
            status: { type: 'integer', minimum: 100, maximum: 599, description: 'only the status rows of this status' },
          },
        },
        response: {
          200: pageSchema(windowRowSchema, 'Metrics rows and how many matched'),
          400: { description: 'A parameter is malformed', ...errorSchema },
          ...unauthorized,
        },
      },
    },
    async (req, reply) => {
      const page = readPage(req.query);
      if (typeof page === 'string') return reply.code(400).send({ error: page });
      const { kind, status } = req.query;
      return history.windows({ ...page, kind: kind ?? null, status: status ?? null });
    },
  );
}
