// Liveness and readiness: `/health` says the process answers; `/ready` says whether it is doing its job now
// (for a load balancer or an orchestrator deciding whether to route or wait).
import type { FastifyInstance } from 'fastify';

import { bearerSecurity, unauthorized } from './schemas.js';

/** One readiness check: whether it passes and, in words, what it saw. */
export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}

/** Called on every `/ready`: the checks by name; ready when every one is ok. */
export type Readiness = () => Record<string, ReadinessCheck>;

const checksSchema = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: { ok: { type: 'boolean' }, detail: { type: 'string' } },
    required: ['ok', 'detail'],
  },
} as const;

const readySchema = {
  type: 'object',
  properties: { ready: { type: 'boolean' }, checks: checksSchema },
  required: ['ready', 'checks'],
} as const;

export function healthRoutes(app: FastifyInstance, readiness: Readiness, secured: boolean): void {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Liveness: always ok while the process answers (no auth)',
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] } },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: 200 when every check passes, 503 with the checks otherwise',
        ...(secured ? { security: bearerSecurity } : {}),
        response: {
          200: { description: 'Ready', ...readySchema },
          503: { description: 'Not ready; the failing checks say why', ...readySchema },
          ...unauthorized,
        },
      },
    },
    async (_req, reply) => {
      const checks = readiness();
      const ready = Object.values(checks).every((c) => c.ok);
      return reply.code(ready ? 200 : 503).send({ ready, checks });
    },
  );
}
