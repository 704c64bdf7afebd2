// GET /alerts: the alerts (SPEC §5) of a time range, from the complete `alerts/` files and, in a running daemon, those
// fired since the last file was completed.
import type { FastifyInstance } from 'fastify';

import { type PageParams, pageParams, pageSchema, readPage } from './history-params.js';
import { ALERT_TIME_KEYS, type AlertTimeKey } from './history-rows.js';
import type { History } from './history.js';
import { bearerSecurity, errorSchema, unauthorized } from './schemas.js';

const alertSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', description: 'upper-case rule: ERRORS_PER_STATUS, GLOBAL_ERROR_RATE, …' },
    rule: { type: 'string', enum: ['errors_per_status', 'global_error_rate', 'url_error_rate', 'ip_error_rate'] },
    window_start: { type: 'string', format: 'date-time' },
    window_end: { type: 'string', format: 'date-time' },
    group: { type: 'string', description: 'a status, a URL, an IP, or "all"' },
    value: { type: 'number', description: 'an error count (errors_per_status) or a rate in 0..1' },
    threshold: { type: 'number' },
    message: { type: 'string' },
    emitted_at: { type: 'string', format: 'date-time', description: 'wall-clock time it fired' },
  },
  required: ['type', 'rule', 'window_start', 'window_end', 'group', 'value', 'threshold', 'message', 'emitted_at'],
} as const;

interface AlertsParams extends PageParams {
  by: AlertTimeKey;
}

export function alertsRoutes(app: FastifyInstance, history: History, secured: boolean): void {
  app.get<{ Querystring: AlertsParams }>(
    '/alerts',
    {
      schema: {
        summary: 'Alerts, sorted by window_start (or emitted_at with by=emitted_at)',
        description: history.live
          ? 'From the complete alerts/ files and the alerts the daemon fired since; each (rule, window, group) once.'
          : 'From the complete alerts/ files (no pipeline runs in this process).',
        ...(secured ? { security: bearerSecurity } : {}),
        querystring: {
          type: 'object',
          properties: {
            ...pageParams('the `by` time'),
            by: {
              type: 'string',
              enum: [...ALERT_TIME_KEYS],
              default: 'window_start',
              description: 'the time since, until and order apply to: the window (event time) or when the alert fired (wall clock)',
            },
          },
        },
        response: {
          200: pageSchema(alertSchema, 'Alerts and how many matched'),
          400: { description: 'A parameter is malformed', ...errorSchema },
          ...unauthorized,
        },
      },
    },
    async (req, reply) => {
      const page = readPage(req.query);
      if (typeof page === 'string') return reply.code(400).send({ error: page });
      return history.alerts({ ...page, by: req.query.by });
    },
  );
}
